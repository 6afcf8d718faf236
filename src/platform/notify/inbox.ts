import type { FastifyBaseLogger } from 'fastify';
import type { Selectable } from 'kysely';
import type { DbOrTx } from '../db/transaction.js';
import type { RealtimeService } from '../realtime/types.js';
import type { InboxMessagesTable } from './tables.js';
import type { RenderedMessage } from './types.js';

export type InboxRow = Selectable<InboxMessagesTable>;

export const toInboxDto = (r: InboxRow) => ({
  id: r.id,
  category: r.category,
  template: r.template,
  title: r.title,
  body: r.body,
  link: r.link,
  data: r.data,
  critical: r.critical,
  createdAt: new Date(r.created_at).toISOString(),
  readAt: r.read_at ? new Date(r.read_at).toISOString() : null,
});

export interface InboxEntry {
  userId: string;
  messageId: string;
  category: string;
  template: string;
  message: RenderedMessage;
  data: Record<string, unknown>;
  critical: boolean;
}

/**
 * Puts a message in a user's inbox and announces it on `user:<id>`. A message has one inbox entry at
 * most, however many of its channels land there (its own inapp row, or copies of channels that could
 * not deliver). Answers the row when it is new.
 */
export async function addToInbox(db: DbOrTx, realtime: RealtimeService | undefined, log: FastifyBaseLogger, entry: InboxEntry): Promise<InboxRow | undefined> {
  const row = await db.insertInto('platform.inbox_messages').values({
    user_id: entry.userId,
    message_id: entry.messageId,
    category: entry.category,
    template: entry.template,
    title: entry.message.title,
    body: entry.message.body,
    link: entry.message.link ?? null,
    data: JSON.stringify(entry.data),
    critical: entry.critical,
  }).onConflict((oc) => oc.columns(['user_id', 'message_id']).doNothing()).returningAll().executeTakeFirst();
  if (row && realtime) {
    // The inbox holds the message whatever happens here; the live copy is a convenience.
    await realtime.publish(`user:${entry.userId}`, 'inbox.message', toInboxDto(row))
      .catch((err) => log.warn({ err, user: entry.userId }, 'inbox: live announcement failed'));
  }
  return row;
}
