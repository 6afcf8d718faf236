import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../types.js';
import { problemResponses } from '../../http/problem.js';
import { notFound } from '../../http/errors.js';
import { Page, PageQuery, idCursor, toPage } from '../../http/pagination.js';
import { actorOf, recordAudit } from '../../audit/writer.js';
import { authenticatedUser } from '../../auth/guards.js';
import { toInboxDto } from '../inbox.js';
import { IdParams, InboxMessage } from './schemas.js';

/** The caller's own inbox: another user's message answers 404, as if it did not exist. */
export default async function inboxRoutes(app: App) {
  const { db } = app.platform;
  app.addSchema(InboxMessage);
  const Message = Type.Ref('InboxMessage');

  app.get('/api/v1/inbox', {
    schema: {
      tags: ['inbox'], summary: 'My in-app messages, newest first',
      querystring: Type.Intersect([PageQuery, Type.Object({ unread: Type.Optional(Type.Boolean({ description: 'Only unread messages' })) })]),
      response: { 200: Page(Message), ...problemResponses(400, 401) },
    },
    preHandler: app.requireAuth,
  }, async (req) => {
    const me = authenticatedUser(req);
    const after = idCursor(req.query.cursor);
    let q = db.selectFrom('platform.inbox_messages').selectAll().where('user_id', '=', me.id).orderBy('id', 'desc').limit(req.query.limit + 1);
    if (after) q = q.where('id', '<', after);
    if (req.query.unread) q = q.where('read_at', 'is', null);
    return toPage(await q.execute(), req.query.limit, (r) => [r.id], toInboxDto);
  });

  app.get('/api/v1/inbox/unread-count', {
    schema: { tags: ['inbox'], summary: 'How many of my messages are unread', response: { 200: Type.Object({ unread: Type.Integer() }), ...problemResponses(401) } },
    preHandler: app.requireAuth,
  }, async (req) => {
    const me = authenticatedUser(req);
    const row = await db.selectFrom('platform.inbox_messages').select(sql<number>`count(*)::int`.as('unread'))
      .where('user_id', '=', me.id).where('read_at', 'is', null).executeTakeFirstOrThrow();
    return { unread: row.unread };
  });

  app.get('/api/v1/inbox/:id', {
    schema: { tags: ['inbox'], summary: 'One of my messages', params: IdParams, response: { 200: Message, ...problemResponses(401, 404) } },
    preHandler: app.requireAuth,
  }, async (req) => {
    const me = authenticatedUser(req);
    const row = await db.selectFrom('platform.inbox_messages').selectAll().where('id', '=', req.params.id).where('user_id', '=', me.id).executeTakeFirst();
    if (!row) throw notFound('message_not_found', 'No such message.');
    return toInboxDto(row);
  });

  app.post('/api/v1/inbox/:id/read', {
    schema: { tags: ['inbox'], summary: 'Mark one of my messages read', params: IdParams, response: { 200: Message, ...problemResponses(401, 404) } },
    preHandler: app.requireAuth,
  }, async (req) => {
    const me = authenticatedUser(req);
    return db.transaction().execute(async (tx) => {
      const row = await tx.updateTable('platform.inbox_messages').set({ read_at: sql`coalesce(read_at, now())` })
        .where('id', '=', req.params.id).where('user_id', '=', me.id).returningAll().executeTakeFirst();
      if (!row) throw notFound('message_not_found', 'No such message.');
      await recordAudit(tx, actorOf(req), { action: 'inbox.message_read', entity: 'inbox_message', entityId: row.id });
      return toInboxDto(row);
    });
  });

  app.post('/api/v1/inbox/read-all', {
    schema: { tags: ['inbox'], summary: 'Mark all my messages read', response: { 200: Type.Object({ updated: Type.Integer() }), ...problemResponses(401) } },
    preHandler: app.requireAuth,
  }, async (req) => {
    const me = authenticatedUser(req);
    return db.transaction().execute(async (tx) => {
      const result = await tx.updateTable('platform.inbox_messages').set({ read_at: sql`now()` })
        .where('user_id', '=', me.id).where('read_at', 'is', null).executeTakeFirst();
      const updated = Number(result.numUpdatedRows);
      await recordAudit(tx, actorOf(req), { action: 'inbox.all_read', entity: 'user', entityId: me.id, diff: { updated } });
      return { updated };
    });
  });
}
