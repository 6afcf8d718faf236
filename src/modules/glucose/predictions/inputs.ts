import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { defaultPeak, scheduleValueAt, type ForecastInputs, type ModelName } from './forecast.js';
import type { Sigmas } from './probabilities.js';

/** Evaluations needed (same model and horizon, last 28 days) before the patient's own RMSE replaces the default σ. */
const MIN_EVALUATED_FOR_SIGMA = 50;

interface InputsRow {
  recent: { t: string; v: number }[] | null;
  local_hhmm: string;
  isf_schedule: unknown; carb_ratio_schedule: unknown;
  dia_hours: number | null; bolus_insulin_kind: string | null; insulin_peak_minutes: number | null; carb_delay_minutes: number | null;
  doses: { t: string; u: number }[] | null;
  meals: { t: string; g: number; a: number }[] | null;
  low: number | null; high: number | null;
  sigmas: { model: ModelName; horizon: number; rmse: number }[] | null;
}

/**
 * The inputs of §4.10 for one base reading in one round trip: the last 20 minutes of non-suspect CGM readings,
 * therapy settings at the base time's local clock, rapid insulin within the duration of action, meals of the
 * last 8 hours, thresholds, and the patient's learnt forecast SDs.
 */
export async function loadForecastInputs(db: DbOrTx, patientId: string, base: ForecastInputs['base']): Promise<ForecastInputs> {
  const at = new Date(base.atMs).toISOString();
  const { rows: [row] } = await sql<InputsRow>`
    with p as (
      select ps.*, coalesce(ps.timezone, u.time_zone, 'UTC') as zone
      from platform.users u left join glucose.patient_settings ps on ps.patient_id = u.id where u.id = ${patientId}
    )
    select
      (select json_agg(json_build_object('t', r.measured_at, 'v', r.value_mgdl::float8) order by r.measured_at)
         from glucose.readings r
        where r.patient_id = ${patientId} and r.source = 'cgm' and r.deleted_at is null and not ('suspect' = any(r.flags))
          and r.measured_at between ${at}::timestamptz - interval '20 minutes' and ${at}::timestamptz) as recent,
      to_char(${at}::timestamptz at time zone (select zone from p), 'HH24:MI') as local_hhmm,
      p.isf_schedule, p.carb_ratio_schedule, p.dia_hours::float8 as dia_hours, p.bolus_insulin_kind, p.insulin_peak_minutes, p.carb_delay_minutes,
      (select json_agg(json_build_object('t', d.administered_at, 'u', d.units::float8))
         from glucose.insulin_doses d
        where d.patient_id = ${patientId} and d.deleted_at is null and d.insulin_kind in ('rapid', 'ultra_rapid')
          and d.administered_at > ${at}::timestamptz - make_interval(mins => (coalesce(p.dia_hours, 5) * 60)::int)
          and d.administered_at <= ${at}::timestamptz) as doses,
      (select json_agg(json_build_object('t', m.taken_at, 'g', m.carbs_g::float8, 'a', m.absorption_minutes))
         from glucose.meals m
        where m.patient_id = ${patientId} and m.deleted_at is null and m.carbs_g > 0
          and m.taken_at > ${at}::timestamptz - interval '8 hours' and m.taken_at <= ${at}::timestamptz) as meals,
      a.low, a.high,
      (select json_agg(json_build_object('model', s.model, 'horizon', s.horizon, 'rmse', sqrt(s.sq / s.n)))
         from (select model, horizon, sum(sum_sq_err) as sq, sum(n) as n from glucose.prediction_accuracy_daily
                where patient_id = ${patientId} and local_date >= (${at}::timestamptz at time zone (select zone from p))::date - 28
                group by model, horizon having sum(n) >= ${MIN_EVALUATED_FOR_SIGMA}) s) as sigmas
    from (select 1) one
    left join p on true
    left join glucose.alert_settings a on a.patient_id = ${patientId}`.execute(db);

  const sigmas: Partial<Record<ModelName, Sigmas>> = {};
  for (const model of ['ar2', 'physio', 'external'] as const) {
    const s30 = row.sigmas?.find((s) => s.model === model && s.horizon === 30);
    const s60 = row.sigmas?.find((s) => s.model === model && s.horizon === 60);
    if (s30 && s60) sigmas[model] = { 30: s30.rmse, 60: s60.rmse };
  }
  return {
    base,
    recent: (row.recent ?? []).map((r) => ({ atMs: Date.parse(r.t), value: r.v })),
    isf: scheduleValueAt(row.isf_schedule, row.local_hhmm),
    carbRatio: scheduleValueAt(row.carb_ratio_schedule, row.local_hhmm),
    diaHours: row.dia_hours ?? 5,
    peakMinutes: defaultPeak(row.bolus_insulin_kind ?? 'rapid', row.insulin_peak_minutes),
    carbDelayMinutes: row.carb_delay_minutes ?? 15,
    doses: (row.doses ?? []).map((d) => ({ atMs: Date.parse(d.t), units: d.u })),
    meals: (row.meals ?? []).map((m) => ({ atMs: Date.parse(m.t), grams: m.g, absorptionMinutes: m.a })),
    low: row.low ?? 70,
    high: row.high ?? 180,
    sigmas,
  };
}
