import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../types.js';
import { problemResponses } from '../../http/problem.js';
import { notFound } from '../../http/errors.js';
import { actorOf, recordAudit } from '../../audit/writer.js';
import { authenticatedUser } from '../../auth/guards.js';
import { IdParams } from './schemas.js';

const Platform = Type.Union([Type.Literal('android'), Type.Literal('ios'), Type.Literal('web')]);
const Device = Type.Object({
  id: Type.String({ format: 'uuid' }),
  platform: Platform,
  label: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.String({ format: 'date-time' }),
});

const toDto = (r: { id: string; platform: 'android' | 'ios' | 'web'; label: string | null; created_at: Date; last_seen_at: Date }) => ({
  id: r.id, platform: r.platform, label: r.label, createdAt: new Date(r.created_at).toISOString(), lastSeenAt: new Date(r.last_seen_at).toISOString(),
});

/** Push device tokens (FCM registration tokens) of the caller. Tokens are never returned. */
export default async function deviceRoutes(app: App) {
  const { db } = app.platform;

  app.get('/api/v1/me/devices', {
    schema: { tags: ['me'], summary: 'My devices registered for push notifications', response: { 200: Type.Object({ items: Type.Array(Device) }), ...problemResponses(401) } },
    preHandler: app.requireAuth,
  }, async (req) => {
    const rows = await db.selectFrom('platform.push_devices').selectAll().where('user_id', '=', authenticatedUser(req).id).orderBy('id').execute();
    return { items: rows.map(toDto) };
  });

  app.post('/api/v1/me/devices', {
    schema: {
      tags: ['me'], summary: 'Register this device for push notifications (again: refreshes it)',
      body: Type.Object({
        token: Type.String({ minLength: 10, maxLength: 4096, description: 'FCM registration token' }),
        platform: Platform,
        label: Type.Optional(Type.String({ maxLength: 100 })),
      }, { additionalProperties: false }),
      response: { 201: Device, ...problemResponses(400, 401) },
    },
    preHandler: app.requireAuth,
  }, async (req, reply) => {
    const me = authenticatedUser(req);
    const { token, platform, label } = req.body;
    const device = await db.transaction().execute(async (tx) => {
      // A token belongs to one app install: when another account signs in on it, the device moves to them.
      const row = await tx.insertInto('platform.push_devices').values({ user_id: me.id, token, platform, label: label ?? null })
        .onConflict((oc) => oc.column('token').doUpdateSet({ user_id: me.id, platform, label: label ?? null, last_seen_at: sql`now()` }))
        .returningAll().executeTakeFirstOrThrow();
      await recordAudit(tx, actorOf(req), { action: 'notify.device_registered', entity: 'push_device', entityId: row.id, diff: { platform, label } });
      return row;
    });
    return reply.code(201).send(toDto(device));
  });

  app.delete('/api/v1/me/devices/:id', {
    schema: { tags: ['me'], summary: 'Stop push notifications to one of my devices', params: IdParams, response: { 204: Type.Null(), ...problemResponses(401, 404) } },
    preHandler: app.requireAuth,
  }, async (req, reply) => {
    const me = authenticatedUser(req);
    await db.transaction().execute(async (tx) => {
      const row = await tx.deleteFrom('platform.push_devices').where('id', '=', req.params.id).where('user_id', '=', me.id).returning('id').executeTakeFirst();
      if (!row) throw notFound('device_not_found', 'No such device.');
      await recordAudit(tx, actorOf(req), { action: 'notify.device_removed', entity: 'push_device', entityId: row.id });
    });
    return reply.code(204).send(null);
  });
}
