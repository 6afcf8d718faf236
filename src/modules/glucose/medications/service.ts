import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../../../platform/db/transaction.js';
import type { ModuleContext } from '../../../platform/types.js';
import { patientZone } from '../patients/zone.js';
import { occurrences, localDate, doseTiming, addDays } from './schedule.js';
import { dailyUsage, stockOutlook, adherence } from './rules.js';
import type { DoseStatus, PlanKind, Schedule, StockStatus } from './tables.js';
import type { InsulinKind } from '../nutrition/tables.js';

export interface PlanRow {
  id: string; patient_id: string; name: string; kind: PlanKind; dose_amount: string; dose_unit: string; schedule: Schedule;
  start_date: string; end_date: string | null; instructions: string | null; prescribed_by: string | null; active: boolean;
  stock_tracking: boolean; created_by: string | null; created_at: Date; updated_at: Date;
}

const PLAN_COLUMNS = sql`id, patient_id, name, kind, dose_amount, dose_unit, schedule, to_char(start_date, 'YYYY-MM-DD') as start_date,
  to_char(end_date, 'YYYY-MM-DD') as end_date, instructions, prescribed_by, active, stock_tracking, created_by, created_at, updated_at`;

export async function loadPlan(db: DbOrTx, patientId: string, planId: string, forUpdate = false): Promise<PlanRow | undefined> {
  const { rows } = await sql<PlanRow>`select ${PLAN_COLUMNS} from glucose.medication_plans
    where id = ${planId} and patient_id = ${patientId} and deleted_at is null ${forUpdate ? sql`for update` : sql``}`.execute(db);
  return rows[0];
}

export async function listPlans(db: DbOrTx, patientId: string, activeOnly: boolean): Promise<PlanRow[]> {
  const { rows } = await sql<PlanRow>`select ${PLAN_COLUMNS} from glucose.medication_plans
    where patient_id = ${patientId} and deleted_at is null ${activeOnly ? sql`and active` : sql``} order by active desc, name, id`.execute(db);
  return rows;
}

export const INSULIN_KIND_OF_PLAN: Partial<Record<PlanKind, InsulinKind>> = {
  insulin_rapid: 'rapid', insulin_ultra_rapid: 'ultra_rapid', insulin_long: 'long', insulin_intermediate: 'intermediate', insulin_premixed: 'premixed',
};

/** An insulin plan dosed in units: its intakes are also insulin doses (§4.5.2). */
export const insulinKindOf = (plan: Pick<PlanRow, 'kind' | 'dose_unit'>): InsulinKind | undefined =>
  plan.dose_unit === 'units' ? INSULIN_KIND_OF_PLAN[plan.kind] : undefined;

/** Creates the plan's missing future doses up to today + 30 days (idempotent: unique (plan, original time)). */
export async function generateDoses(tx: DbOrTx, plan: PlanRow, zone: string, nowMs: number): Promise<number> {
  if (!plan.active) return 0;
  const instants = occurrences(plan.schedule, { zone, startDate: plan.start_date, endDate: plan.end_date, today: localDate(zone, nowMs), notBeforeMs: nowMs });
  if (instants.length === 0) return 0;
  const iso = instants.map((ms) => new Date(ms).toISOString());
  const res = await sql`insert into glucose.medication_doses (plan_id, patient_id, scheduled_at, original_scheduled_at)
    select ${plan.id}::uuid, ${plan.patient_id}::uuid, t, t from unnest(${iso}::timestamptz[]) as t
    on conflict (plan_id, original_scheduled_at) do nothing`.execute(tx);
  return Number(res.numAffectedRows ?? 0);
}

/** After an edit of schedule, dose or dates: future scheduled doses are replaced; recorded ones stay (§4.5.1). */
export async function regenerateDoses(tx: Tx, plan: PlanRow, nowMs: number): Promise<void> {
  await sql`delete from glucose.medication_doses where plan_id = ${plan.id} and status = 'scheduled' and scheduled_at >= ${new Date(nowMs).toISOString()}::timestamptz`.execute(tx);
  await generateDoses(tx, plan, await patientZone(tx, plan.patient_id), nowMs);
}

/** Deactivating (or deleting) a plan cancels its future scheduled doses. */
export async function cancelFutureDoses(tx: Tx, planId: string, nowMs: number): Promise<void> {
  await sql`update glucose.medication_doses set status = 'cancelled' where plan_id = ${planId} and status = 'scheduled'
    and scheduled_at >= ${new Date(nowMs).toISOString()}::timestamptz`.execute(tx);
}

export interface DoseRow {
  id: string; plan_id: string; patient_id: string; scheduled_at: Date; original_scheduled_at: Date; status: DoseStatus; as_needed: boolean;
  amount: string | null; taken_at: Date | null; out_of_window: boolean; delay_reason: string | null; skip_reason: string | null; notes: string | null;
  reschedule_count: number; recorded_by: string | null; recorded_at: Date | null;
  plan_name?: string; dose_amount?: string; dose_unit?: string; kind?: PlanKind; recorded_by_name?: string | null;
}

export function toDoseDto(d: DoseRow, nowMs: number) {
  const at = new Date(d.scheduled_at).getTime();
  return {
    id: d.id, planId: d.plan_id, planName: d.plan_name ?? null, kind: d.kind ?? null,
    amount: d.amount !== null ? Number(d.amount) : d.dose_amount !== undefined ? Number(d.dose_amount) : null, unit: d.dose_unit ?? null,
    scheduledAt: new Date(d.scheduled_at).toISOString(), originalScheduledAt: new Date(d.original_scheduled_at).toISOString(),
    status: d.status, asNeeded: d.as_needed, takenAt: d.taken_at ? new Date(d.taken_at).toISOString() : null, outOfWindow: d.out_of_window,
    delayReason: d.delay_reason, skipReason: d.skip_reason, notes: d.notes, rescheduleCount: d.reschedule_count,
    recordedBy: d.recorded_by, recordedByName: d.recorded_by_name ?? null, recordedAt: d.recorded_at ? new Date(d.recorded_at).toISOString() : null,
    ...doseTiming(d.status, at, nowMs),
  };
}

export async function listDoses(db: DbOrTx, patientId: string, fromMs: number, toMs: number, status: DoseStatus | undefined, limit: number): Promise<DoseRow[]> {
  const { rows } = await sql<DoseRow>`
    select d.*, p.name as plan_name, p.dose_amount, p.dose_unit, p.kind, u.display_name as recorded_by_name
    from glucose.medication_doses d join glucose.medication_plans p on p.id = d.plan_id
    left join platform.users u on u.id = d.recorded_by
    where d.patient_id = ${patientId} and d.scheduled_at >= ${new Date(fromMs).toISOString()}::timestamptz
      and d.scheduled_at <= ${new Date(toMs).toISOString()}::timestamptz ${status ? sql`and d.status = ${status}` : sql``}
    order by d.scheduled_at, d.id limit ${limit}`.execute(db);
  return rows;
}

export async function loadDose(db: DbOrTx, patientId: string, doseId: string, forUpdate = false): Promise<DoseRow | undefined> {
  const { rows } = await sql<DoseRow>`
    select d.*, p.name as plan_name, p.dose_amount, p.dose_unit, p.kind from glucose.medication_doses d
    join glucose.medication_plans p on p.id = d.plan_id
    where d.id = ${doseId} and d.patient_id = ${patientId} ${forUpdate ? sql`for update of d` : sql``}`.execute(db);
  return rows[0];
}

/** Adherence over 24 h and 7 days, overall and per plan (§4.5.3). */
export async function adherenceOf(db: DbOrTx, patientId: string, nowMs: number) {
  const { rows } = await sql<{ plan_id: string; name: string; scheduled_at: Date; status: DoseStatus }>`
    select d.plan_id, p.name, d.scheduled_at, d.status from glucose.medication_doses d join glucose.medication_plans p on p.id = d.plan_id
    where d.patient_id = ${patientId} and not d.as_needed and p.deleted_at is null
      and d.scheduled_at >= ${new Date(nowMs - 7 * 86_400_000).toISOString()}::timestamptz and d.scheduled_at <= ${new Date(nowMs).toISOString()}::timestamptz`.execute(db);
  const doses = rows.map((r) => ({ planId: r.plan_id, name: r.name, scheduledAtMs: new Date(r.scheduled_at).getTime(), status: r.status }));
  const day = adherence(doses, nowMs, 86_400_000);
  const week = adherence(doses, nowMs, 7 * 86_400_000);
  const plans = await listPlans(db, patientId, false);
  const perPlan = plans.filter((p) => p.schedule.type !== 'as_needed').map((p) => {
    const mine = doses.filter((d) => d.planId === p.id);
    const d1 = adherence(mine, nowMs, 86_400_000);
    const d7 = adherence(mine, nowMs, 7 * 86_400_000);
    return { planId: p.id, name: p.name, active: p.active, adherence24hPct: d1.pct, adherence7dPct: d7.pct, due24h: d1.due, taken24h: d1.taken, due7d: d7.due, taken7d: d7.taken };
  });
  return { adherence24hPct: day.pct, adherence7dPct: week.pct, due24h: day.due, taken24h: day.taken, due7d: week.due, taken7d: week.taken, perPlan };
}

export interface StockRow {
  id: string; plan_id: string; patient_id: string; units_remaining: string; warning_days: number; critical_days: number; status: StockStatus;
  status_changed_at: Date; updated_at: Date;
}

/** The stock of a plan with its usage, days of supply and status computed now (§4.5.4). */
export async function stockView(db: DbOrTx, stock: StockRow, plan: PlanRow, zone: string, nowMs: number) {
  const now = new Date(nowMs).toISOString();
  const ahead = await sql<{ n: number }>`select count(*)::int as n from glucose.medication_doses where plan_id = ${plan.id} and status = 'scheduled'
    and scheduled_at > ${now}::timestamptz and scheduled_at <= ${now}::timestamptz + interval '7 days'`.execute(db);
  const taken = await sql<{ total: string | null }>`select sum(coalesce(d.amount, ${plan.dose_amount}::numeric)) as total from glucose.medication_doses d
    where d.plan_id = ${plan.id} and d.status = 'taken' and d.taken_at > ${now}::timestamptz - interval '14 days'`.execute(db);
  const kind = insulinKindOf(plan);
  let insulinDailyTotals: number[] | undefined;
  if (kind) {
    const { rows } = await sql<{ total: string }>`select sum(units) as total from glucose.insulin_doses
      where patient_id = ${plan.patient_id} and insulin_kind = ${kind} and deleted_at is null and not ('possible_duplicate' = any(flags))
        and administered_at > ${now}::timestamptz - interval '7 days' and administered_at <= ${now}::timestamptz
      group by (administered_at at time zone ${zone})::date`.execute(db);
    insulinDailyTotals = rows.map((r) => Number(r.total));
  }
  const usage = dailyUsage({
    schedule: plan.schedule, doseAmount: Number(plan.dose_amount), dosesNext7Days: ahead.rows[0].n,
    takenLast14Days: Number(taken.rows[0].total ?? 0), insulinDailyTotals,
  });
  const outlook = stockOutlook(Number(stock.units_remaining), usage, stock.warning_days, stock.critical_days, localDate(zone, nowMs));
  return {
    id: stock.id, planId: plan.id, planName: plan.name, unit: plan.dose_unit, unitsRemaining: Number(stock.units_remaining),
    warningDays: stock.warning_days, criticalDays: stock.critical_days, ...outlook, statusChangedAt: new Date(stock.status_changed_at).toISOString(),
  };
}

/** Users who receive a patient's critical notices: caregivers/clinicians whose subscription level is all or critical. */
async function criticalSubscribers(db: DbOrTx, patientId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    select l.member_id as id from glucose.care_links l
    left join glucose.alert_subscriptions s on s.user_id = l.member_id and s.patient_id = l.patient_id
    where l.patient_id = ${patientId} and l.ended_at is null
      and coalesce(s.level, case l.relation when 'caregiver' then 'critical' else 'none' end) in ('all', 'critical')`.execute(db);
  return [...new Set(rows.map((r) => r.id))];
}

/**
 * Recomputes a stock's status and stores it; a transition into warning notifies the patient (in-app, push), into
 * critical the patient and their all/critical subscribers (in-app, push, email). `reminder` (09:00 local) re-sends
 * the critical notice once a day; the dedup key `glucose.stock:<id>:<status>:<localDate>` keeps both to one a day.
 */
export async function refreshStock(ctx: ModuleContext, tx: DbOrTx, stockId: string, nowMs: number, options: { reminder?: boolean } = {}) {
  const stock = (await sql<StockRow>`select * from glucose.medication_stock where id = ${stockId} for update`.execute(tx)).rows[0];
  if (!stock) return undefined;
  const plan = await loadPlan(tx, stock.patient_id, stock.plan_id);
  if (!plan) return undefined;
  const zone = await patientZone(tx, stock.patient_id);
  const view = await stockView(tx, stock, plan, zone, nowMs);
  const changed = view.status !== stock.status;
  if (changed) {
    await tx.updateTable('glucose.medication_stock').set({ status: view.status, status_changed_at: new Date(nowMs), updated_at: new Date(nowMs) }).where('id', '=', stock.id).execute();
  }
  const announce = (changed && (view.status === 'warning' || view.status === 'critical')) || (options.reminder && view.status === 'critical' && plan.active);
  if (announce) {
    const day = localDate(zone, nowMs);
    const data = { planName: plan.name, status: view.status, daysOfSupply: view.daysOfSupply, unitsRemaining: view.unitsRemaining, unit: plan.dose_unit };
    const dedupKey = `glucose.stock:${stock.id}:${view.status}:${day}`;
    if (view.status === 'warning') {
      await ctx.notify.send({ to: { userId: stock.patient_id }, template: 'glucose.stock_low', channels: ['inapp', 'push'], data, dedupKey }, { db: tx });
    } else {
      const subscribers = await criticalSubscribers(tx, stock.patient_id);
      await ctx.notify.send({
        to: [stock.patient_id, ...subscribers].map((userId) => ({ userId })), template: 'glucose.stock_low', channels: ['inapp', 'push', 'email'], data, dedupKey,
      }, { db: tx });
    }
  }
  return { ...view, statusChangedAt: changed ? new Date(nowMs).toISOString() : view.statusChangedAt };
}

/** Moves a stock by `delta`; a would-be negative stock is set to 0 with a `correction` movement for the rest. */
export async function moveStock(tx: Tx, stockId: string, delta: number, reason: 'refill' | 'intake' | 'intake_reverted' | 'correction' | 'loss', doseId: string | null, actor: string | null) {
  const { rows } = await sql<{ units_remaining: string }>`select units_remaining from glucose.medication_stock where id = ${stockId} for update`.execute(tx);
  const current = Number(rows[0].units_remaining);
  const next = Math.round((current + delta) * 100) / 100;
  await tx.insertInto('glucose.stock_movements').values({ stock_id: stockId, delta, reason, dose_id: doseId, actor }).execute();
  if (next < 0) await tx.insertInto('glucose.stock_movements').values({ stock_id: stockId, delta: -next, reason: 'correction', dose_id: doseId, actor }).execute();
  await tx.updateTable('glucose.medication_stock').set({ units_remaining: Math.max(0, next), updated_at: new Date() }).where('id', '=', stockId).execute();
}

export const todayOf = (zone: string, nowMs: number) => localDate(zone, nowMs);
export { addDays };
