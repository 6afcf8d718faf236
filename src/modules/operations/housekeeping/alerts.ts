import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import type { ModuleContext } from '../../../platform/types.js';
import type { Recipient } from '../../../platform/notify/types.js';
import type { OpsAlertKind, Severity } from '../notifications/tables.js';
import { opsMetrics } from './metrics.js';

export const ALERTS_TOPIC = 'operations.alerts';

export interface AlertInput {
  kind: OpsAlertKind;
  severity: Severity;
  /** Unique: the same alert raised twice (two processes, a retried job) is recorded and sent once. */
  dedupKey: string;
  title: string;
  details?: Record<string, unknown>;
}

/** Where ops alerts go (spec §3.4 ops_setting): the ops Discord webhook, the ops recipients, in-app to the roles. */
export async function opsRecipients(ctx: ModuleContext, db: DbOrTx = ctx.db): Promise<Recipient[]> {
  const s = await db.selectFrom('operations.ops_setting').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!s) return [{ role: 'admin' }];
  const box = ctx.secretBox('operations.ops-webhook');
  return [
    ...s.in_app_roles.map((role) => ({ role: role as 'admin' | 'manager' })),
    ...(s.discord_webhook_secret ? [{ channel: 'discord' as const, address: box.open(s.discord_webhook_secret) }] : []),
    ...s.email_recipients.map((address) => ({ channel: 'email' as const, address })),
  ];
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Records an ops alert and sends it through the outbox in the same transaction. Answers the alert id and
 * whether this call created it; a second call with the same dedup key changes and sends nothing.
 */
export async function raiseAlert(ctx: ModuleContext, input: AlertInput, db?: DbOrTx): Promise<{ id: string; created: boolean }> {
  const work = async (tx: DbOrTx) => {
    const inserted = await tx.insertInto('operations.ops_alert').values({
      kind: input.kind, severity: input.severity, dedup_key: input.dedupKey, title: cut(input.title, 300),
      details: JSON.stringify(input.details ?? {}),
    }).onConflict((oc) => oc.column('dedup_key').doNothing()).returning('id').executeTakeFirst();
    if (!inserted) {
      const existing = await tx.selectFrom('operations.ops_alert').select('id').where('dedup_key', '=', input.dedupKey).executeTakeFirstOrThrow();
      return { id: existing.id, created: false };
    }
    await ctx.notify.send({
      to: await opsRecipients(ctx, tx), template: 'operations.ops_alert', dedupKey: input.dedupKey, critical: input.severity === 'critical',
      data: {
        alertId: inserted.id, kind: input.kind, severity: input.severity, title: input.title,
        error: cut(String(input.details?.error ?? ''), 1000), details: input.details ?? {},
        link: `${ctx.config.publicUrl}/operations/alerts`,
      },
    }, { db: tx });
    await refreshAlertDelivery(tx, [inserted.id]);
    return { id: inserted.id, created: true };
  };
  const result = db ? await work(db) : await ctx.db.transaction().execute(work);
  if (result.created) {
    opsMetrics(ctx).alerts.inc({ kind: input.kind, severity: input.severity });
    await ctx.realtime.publish(ALERTS_TOPIC, 'alert.raised', { alertId: result.id, kind: input.kind, severity: input.severity, title: input.title })
      .catch((err) => ctx.log.warn({ err }, 'operations: alert.raised not published'));
  }
  return result;
}

/** Platform events (dead letters, missed schedules) become ops alerts, sent to the channels of the ops settings. */
export function routeOpsEvents(ctx: ModuleContext) {
  ctx.events.on('job.failed', (e) => {
    raiseAlert(ctx, {
      kind: 'job_dead_lettered', severity: e.critical ? 'critical' : 'high', dedupKey: `ops:dlq:${e.jobId}`,
      title: `Job ${e.queue} exhausted its retries`, details: { queue: e.queue, jobId: e.jobId, error: e.error },
    }).catch((err) => ctx.log.error({ err, event: e }, 'operations: could not record the dead-letter alert'));
  });
  ctx.events.on('schedule.missed', (e) => {
    raiseAlert(ctx, {
      kind: 'schedule_missed', severity: 'high', dedupKey: e.dedupKey,
      title: `Schedule ${e.scheduleKey} missed ${e.fireTimes.length} run${e.fireTimes.length === 1 ? '' : 's'}`,
      details: { scheduleKey: e.scheduleKey, queue: e.queue, reason: e.reason, fireTimes: e.fireTimes, catchUpJobId: e.catchUpJobId },
    }).catch((err) => ctx.log.error({ err, event: e }, 'operations: could not record the missed-schedule alert'));
  });
}

/** Refreshes `delivery` of alerts from the outbox rows of their dedup key. */
export async function refreshAlertDelivery(db: DbOrTx, alertIds: string[]) {
  if (alertIds.length === 0) return;
  await sql`
    update operations.ops_alert a set delivery = coalesce((
      select jsonb_object_agg(case when o.channel in ('discord', 'webhook') then o.channel else o.channel || ':' || coalesce(o.user_id::text, o.address) end,
        jsonb_build_object('status', o.status, 'outboxId', o.id, 'deliveredAt', coalesce(o.delivered_at, o.sent_at), 'error', o.error_message))
      from platform.notification_outbox o where o.dedup_key = a.dedup_key and o.template = 'operations.ops_alert'), '{}'::jsonb), updated_at = now()
    where a.id = any(${alertIds}::uuid[])`.execute(db);
}

interface AlertMessage { alertId: string; kind: string; severity: string; title: string; error: string; details: Record<string, unknown>; link: string }

const SEVERITY_COLOURS: Record<string, number> = { critical: 0xc62828, high: 0xef6c00, medium: 0xf9a825, low: 0x607d8b };

function renderAlert(d: AlertMessage, fr: boolean) {
  const subject = ['queue', 'scheduleKey', 'backupId', 'configId', 'quoteId'].map((k) => d.details[k]).find((v) => typeof v === 'string') as string | undefined;
  const fields = [
    { name: fr ? 'Type' : 'Kind', value: d.kind }, { name: fr ? 'Gravité' : 'Severity', value: d.severity },
    ...(subject ? [{ name: fr ? 'Objet' : 'Subject', value: subject }] : []),
    ...(Array.isArray(d.details.fireTimes) ? [{ name: fr ? 'Heures manquées' : 'Missed fire times', value: (d.details.fireTimes as string[]).join('\n'), inline: false }] : []),
    ...(d.error ? [{ name: fr ? 'Erreur' : 'Error', value: d.error, inline: false }] : []),
  ];
  return {
    title: `[${d.severity}] ${d.title}`, body: fields.map((f) => `${f.name}: ${f.value}`).join('\n'), link: d.link,
    embed: { color: SEVERITY_COLOURS[d.severity], fields, footer: `operations ops alert ${d.alertId}` },
  };
}

export function defineAlertTemplate(ctx: ModuleContext) {
  ctx.notify.defineCategory({ name: 'operations.ops', description: 'Operations alerts: failed jobs, missed schedules, backups', defaultChannels: ['inapp', 'email'] });
  ctx.notify.defineTemplate<AlertMessage>({
    name: 'operations.ops_alert', category: 'operations.ops',
    en: (d) => renderAlert(d, false), fr: (d) => renderAlert(d, true),
  });
  ctx.realtime.defineTopic({ prefix: ALERTS_TOPIC, description: 'alert.raised, alert.acknowledged (admins)', authorize: (u) => u.roles.includes('admin') });
}
