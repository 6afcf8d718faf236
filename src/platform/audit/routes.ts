import { Type } from 'typebox';
import type { App } from '../types.js';
import { problemResponses } from '../http/problem.js';
import { notFound } from '../http/errors.js';
import { Page, PageQuery, idCursor, toPage } from '../http/pagination.js';
import type { Selectable } from 'kysely';
import type { AuditEventsTable } from './tables.js';

const AuditEvent = Type.Object({
  id: Type.String({ format: 'uuid' }),
  at: Type.String({ format: 'date-time' }),
  actorId: Type.Union([Type.String(), Type.Null()]),
  actorEmail: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  entity: Type.String(),
  entityId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  diff: Type.Unknown(),
});

const toDto = (r: Selectable<AuditEventsTable> & { user_email: string | null }) => ({
  id: r.id, at: new Date(r.at).toISOString(), actorId: r.actor_id, actorEmail: r.actor_email ?? r.user_email,
  action: r.action, entity: r.entity, entityId: r.entity_id, ip: r.ip, requestId: r.request_id, diff: r.diff,
});

export default async function auditRoutes(app: App) {
  const { db } = app.platform;
  const base = () => db.selectFrom('platform.audit_events as a').leftJoin('platform.users as u', 'u.id', 'a.actor_id')
    .selectAll('a').select('u.email as user_email');

  app.get('/api/v1/audit-events', {
    schema: {
      tags: ['audit'], summary: 'Audit events, newest first (admin)',
      querystring: Type.Intersect([PageQuery, Type.Object({
        actorId: Type.Optional(Type.String({ format: 'uuid' })),
        action: Type.Optional(Type.String({ maxLength: 100, description: 'Exact action, or a prefix ending in * (e.g. auth.*)' })),
        entity: Type.Optional(Type.String({ maxLength: 100 })),
        entityId: Type.Optional(Type.String({ maxLength: 100 })),
        from: Type.Optional(Type.String({ format: 'date-time' })),
        to: Type.Optional(Type.String({ format: 'date-time' })),
      })]),
      response: { 200: Page(AuditEvent), ...problemResponses(400, 401, 403) },
    },
    preHandler: app.requireRole('admin'),
  }, async (req) => {
    const { actorId, action, entity, entityId, from, to, limit } = req.query;
    const after = idCursor(req.query.cursor);
    let q = base().orderBy('a.id', 'desc').limit(limit + 1);
    if (after) q = q.where('a.id', '<', after);
    if (actorId) q = q.where('a.actor_id', '=', actorId);
    if (action) q = action.endsWith('*') ? q.where('a.action', 'like', `${action.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : q.where('a.action', '=', action);
    if (entity) q = q.where('a.entity', '=', entity);
    if (entityId) q = q.where('a.entity_id', '=', entityId);
    if (from) q = q.where('a.at', '>=', new Date(from));
    if (to) q = q.where('a.at', '<', new Date(to));
    return toPage(await q.execute(), limit, (r) => [r.id], toDto);
  });

  app.get('/api/v1/audit-events/:id', {
    schema: {
      tags: ['audit'], summary: 'One audit event with its diff (admin)',
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      response: { 200: AuditEvent, ...problemResponses(401, 403, 404) },
    },
    preHandler: app.requireRole('admin'),
  }, async (req) => {
    const row = await base().where('a.id', '=', req.params.id).executeTakeFirst();
    if (!row) throw notFound('audit_event_not_found', 'No such audit event.');
    return toDto(row);
  });
}
