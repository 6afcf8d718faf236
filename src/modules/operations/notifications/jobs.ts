import { sql } from 'kysely';
import type { ModuleContext } from '../../../platform/types.js';
import { JobSkipped } from '../../../platform/jobs/types.js';
import { raiseAlert } from '../housekeeping/alerts.js';
import { scanNotifications, syncDeliveries } from './scan.js';

export const NOTIFY_QUEUE = 'operations.quotes.notify';
export const RECONCILE_QUEUE = 'operations.notifications.reconcile';
export const CHANGED_QUEUE = 'operations.quotes.notify-changed';

/** Scans the quotes the database trigger flagged (dates or status changed); answers {} when there were none. */
export async function scanChangedQuotes(ctx: ModuleContext, now = new Date()) {
  const { rows } = await sql<{ quote_id: string }>`delete from operations.notification_scan_request
    where quote_id in (select quote_id from operations.notification_scan_request order by requested_at limit 500 for update skip locked)
    returning quote_id`.execute(ctx.db);
  if (rows.length === 0) return {};
  let queued = 0;
  for (const { quote_id } of rows) queued += (await scanNotifications(ctx, { quoteId: quote_id, now })).queued;
  return { quotes: rows.length, queued };
}

/**
 * Failed notifications are re-queued once through the outbox (their failed rows go back to `pending`; the
 * outbox sweeper delivers them); rows interrupted mid-call are left alone, as the provider may have them.
 * Notifications still queued 2 h after detection raise `notification_undelivered`.
 */
export async function reconcileNotifications(ctx: ModuleContext, now = new Date()) {
  const synced = await syncDeliveries(ctx);
  const requeued = await ctx.db.transaction().execute(async (tx) => {
    const failed = await tx.updateTable('operations.quote_notification')
      .set({ status: 'queued', requeued_at: now, delivered_at: null, updated_at: now })
      .where('status', '=', 'failed').where('requeued_at', 'is', null)
      .returning(['id', 'dedup_key']).execute();
    if (failed.length === 0) return 0;
    const keys = failed.flatMap((f) => [`${f.dedup_key}:webhook`, `${f.dedup_key}:email`]);
    await tx.updateTable('platform.notification_outbox')
      .set({ status: 'pending', deliver_after: now, dispatched_at: null, error_code: null, error_message: null, attempts: 0, updated_at: now })
      .where('dedup_key', 'in', keys).where('status', 'in', ['failed', 'not_configured'])
      .where((eb) => eb.or([eb('error_code', 'is', null), eb('error_code', '<>', 'interrupted')])).execute();
    return failed.length;
  });
  const stale = await ctx.db.selectFrom('operations.quote_notification').select(['id', 'quote_id', 'organization_id', 'kind'])
    .select(sql<string>`to_char(event_date, 'YYYY-MM-DD')`.as('event_date'))
    .where('status', '=', 'queued').where('detected_at', '<', new Date(now.getTime() - 2 * 3600_000)).limit(500).execute();
  for (const n of stale) {
    await raiseAlert(ctx, {
      kind: 'notification_undelivered', severity: 'high', dedupKey: `ops:notification-stale:${n.id}`,
      title: `Quote notification still not delivered after 2 h (${n.kind}, ${n.event_date})`,
      details: { notificationId: n.id, quoteId: n.quote_id, organizationId: n.organization_id, kind: n.kind, eventDate: n.event_date },
    });
  }
  return { synced, requeued, stale: stale.length };
}

/** §6.3: the daily scan (08:00 Paris, catch-up run_once) and the hourly reconcile. */
export function defineNotificationJobs(ctx: ModuleContext) {
  ctx.jobs.define<{ organizationId?: string; quoteId?: string }>({
    queue: NOTIFY_QUEUE, kind: 'quote_notify', policy: 'singleton', retryLimit: 5, expireInSeconds: 900, heartbeatSeconds: 60, critical: true,
    handler: async (job) => {
      const result = await scanNotifications(ctx, { organizationId: job.data.organizationId, quoteId: job.data.quoteId });
      if (result.organizations === 0 && job.trigger === 'event') throw new JobSkipped('no organisation with an enabled channel');
      return result;
    },
    schedules: [{
      cron: '0 8 * * *', timezone: 'Europe/Paris', catchUp: 'run_once', graceMinutes: 30,
      description: 'Quote notifications: payment period starts / deadline reached, with catch-up of missed days (was check_devis_notifications)',
    }],
  });
  ctx.jobs.define({
    queue: CHANGED_QUEUE, kind: 'quote_notify', policy: 'singleton', retryLimit: 2, expireInSeconds: 300, critical: true,
    handler: async () => scanChangedQuotes(ctx),
    schedules: [{ cron: '* * * * *', timezone: 'Europe/Paris', catchUp: 'none', description: 'Quote notifications: single-quote scan of quotes created or re-dated since the last minute' }],
  });
  ctx.jobs.define({
    queue: RECONCILE_QUEUE, kind: 'notification_reconcile', retryLimit: 3, expireInSeconds: 900,
    handler: async () => reconcileNotifications(ctx),
    schedules: [{ cron: '15 * * * *', timezone: 'Europe/Paris', catchUp: 'none', description: 'Quote notifications: delivery status, one re-queue of failures, alerts' }],
  });
}
