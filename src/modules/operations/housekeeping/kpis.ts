import { sql } from 'kysely';
import type { ModuleContext } from '../../../platform/types.js';

/** One KPI of spec §1 over the window: `value` is the ratio (or the count for "target 0" KPIs). */
export interface Kpi {
  key: 'unnoticedFailedRuns' | 'notificationDelivery' | 'automaticBackups' | 'dataLossRisk';
  numerator: number;
  denominator: number;
  value: number | null;
  target: number;
  ok: boolean | null;
  /** One point per day, oldest first (`YYYY-MM-DD`, value). */
  series: { date: string; value: number | null }[];
  /** Why the KPI cannot be computed here (e.g. the backups part is not installed). */
  unavailable?: string;
}

export const ratio = (num: number, den: number) => (den === 0 ? null : num / den);

const dateSeries = (now: Date, days: number) => Array.from({ length: days }, (_, i) =>
  new Date(now.getTime() - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));

/**
 * (missed fire times + dead-lettered jobs) of the window without an ops alert that reached at least one
 * channel (`sent`/`delivered` in the outbox). Target 0.
 */
async function unnoticedFailedRuns(ctx: ModuleContext, since: Date, days: string[]): Promise<Kpi> {
  const delivered = (key: unknown) => sql`exists (select 1 from platform.notification_outbox o where o.dedup_key = ${key} and o.status in ('sent', 'delivered'))`;
  const { rows } = await sql<{ day: string; unnoticed: boolean }>`
    select to_char(m.detected_at at time zone 'UTC', 'YYYY-MM-DD') as day, not exists (
      select 1 from operations.ops_alert a where a.kind = 'schedule_missed' and a.details->>'scheduleKey' = m.schedule_key
        and a.details->'fireTimes' ? to_char(m.fire_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') and ${delivered(sql`a.dedup_key`)}) as unnoticed
    from platform.schedule_miss m where m.detected_at >= ${since}
    union all
    select to_char(f.recorded_at at time zone 'UTC', 'YYYY-MM-DD'), not ${delivered(sql`'ops:dlq:' || f.source_job_id::text`)}
    from platform.job_failure f where f.recorded_at >= ${since}`.execute(ctx.db);
  const numerator = rows.filter((r) => r.unnoticed).length;
  return {
    key: 'unnoticedFailedRuns', numerator, denominator: rows.length, value: numerator, target: 0, ok: numerator === 0,
    series: days.map((date) => ({ date, value: rows.filter((r) => r.day === date && r.unnoticed).length })),
  };
}

/**
 * Quote notifications `delivered` ÷ notifications due in the window: every recorded event (not skipped)
 * plus every eligible event of an organisation with an enabled channel that has no row yet (a lost one).
 */
async function notificationDelivery(ctx: ModuleContext, days: string[]): Promise<Kpi> {
  const { rows } = await sql<{ day: string; delivered: boolean }>`
    with orgs as (
      select s.organization_id, s.notify_statuses, s.notifications_enabled_from, (now() at time zone s.timezone)::date as today
      from operations.notification_setting s where s.webhook_enabled or s.email_enabled),
    recorded as (
      select n.event_date, n.status = 'delivered' or exists (select 1 from operations.quote_notification r where r.quote_id = n.quote_id
        and r.kind = n.kind and r.event_date = n.event_date and r.resend_no > 0 and r.status = 'delivered') as delivered
      from operations.quote_notification n join orgs o on o.organization_id = n.organization_id
      where n.resend_no = 0 and n.status <> 'skipped' and n.event_date > o.today - 30 and n.event_date <= o.today),
    missing as (
      select e.event_date, false as delivered
      from operations.quote q join orgs o on o.organization_id = q.organization_id
      cross join lateral (values ('period_started', q.start_date), ('deadline_reached', q.due_date)) as e(kind, event_date)
      where q.status = any(o.notify_statuses) and e.event_date is not null and e.event_date > o.today - 30 and e.event_date <= o.today
        and e.event_date >= o.notifications_enabled_from
        and not exists (select 1 from operations.quote_notification n where n.quote_id = q.id and n.kind = e.kind and n.event_date = e.event_date))
    select to_char(event_date, 'YYYY-MM-DD') as day, delivered from recorded union all select to_char(event_date, 'YYYY-MM-DD'), delivered from missing`.execute(ctx.db);
  const numerator = rows.filter((r) => r.delivered).length;
  const value = ratio(numerator, rows.length);
  return {
    key: 'notificationDelivery', numerator, denominator: rows.length, value, target: 1, ok: value === null ? null : value >= 1,
    series: days.map((date) => {
      const day = rows.filter((r) => r.day === date);
      return { date, value: ratio(day.filter((r) => r.delivered).length, day.length) };
    }),
  };
}

async function tableExists(ctx: ModuleContext, name: string) {
  const { rows: [r] } = await sql<{ t: string | null }>`select to_regclass(${name})::text as t`.execute(ctx.db);
  return Boolean(r?.t);
}

const noBackups = (key: Kpi['key'], target: number): Kpi => ({
  key, numerator: 0, denominator: 0, value: null, target, ok: null, series: [], unavailable: 'backups_not_installed',
});

/** Days with ≥ 1 completed scheduled backup per enabled config ÷ (days × enabled configs). */
async function automaticBackups(ctx: ModuleContext, since: Date, days: string[]): Promise<Kpi> {
  if (!(await tableExists(ctx, 'operations.backup')) || !(await tableExists(ctx, 'operations.backup_config'))) return noBackups('automaticBackups', 1);
  const { rows: configs } = await sql<{ id: string }>`select id from operations.backup_config where enabled`.execute(ctx.db);
  const { rows } = await sql<{ config_id: string; day: string }>`
    select distinct b.config_id, to_char(b.taken_at at time zone c.timezone, 'YYYY-MM-DD') as day
    from operations.backup b join operations.backup_config c on c.id = b.config_id
    where c.enabled and b.trigger in ('schedule', 'catch_up') and b.taken_at >= ${since}
      and (b.status = 'completed' or (b.status = 'deleted' and b.delete_reason = 'retention'))`.execute(ctx.db);
  const denominator = configs.length * days.length;
  const numerator = rows.filter((r) => days.includes(r.day)).length;
  const value = ratio(numerator, denominator);
  return {
    key: 'automaticBackups', numerator, denominator, value, target: 1, ok: value === null ? null : value >= 1,
    series: days.map((date) => ({ date, value: ratio(rows.filter((r) => r.day === date).length, configs.length) })),
  };
}

/** Retained backups whose latest restore verification failed + enabled configs not verified in 8 days. Target 0. */
async function dataLossRisk(ctx: ModuleContext): Promise<Kpi> {
  if (!(await tableExists(ctx, 'operations.backup')) || !(await tableExists(ctx, 'operations.backup_config'))) return noBackups('dataLossRisk', 0);
  const { rows: [r] } = await sql<{ failed: string; stale: string; retained: string; configs: string }>`
    select
      (select count(*) from operations.backup where status = 'completed' and deleted_at is null and restore_verify_status = 'failed') as failed,
      (select count(*) from operations.backup_config c where c.enabled and coalesce((select max(b.last_restore_verify_at) from operations.backup b
         where b.config_id = c.id and b.restore_verify_status = 'passed'), '-infinity') < now() - interval '8 days') as stale,
      (select count(*) from operations.backup where status = 'completed' and deleted_at is null) as retained,
      (select count(*) from operations.backup_config where enabled) as configs`.execute(ctx.db);
  const numerator = Number(r!.failed) + Number(r!.stale);
  return { key: 'dataLossRisk', numerator, denominator: Number(r!.retained) + Number(r!.configs), value: numerator, target: 0, ok: numerator === 0, series: [] };
}

/** GET /health/summary: the four KPIs of §1 over the last 30 days. */
export async function healthSummary(ctx: ModuleContext, now = new Date()) {
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const days = dateSeries(now, 30);
  const kpis = [
    await unnoticedFailedRuns(ctx, since, days),
    await notificationDelivery(ctx, days),
    await automaticBackups(ctx, since, days).catch((err) => { ctx.log.warn({ err }, 'operations: backup KPI failed'); return noBackups('automaticBackups', 1); }),
    await dataLossRisk(ctx).catch((err) => { ctx.log.warn({ err }, 'operations: data-loss KPI failed'); return noBackups('dataLossRisk', 0); }),
  ];
  const { rows: [alerts] } = await sql<{ open: string; critical: string }>`select count(*) as open, count(*) filter (where severity = 'critical') as critical
    from operations.ops_alert where acknowledged_at is null`.execute(ctx.db);
  let backups: { lastBackupAt: string | null; lastRestoreVerifyAt: string | null } | null = null;
  if (await tableExists(ctx, 'operations.backup')) {
    const { rows: [b] } = await sql<{ last_backup: Date | null; last_verify: Date | null }>`select
      (select max(taken_at) from operations.backup where status = 'completed') as last_backup,
      (select max(last_restore_verify_at) from operations.backup where restore_verify_status = 'passed') as last_verify`.execute(ctx.db)
      .catch(() => ({ rows: [{ last_backup: null, last_verify: null }] }));
    backups = { lastBackupAt: b?.last_backup?.toISOString() ?? null, lastRestoreVerifyAt: b?.last_verify?.toISOString() ?? null };
  }
  return {
    windowDays: 30, from: since.toISOString(), to: now.toISOString(), kpis,
    openAlerts: { total: Number(alerts!.open), critical: Number(alerts!.critical) }, backups,
  };
}
