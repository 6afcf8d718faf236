import { sql } from 'kysely';
import type { Db } from '../../../platform/db/pool.js';
import { bands } from '../analytics/metrics.js';
import { currentReading } from '../readings/current.js';
import { healthScore } from './health-score.js';
import { medicationBlock } from '../medications/dashboard.js';

export const SUMMARY_BLOCKS = ['nutrition', 'activity', 'medication', 'prediction'] as const;
export type SummaryBlock = typeof SUMMARY_BLOCKS[number];

const DAY_MS = 86_400_000;

async function topAlerts(db: Db, patientId: string) {
  const { rows } = await sql<{ id: string; type: string; severity: string; status: string; triggered_at: Date; value: number | null }>`
    select id, type, severity, status, triggered_at, coalesce(last_value, trigger_value)::float8 as value
    from glucose.alerts where patient_id = ${patientId} and status <> 'resolved'
    order by case severity when 'critical' then 0 else 1 end, triggered_at desc limit 3`.execute(db);
  return rows.map((r) => ({ id: r.id, type: r.type, severity: r.severity, status: r.status, triggeredAt: new Date(r.triggered_at).toISOString(), value: r.value }));
}

async function readings24h(db: Db, patientId: string, nowMs: number): Promise<number[]> {
  const { rows } = await sql<{ v: number }>`
    select value_mgdl::float8 as v from glucose.readings
    where patient_id = ${patientId} and measured_at >= ${new Date(nowMs - DAY_MS).toISOString()}::timestamptz and measured_at < ${new Date(nowMs).toISOString()}::timestamptz
      and deleted_at is null and not (flags && array['suspect', 'warmup'])`.execute(db);
  return rows.map((r) => r.v);
}

async function nutrition(db: Db, patientId: string, nowMs: number) {
  const { rows } = await sql<{ kcal: number | null; carbs: number | null; meals: number; kcal_goal: number; carbs_goal: number | null; last_id: string | null; last_name: string | null; last_at: Date | null; last_type: string | null; last_impact: unknown }>`
    select (select sum(calories_kcal)::float8 from glucose.meals m where m.patient_id = p.id and m.deleted_at is null and m.taken_at > ${new Date(nowMs - DAY_MS).toISOString()}::timestamptz and m.taken_at <= ${new Date(nowMs).toISOString()}::timestamptz) as kcal,
           (select sum(carbs_g)::float8 from glucose.meals m where m.patient_id = p.id and m.deleted_at is null and m.taken_at > ${new Date(nowMs - DAY_MS).toISOString()}::timestamptz and m.taken_at <= ${new Date(nowMs).toISOString()}::timestamptz) as carbs,
           (select count(*)::int from glucose.meals m where m.patient_id = p.id and m.deleted_at is null and m.taken_at > ${new Date(nowMs - DAY_MS).toISOString()}::timestamptz and m.taken_at <= ${new Date(nowMs).toISOString()}::timestamptz) as meals,
           coalesce(g.calories_kcal, 1800) as kcal_goal, g.carbs_g as carbs_goal,
           l.id as last_id, l.name as last_name, l.taken_at as last_at, l.meal_type as last_type, l.impact as last_impact
    from (select ${patientId}::uuid as id) p
    left join glucose.goals g on g.patient_id = p.id
    left join lateral (select id, name, taken_at, meal_type, impact from glucose.meals m where m.patient_id = p.id and m.deleted_at is null and m.taken_at <= ${new Date(nowMs).toISOString()}::timestamptz order by taken_at desc limit 1) l on true`.execute(db);
  const r = rows[0];
  return {
    mealsLogged: r.meals,
    block: {
      caloriesKcal: { consumed: r.kcal ?? 0, goal: r.kcal_goal },
      carbsG: { consumed: r.carbs ?? 0, goal: r.carbs_goal },
      lastMeal: r.last_id ? { id: r.last_id, name: r.last_name ?? r.last_type ?? 'meal', takenAt: new Date(r.last_at!).toISOString(), impact: r.last_impact ?? null } : null,
    },
  };
}

/** Steps and active minutes of the patient's local day; the zone and the day's bounds are resolved in the same query. */
async function activity(db: Db, patientId: string, nowMs: number) {
  const now = new Date(nowMs).toISOString();
  const { rows } = await sql<{ steps: number | null; active_min: number | null; steps_goal: number; minutes_goal: number }>`
    with p as (
      select ${patientId}::uuid as id,
             coalesce((select timezone from glucose.patient_settings where patient_id = ${patientId}), (select time_zone from platform.users where id = ${patientId}), 'UTC') as zone
    ), d as (
      select p.id, (${now}::timestamptz at time zone p.zone)::date as local_date,
             ((${now}::timestamptz at time zone p.zone)::date::timestamp at time zone p.zone) as day_start
      from p
    )
    select (select max(steps) from glucose.daily_steps s where s.patient_id = d.id and s.local_date = d.local_date) as steps,
           (select sum(extract(epoch from (least(ended_at, ${now}::timestamptz) - greatest(started_at, d.day_start))) / 60)::float8
              from glucose.activity_sessions a where a.patient_id = d.id and a.deleted_at is null
              and a.started_at < ${now}::timestamptz and a.ended_at > d.day_start) as active_min,
           coalesce(g.steps, 8000) as steps_goal, coalesce(g.active_minutes, 30) as minutes_goal
    from d left join glucose.goals g on g.patient_id = d.id`.execute(db);
  const r = rows[0];
  return {
    stepsToday: r.steps,
    block: { steps: { value: r.steps ?? 0, goal: r.steps_goal }, activeMinutes: { value: Math.max(0, Math.round(r.active_min ?? 0)), goal: r.minutes_goal } },
  };
}

/**
 * GET …/dashboard/summary (§4.4): the blocks' queries run in parallel, in one stage (no query waits for another).
 * The medication block (next dose, adherence, low stock) comes from medications/dashboard.ts and its 7-day adherence feeds the health score (100 when no dose
 * was due). Prediction belongs to a capability not in this installation yet: that block is null.
 */
export async function dashboardSummary(db: Db, patientId: string, include: readonly SummaryBlock[], nowMs = Date.now()) {
  const [glucose, alerts, values, food, move, meds] = await Promise.all([
    currentReading(db, patientId, nowMs), topAlerts(db, patientId), readings24h(db, patientId, nowMs),
    nutrition(db, patientId, nowMs), activity(db, patientId, nowMs), medicationBlock(db, patientId, nowMs),
  ]);
  const b = bands(values);
  const score = healthScore({
    inRangePct: b?.inRangePct ?? null, adherencePct: meds.adherence7dPct,
    kcal24h: food.mealsLogged > 0 ? food.block.caloriesKcal.consumed : null, kcalGoal: food.block.caloriesKcal.goal,
    stepsToday: move.stepsToday, stepsGoal: move.block.steps.goal,
  });
  return {
    patientId,
    glucose,
    alerts,
    medication: include.includes('medication') ? meds.block : null,
    nutrition: include.includes('nutrition') ? food.block : null,
    activity: include.includes('activity') ? move.block : null,
    prediction: null,
    healthScore: { score: score.score, components: score.components, computedAt: new Date(nowMs).toISOString() },
  };
}
