import { Type } from 'typebox';
import type { Selectable } from 'kysely';
import type { App } from '../../types.js';
import { problemResponses } from '../../http/problem.js';
import { Page, PageQuery, idCursor, toPage } from '../../http/pagination.js';
import type { NotificationOutboxTable } from '../tables.js';
import { ChannelSchema, StatusSchema } from './schemas.js';

const OutboxMessage = Type.Object({
  id: Type.String({ format: 'uuid' }),
  messageId: Type.String({ format: 'uuid' }),
  userId: Type.Union([Type.String(), Type.Null()]),
  address: Type.Union([Type.String(), Type.Null()]),
  channel: ChannelSchema,
  category: Type.String(),
  template: Type.String(),
  locale: Type.String(),
  dedupKey: Type.String(),
  critical: Type.Boolean(),
  status: StatusSchema,
  attempts: Type.Integer(),
  deliverAfter: Type.String({ format: 'date-time' }),
  providerId: Type.Union([Type.String(), Type.Null()]),
  providerStatus: Type.Union([Type.String(), Type.Null()]),
  errorCode: Type.Union([Type.String(), Type.Null()]),
  errorMessage: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
// Webhook URLs carry their secret in the path: only the origin is shown.
const shownAddress = (r: Selectable<NotificationOutboxTable>) =>
  r.address && (r.channel === 'webhook' || r.channel === 'discord') ? `${new URL(r.address).origin}/…` : r.address;

const toDto = (r: Selectable<NotificationOutboxTable>) => ({
  id: r.id, messageId: r.message_id, userId: r.user_id, address: shownAddress(r), channel: r.channel, category: r.category,
  template: r.template, locale: r.locale, dedupKey: r.dedup_key, critical: r.critical, status: r.status, attempts: r.attempts,
  deliverAfter: iso(r.deliver_after)!, providerId: r.provider_id, providerStatus: r.provider_status, errorCode: r.error_code,
  errorMessage: r.error_message, createdAt: iso(r.created_at)!, sentAt: iso(r.sent_at), deliveredAt: iso(r.delivered_at),
});

/** What was sent, to whom, and what each provider answered (admins). Message data is not shown. */
export default async function outboxRoutes(app: App) {
  const { db } = app.platform;
  app.get('/api/v1/notify/outbox', {
    schema: {
      tags: ['notify'], summary: 'Outbox messages, newest first (admin)',
      querystring: Type.Intersect([PageQuery, Type.Object({
        status: Type.Optional(StatusSchema),
        channel: Type.Optional(ChannelSchema),
        userId: Type.Optional(Type.String({ format: 'uuid' })),
        dedupKey: Type.Optional(Type.String({ maxLength: 300 })),
      })]),
      response: { 200: Page(OutboxMessage), ...problemResponses(400, 401, 403) },
    },
    preHandler: app.requireRole('admin'),
  }, async (req) => {
    const { status, channel, userId, dedupKey, limit } = req.query;
    const after = idCursor(req.query.cursor);
    let q = db.selectFrom('platform.notification_outbox').selectAll().orderBy('id', 'desc').limit(limit + 1);
    if (after) q = q.where('id', '<', after);
    if (status) q = q.where('status', '=', status);
    if (channel) q = q.where('channel', '=', channel);
    if (userId) q = q.where('user_id', '=', userId);
    if (dedupKey) q = q.where('dedup_key', '=', dedupKey);
    return toPage(await q.execute(), limit, (r) => [r.id], toDto);
  });
}
