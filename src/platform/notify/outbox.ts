import { randomUUID } from 'node:crypto';
import { sql, type Insertable } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Db } from '../db/pool.js';
import { inTransaction, type Tx } from '../db/transaction.js';
import type { JobService } from '../jobs/types.js';
import { quietHoursEnd } from './quiet-hours.js';
import type { NotificationOutboxTable, OutboxStatus, UserChannel } from './tables.js';
import type { TemplateRegistry } from './templates.js';
import type { Locale, QueuedMessage, Recipient, SendInput, SendOptions } from './types.js';

export const DELIVER_QUEUE = 'notify.deliver';

const ADDRESS: Record<string, RegExp> = {
  email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
  sms: /^\+[1-9][0-9]{6,14}$/,
  whatsapp: /^(whatsapp:)?\+[1-9][0-9]{6,14}$/,
  webhook: /^https?:\/\/\S+$/,
  discord: /^https?:\/\/\S+$/,
};

interface RecipientUser {
  id: string;
  locale: Locale;
  time_zone: string;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
}

type NewRow = Insertable<NotificationOutboxTable>;

export interface OutboxWriterDeps {
  db: Db;
  templates: TemplateRegistry;
  jobs: () => JobService | undefined;
  now?: () => Date;
}

/**
 * notify.send: one outbox row per recipient and channel, written in the caller's transaction, with its
 * delivery job enqueued in the same transaction (so it exists only if the caller commits).
 */
export async function writeMessages(deps: OutboxWriterDeps, input: SendInput, options: SendOptions = {}): Promise<QueuedMessage[]> {
  const template = deps.templates.template(input.template);
  const category = deps.templates.category(input.category ?? template.category);
  const dedupKey = input.dedupKey ?? `once:${randomUUID()}`;
  const critical = input.critical ?? false;
  const recipients: Recipient[] = Array.isArray(input.to) ? input.to : [input.to];
  const now = deps.now?.() ?? new Date();
  const data = JSON.stringify(input.data ?? {});

  return inTransaction(options.db ?? deps.db, async (tx) => {
    const users = await recipientUsers(tx, recipients);
    const preferences = await preferencesOf(tx, users.map((u) => u.id), category.name);
    const rows: NewRow[] = [];
    const base = { category: category.name, template: template.name, data, dedup_key: dedupKey, critical };

    for (const user of users) {
      const messageId = uuidv7();
      const chosen = preferences.get(user.id);
      const requested: UserChannel[] = input.channels ?? chosen ?? category.defaultChannels;
      const quietEnd = user.quiet_hours_start && user.quiet_hours_end
        ? quietHoursEnd(now, { start: user.quiet_hours_start, end: user.quiet_hours_end, timeZone: user.time_zone })
        : null;
      for (const channel of new Set(requested)) {
        let status: OutboxStatus = 'pending';
        let deliverAfter = now;
        let errorCode: string | null = null;
        // A critical message reaches every channel its sender chose: no setting can silence it.
        if (!critical && input.channels && chosen && !chosen.includes(channel)) {
          status = 'suppressed';
          errorCode = 'preference';
        } else if (!critical && quietEnd && channel !== 'inapp') {
          // The inbox is silent, so it gets the message now; channels that ring wait for the end of quiet hours.
          status = 'deferred';
          deliverAfter = quietEnd;
        }
        rows.push({
          ...base, message_id: messageId, user_id: user.id, address: null, recipient_key: `user:${user.id}`, channel,
          locale: user.locale, status, deliver_after: deliverAfter, error_code: errorCode,
          error_message: errorCode === 'preference' ? 'the user turned this channel off for this category' : null,
        });
      }
    }
    for (const r of recipients) {
      if (!('address' in r)) continue;
      const valid = ADDRESS[r.channel].test(r.address);
      rows.push({
        ...base, message_id: uuidv7(), user_id: null, address: r.address, recipient_key: `${r.channel}:${r.address}`, channel: r.channel,
        locale: r.locale ?? input.locale ?? 'en', status: valid ? 'pending' : 'failed', deliver_after: now,
        error_code: valid ? null : 'invalid_address', error_message: valid ? null : `not a valid ${r.channel} address`,
      });
    }
    if (rows.length === 0) return [];

    const jobs = deps.jobs();
    const inserted = await tx.insertInto('platform.notification_outbox')
      .values(rows.map((r) => ({ ...r, dispatched_at: jobs && (r.status === 'pending' || r.status === 'deferred') ? now : null })))
      .onConflict((oc) => oc.columns(['dedup_key', 'recipient_key', 'channel']).doNothing())
      .returning(['id', 'channel', 'user_id', 'status', 'deliver_after', 'recipient_key'])
      .execute();
    for (const row of inserted) {
      if (jobs && (row.status === 'pending' || row.status === 'deferred')) {
        await jobs.send(DELIVER_QUEUE, { id: row.id }, { db: tx, startAfter: row.status === 'deferred' ? new Date(row.deliver_after) : undefined, trigger: 'event' });
      }
    }

    const createdKeys = new Set(inserted.map((r) => `${r.recipient_key}|${r.channel}`));
    const existing = rows.length === inserted.length ? [] : await tx.selectFrom('platform.notification_outbox')
      .select(['id', 'channel', 'user_id', 'status', 'recipient_key'])
      .where('dedup_key', '=', dedupKey)
      .where('recipient_key', 'in', rows.map((r) => r.recipient_key))
      .execute();
    return [
      ...inserted.map((r) => ({ id: r.id, channel: r.channel, userId: r.user_id, status: r.status, created: true })),
      ...existing.filter((r) => !createdKeys.has(`${r.recipient_key}|${r.channel}`))
        .map((r) => ({ id: r.id, channel: r.channel, userId: r.user_id, status: r.status, created: false })),
    ];
  });
}

async function recipientUsers(tx: Tx, recipients: Recipient[]): Promise<RecipientUser[]> {
  const ids = recipients.flatMap((r) => ('userId' in r ? [r.userId] : []));
  const roles = recipients.flatMap((r) => ('role' in r ? [r.role] : []));
  if (ids.length === 0 && roles.length === 0) return [];
  return tx.selectFrom('platform.users as u')
    .select(['u.id', 'u.locale', 'u.time_zone', sql<string | null>`u.quiet_hours_start::text`.as('quiet_hours_start'), sql<string | null>`u.quiet_hours_end::text`.as('quiet_hours_end')])
    .where((eb) => eb.or([
      ...(ids.length ? [eb('u.id', 'in', ids)] : []),
      ...(roles.length ? [eb.and([
        eb('u.status', '=', 'active'),
        eb.exists(eb.selectFrom('platform.user_roles as r').select('r.user_id').whereRef('r.user_id', '=', 'u.id').where('r.role', 'in', roles)),
      ])] : []),
    ]))
    .orderBy('u.id')
    .execute() as Promise<RecipientUser[]>;
}

async function preferencesOf(tx: Tx, userIds: string[], category: string): Promise<Map<string, UserChannel[]>> {
  if (userIds.length === 0) return new Map();
  const rows = await tx.selectFrom('platform.notification_preferences').select(['user_id', 'channels'])
    .where('user_id', 'in', userIds).where('category', '=', category).execute();
  return new Map(rows.map((r) => [r.user_id, r.channels as UserChannel[]]));
}
