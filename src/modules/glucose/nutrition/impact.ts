import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import type { GlucoseServices } from '../services.js';

const MIN = 60_000;
export const IMPACT_DELAY_MS = 130 * MIN;
export const MEALS_IMPACT_QUEUE = 'glucose.meals.impact';

export interface Point { atMs: number; value: number }

export type MealImpact =
  | { status: 'computed'; baseline: number; peak: number; peakAt: string; timeToPeakMin: number; rise: number; delta2h: number | null; readings: number }
  | { status: 'insufficient_data'; reason: 'no_baseline' | 'too_few_post_readings'; readings: number };

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * §4.6 glucose impact of a meal at t: baseline = mean of readings in [t − 30 min, t] (else the last one in
 * [t − 2 h, t]); at least 3 readings in (t, t + 2 h]; peak, time to peak, rise = peak − baseline, and delta2h =
 * the reading closest to t + 2 h within ±15 min − baseline.
 */
export function mealImpact(readings: Point[], tMs: number): MealImpact {
  const sorted = [...readings].sort((a, b) => a.atMs - b.atMs);
  const recent = sorted.filter((r) => r.atMs >= tMs - 30 * MIN && r.atMs <= tMs);
  const earlier = sorted.filter((r) => r.atMs >= tMs - 120 * MIN && r.atMs <= tMs);
  const post = sorted.filter((r) => r.atMs > tMs && r.atMs <= tMs + 120 * MIN);
  const baseline = recent.length ? recent.reduce((s, r) => s + r.value, 0) / recent.length : earlier.at(-1)?.value;
  if (baseline === undefined) return { status: 'insufficient_data', reason: 'no_baseline', readings: post.length };
  if (post.length < 3) return { status: 'insufficient_data', reason: 'too_few_post_readings', readings: post.length };
  const peak = post.reduce((best, r) => (r.value > best.value ? r : best), post[0]);
  const target = tMs + 120 * MIN;
  const closest = sorted.filter((r) => Math.abs(r.atMs - target) <= 15 * MIN)
    .sort((a, b) => Math.abs(a.atMs - target) - Math.abs(b.atMs - target) || a.atMs - b.atMs)[0];
  return {
    status: 'computed', baseline: round1(baseline), peak: peak.value, peakAt: new Date(peak.atMs).toISOString(),
    timeToPeakMin: Math.round((peak.atMs - tMs) / MIN), rise: round1(peak.value - baseline),
    delta2h: closest ? round1(closest.value - baseline) : null, readings: post.length,
  };
}

/** Readings (not deleted, not suspect) of a patient in a window, oldest first. */
export async function readingsBetween(db: DbOrTx, patientId: string, fromMs: number, toMs: number): Promise<Point[]> {
  const { rows } = await sql<{ at: Date; value: number }>`select measured_at as at, value_mgdl::float8 as value from glucose.readings
    where patient_id = ${patientId} and measured_at >= ${new Date(fromMs).toISOString()}::timestamptz and measured_at <= ${new Date(toMs).toISOString()}::timestamptz
      and deleted_at is null and not ('suspect' = any(flags)) order by measured_at`.execute(db);
  return rows.map((r) => ({ atMs: new Date(r.at).getTime(), value: r.value }));
}

/** Computes and stores one meal's impact (readings from t − 2 h to t + 2 h 15 min). */
export async function computeMealImpact(db: DbOrTx, mealId: string, nowMs = Date.now()): Promise<MealImpact | undefined> {
  const meal = await db.selectFrom('glucose.meals').select(['id', 'patient_id', 'taken_at']).where('id', '=', mealId).where('deleted_at', 'is', null).executeTakeFirst();
  if (!meal) return undefined;
  const t = new Date(meal.taken_at).getTime();
  const impact = mealImpact(await readingsBetween(db, meal.patient_id, t - 120 * MIN, t + 135 * MIN), t);
  await db.updateTable('glucose.meals').set({ impact: JSON.stringify(impact), impact_computed_at: new Date(nowMs) }).where('id', '=', mealId).execute();
  return impact;
}

/** Queues the impact job of a meal at takenAt + 2 h 10 min (inside the caller's transaction). */
export async function scheduleImpact(svc: GlucoseServices, db: DbOrTx, mealId: string, takenAtMs: number) {
  const at = Math.max(Date.now(), takenAtMs + IMPACT_DELAY_MS);
  await svc.ctx.jobs.send(MEALS_IMPACT_QUEUE, { mealId }, { db, startAfter: new Date(at), singletonKey: `impact:${mealId}:${takenAtMs}` });
}

/**
 * Every 15 minutes: meals of the last 3 days whose window is over and whose readings changed since the impact was
 * computed (new or late readings, deletions) are recomputed.
 */
export async function recomputeChanged(db: DbOrTx, nowMs = Date.now()) {
  const { rows } = await sql<{ id: string }>`
    select m.id from glucose.meals m
    where m.deleted_at is null and m.taken_at >= ${new Date(nowMs - 3 * 86_400_000).toISOString()}::timestamptz
      and m.taken_at <= ${new Date(nowMs - IMPACT_DELAY_MS).toISOString()}::timestamptz
      and (m.impact_computed_at is null or exists (
        select 1 from glucose.readings r where r.patient_id = m.patient_id
          and r.measured_at between m.taken_at - interval '2 hours' and m.taken_at + interval '135 minutes'
          and (r.received_at > m.impact_computed_at or r.deleted_at > m.impact_computed_at)))
    limit 500`.execute(db);
  for (const r of rows) await computeMealImpact(db, r.id, nowMs);
  return rows.length ? { recomputed: rows.length } : {};
}
