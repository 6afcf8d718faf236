import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../../../platform/db/transaction.js';
import type { ModuleContext } from '../../../platform/types.js';
import type { Recipient } from '../../../platform/notify/types.js';
import { dueEvents, localDate, daysBetween, resendKey, type DueEvent, type NotificationChannel, type NotificationKind } from './catch-up.js';
import { enabledChannels, loadSettings, notifyLocale, ruleSettings, type LoadedSettings } from './settings.js';
import { channelOfKey, channelStates, notificationStatus } from './delivery.js';
import type { QuoteMessageData } from './messages.js';
import { raiseAlert } from '../housekeeping/alerts.js';
import { opsMetrics } from '../housekeeping/metrics.js';

export const WEBHOOK_PURPOSE = 'operations.discord-webhook';
export const quotesTopic = (organizationId: string) => `operations.quotes:${organizationId}`;

interface QuoteRow {
  id: string; organization_id: string; status: string; number: string | null; title: string; amount: string; currency: string;
  start_date: string | null; due_date: string | null; client_name: string; responsible_name: string | null; responsible_email: string | null;
}

const QUOTE_COLUMNS = sql`q.id, q.organization_id, q.status, q.number, q.title, q.amount::text as amount, q.currency,
  to_char(q.start_date, 'YYYY-MM-DD') as start_date, to_char(q.due_date, 'YYYY-MM-DD') as due_date, c.name as client_name,
  u.display_name as responsible_name, u.email as responsible_email`;
const QUOTE_FROM = sql`operations.quote q join operations.client c on c.id = q.client_id left join platform.users u on u.id = q.responsible_user_id`;

/** Quotes of one organisation with an event due on `today` that has no notification row yet (the scan's work list). */
async function candidates(db: DbOrTx, s: LoadedSettings, today: string, quoteId?: string) {
  const event = (kind: NotificationKind, column: string) => sql`(q.${sql.ref(column)} <= ${today}::date and not exists (
    select 1 from operations.quote_notification n where n.quote_id = q.id and n.kind = ${kind} and n.event_date = q.${sql.ref(column)} and n.resend_no = 0))`;
  const { rows } = await sql<QuoteRow>`
    select ${QUOTE_COLUMNS} from ${QUOTE_FROM}
    where q.organization_id = ${s.organizationId} and q.status = any(${s.notifyStatuses}::text[])
      and (${event('period_started', 'start_date')} or ${event('deadline_reached', 'due_date')})
      ${quoteId ? sql`and q.id = ${quoteId}` : sql``}
    order by q.id`.execute(db);
  return rows;
}

function messageData(ctx: ModuleContext, q: QuoteRow, kind: NotificationKind, lateByDays: number, dedupKey: string): QuoteMessageData {
  return {
    kind, quoteId: q.id, number: q.number ?? q.title, title: q.title, clientName: q.client_name, amount: q.amount, currency: q.currency,
    responsible: q.responsible_name ?? '', startDate: q.start_date, dueDate: q.due_date,
    periodDays: q.start_date && q.due_date ? daysBetween(q.start_date, q.due_date) : null,
    lateByDays, link: `${ctx.config.publicUrl}/operations/quotes/${q.id}`, dedupKey,
  };
}

function recipients(s: LoadedSettings, q: QuoteRow, channel: NotificationChannel): Recipient[] {
  if (channel === 'webhook') return [{ channel: 'discord', address: s.webhookUrl! }];
  const emails = new Set(s.emailRecipients);
  if (s.notifyResponsible && q.responsible_email) emails.add(q.responsible_email);
  return [...emails].map((address) => ({ channel: 'email' as const, address }));
}

/**
 * Records one event and, when this call inserted it, writes its outbox messages in the same transaction.
 * The unique dedup key is what makes two concurrent workers send it once: the second insert waits for the
 * first transaction and then finds the key taken.
 */
async function recordEvent(ctx: ModuleContext, tx: Tx, s: LoadedSettings, q: QuoteRow, e: Pick<DueEvent, 'kind' | 'eventDate' | 'dedupKey' | 'status' | 'skipReason' | 'lateByDays' | 'messages'>, extra: { resendNo?: number; requestedBy?: string } = {}) {
  const inserted = await tx.insertInto('operations.quote_notification').values({
    quote_id: q.id, organization_id: q.organization_id, kind: e.kind, event_date: e.eventDate, dedup_key: e.dedupKey, status: e.status,
    skip_reason: e.skipReason, late_by_days: e.lateByDays, resend_no: extra.resendNo ?? 0, requested_by: extra.requestedBy ?? null,
  }).onConflict((oc) => oc.column('dedup_key').doNothing()).returning('id').executeTakeFirst();
  if (!inserted || e.status !== 'queued') return inserted ? { id: inserted.id, queued: false } : null;
  const outbox = [];
  for (const m of e.messages) {
    const to = recipients(s, q, m.channel);
    if (to.length === 0) continue;
    const sent = await ctx.notify.send({
      to, template: 'operations.quote_notification', dedupKey: m.dedupKey, locale: notifyLocale(s.locale),
      data: messageData(ctx, q, e.kind, e.lateByDays, e.dedupKey) as unknown as Record<string, unknown>,
    }, { db: tx });
    outbox.push(...sent.map((r) => ({ id: r.id, channel: r.channel, status: r.status, error_message: null, sent_at: null, notificationChannel: m.channel })));
  }
  const states = channelStates(outbox);
  await tx.updateTable('operations.quote_notification').set({ channels: JSON.stringify(states) }).where('id', '=', inserted.id).execute();
  return { id: inserted.id, queued: true };
}

async function publishUpdate(ctx: ModuleContext, organizationId: string, data: { quoteId: string; kind: string; status: string; eventDate: string }) {
  await ctx.realtime.publish(quotesTopic(organizationId), 'quote.notification.updated', data)
    .catch((err) => ctx.log.warn({ err }, 'operations: quote.notification.updated not published'));
}

export interface ScanResult { organizations: number; quotes: number; queued: number; skipped: number }

/**
 * The daily scan (§5.1) for every organisation with an enabled channel, or one organisation / one quote
 * (the single-quote scan after an edit). `now` is injectable so tests control the organisation's `today`.
 */
export async function scanNotifications(ctx: ModuleContext, options: { now?: Date; organizationId?: string; quoteId?: string } = {}): Promise<ScanResult> {
  const now = options.now ?? new Date();
  const box = ctx.secretBox(WEBHOOK_PURPOSE);
  let orgQuery = ctx.db.selectFrom('operations.notification_setting as s').innerJoin('operations.organization as o', 'o.id', 's.organization_id')
    .select('s.organization_id').where('o.archived_at', 'is', null).where((eb) => eb.or([eb('s.webhook_enabled', '=', true), eb('s.email_enabled', '=', true)]));
  if (options.organizationId) orgQuery = orgQuery.where('s.organization_id', '=', options.organizationId);
  if (options.quoteId) orgQuery = orgQuery.where(sql<boolean>`s.organization_id = (select organization_id from operations.quote where id = ${options.quoteId})`);
  const orgs = await orgQuery.execute();
  const result: ScanResult = { organizations: 0, quotes: 0, queued: 0, skipped: 0 };
  for (const { organization_id } of orgs) {
    const s = await loadSettings(ctx.db, box, organization_id);
    if (enabledChannels(s).length === 0) continue;
    result.organizations++;
    const today = localDate(now, s.timezone);
    for (const q of await candidates(ctx.db, s, today, options.quoteId)) {
      result.quotes++;
      for (const e of dueEvents({ id: q.id, status: q.status, startDate: q.start_date, dueDate: q.due_date }, ruleSettings(s), today)) {
        const done = await ctx.db.transaction().execute((tx) => recordEvent(ctx, tx, s, q, e));
        if (!done) continue;
        if (done.queued) result.queued++; else result.skipped++;
        opsMetrics(ctx).notifications.inc({ kind: e.kind, status: e.status });
        await publishUpdate(ctx, q.organization_id, { quoteId: q.id, kind: e.kind, status: e.status, eventDate: e.eventDate });
      }
    }
  }
  return result;
}

/** A manager's resend: a new message with key `…:resend:{n}` for the quote's current date of that kind. */
export async function resendNotification(ctx: ModuleContext, quoteId: string, kind: NotificationKind, userId: string, now = new Date()) {
  const box = ctx.secretBox(WEBHOOK_PURPOSE);
  const { rows: [q] } = await sql<QuoteRow>`select ${QUOTE_COLUMNS} from ${QUOTE_FROM} where q.id = ${quoteId}`.execute(ctx.db);
  if (!q) return { error: 'not_found' as const };
  const eventDate = kind === 'period_started' ? q.start_date : q.due_date;
  if (!eventDate) return { error: 'no_event_date' as const };
  const s = await loadSettings(ctx.db, box, q.organization_id);
  const channels = enabledChannels(s);
  if (channels.length === 0) return { error: 'no_channel_enabled' as const };
  const today = localDate(now, s.timezone);
  const out = await ctx.db.transaction().execute(async (tx) => {
    // Serialises resends of one event so two clicks get n and n + 1, not a unique violation.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`operations:resend:${quoteId}:${kind}:${eventDate}`}, 0))`.execute(tx);
    const last = await tx.selectFrom('operations.quote_notification').select((eb) => eb.fn.max('resend_no').as('n'))
      .where('quote_id', '=', quoteId).where('kind', '=', kind).where(sql<boolean>`event_date = ${eventDate}::date`).executeTakeFirst();
    const n = Number(last?.n ?? 0) + 1;
    const dedupKey = resendKey(quoteId, kind, eventDate, n);
    const recorded = await recordEvent(ctx, tx, s, q, {
      kind, eventDate, dedupKey, status: 'queued', skipReason: null, lateByDays: Math.max(0, daysBetween(eventDate, today)),
      messages: channels.map((channel) => ({ channel, dedupKey: `${dedupKey}:${channel}` })),
    }, { resendNo: n, requestedBy: userId });
    return { id: recorded!.id, resendNo: n, dedupKey };
  });
  await publishUpdate(ctx, q.organization_id, { quoteId, kind, status: 'queued', eventDate });
  return { ...out, organizationId: q.organization_id, eventDate };
}

/**
 * Brings `queued` notifications (or the given ones) up to date with their outbox rows; a notification that
 * failed for good raises one `notification_undelivered` alert. Answers how many changed.
 */
export async function syncDeliveries(ctx: ModuleContext, filter: { ids?: string[]; organizationId?: string; limit?: number } = {}) {
  let q = ctx.db.selectFrom('operations.quote_notification')
    .select(['id', 'quote_id', 'organization_id', 'kind', 'dedup_key', 'status', 'channels'])
    .select(sql<string>`to_char(event_date, 'YYYY-MM-DD')`.as('event_date'));
  // Failed rows keep following their other channels (a failed webhook must not hide a delivered e-mail).
  const open = (eb: any) => eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'failed'), eb(sql`channels::text`, 'like', '%"queued"%')])]);
  q = filter.ids ? q.where('id', 'in', filter.ids.length ? filter.ids : ['00000000-0000-0000-0000-000000000000']) : q.where(open);
  if (filter.organizationId) q = q.where('organization_id', '=', filter.organizationId);
  const rows = await q.orderBy('detected_at').limit(filter.limit ?? 1000).execute();
  const pending = rows.filter((r) => r.status === 'queued' || (r.status === 'failed' && Object.values(r.channels).some((c) => c.status === 'queued')));
  if (pending.length === 0) return 0;
  const keys = pending.flatMap((r) => [`${r.dedup_key}:webhook`, `${r.dedup_key}:email`]);
  const outbox = await ctx.db.selectFrom('platform.notification_outbox')
    .select(['id', 'channel', 'status', 'error_message', 'sent_at', 'dedup_key']).where('dedup_key', 'in', keys).execute();
  let changed = 0;
  for (const r of pending) {
    const mine = outbox.filter((o) => o.dedup_key.startsWith(`${r.dedup_key}:`) && o.dedup_key.length > r.dedup_key.length
      && !o.dedup_key.slice(r.dedup_key.length + 1).includes(':'))
      .map((o) => ({ ...o, notificationChannel: channelOfKey(o.dedup_key) }));
    if (mine.length === 0) continue;
    const states = channelStates(mine);
    if (JSON.stringify(states) === JSON.stringify(r.channels)) continue;
    if (r.status === 'failed') {
      await ctx.db.updateTable('operations.quote_notification').set({ channels: JSON.stringify(states), updated_at: new Date() }).where('id', '=', r.id).execute();
      continue;
    }
    const status = notificationStatus(states);
    const deliveredAt = status === 'delivered' ? Object.values(states).map((s) => s.deliveredAt ?? '').sort().at(-1) || new Date().toISOString() : null;
    const error = Object.entries(states).filter(([, s]) => s.status === 'failed').map(([c, s]) => `${c}: ${s.error}`).join('; ') || null;
    const updated = await ctx.db.updateTable('operations.quote_notification')
      .set({ channels: JSON.stringify(states), status, delivered_at: deliveredAt, last_error: error?.slice(0, 2000) ?? null, updated_at: new Date() })
      .where('id', '=', r.id).where('status', '=', 'queued').executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0 || status === 'queued') continue;
    changed++;
    opsMetrics(ctx).notifications.inc({ kind: r.kind, status });
    if (status === 'failed') {
      await raiseAlert(ctx, {
        kind: 'notification_undelivered', severity: 'high', dedupKey: `ops:notification:${r.id}:${r.dedup_key.split(':resend:')[1] ?? 0}`,
        title: `Quote notification not delivered (${r.kind}, ${r.event_date})`,
        details: { notificationId: r.id, quoteId: r.quote_id, organizationId: r.organization_id, kind: r.kind, eventDate: r.event_date, error },
      });
    }
    await publishUpdate(ctx, r.organization_id, { quoteId: r.quote_id, kind: r.kind, status, eventDate: r.event_date });
  }
  return changed;
}
