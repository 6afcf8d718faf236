import { sql } from 'kysely';
import type { Db } from '../../../platform/db/pool.js';
import { addPair, emptySums, type AccuracySums } from './accuracy.js';
import type { ModelName } from './forecast.js';

export const EVALUATE_QUEUE = 'glucose.predictions.evaluate';
/** A forecast is judged once its 60-minute actual can no longer arrive late: base + 60 + 5 min window + slack. */
const EVALUATE_AFTER_MIN = 70;
const BATCH = 5_000;

interface EvaluatedRow {
  patient_id: string; local_date: string; a30: number | null; a60: number | null;
  ar2_30: number | null; ar2_60: number | null; physio_30: number | null; physio_60: number | null; external_30: number | null; external_60: number | null;
}

const valueAt = (column: 'ar2' | 'physio' | 'external', minutes: number) =>
  sql.raw(`(jsonb_path_query_first(b.${column}, '$.points[*] ? (@.minutesAhead == ${minutes}).value'))::float8`);

const actualAt = (minutes: number) => sql.raw(`(select r.value_mgdl::float8 from glucose.readings r
  where r.patient_id = b.patient_id and r.source = 'cgm' and r.deleted_at is null
    and r.measured_at between b.base_time + interval '${minutes - 5} minutes' and b.base_time + interval '${minutes + 5} minutes'
  order by abs(extract(epoch from r.measured_at - (b.base_time + interval '${minutes} minutes'))), r.measured_at limit 1)`);

/**
 * §4.10.5: fills actual_30/actual_60 of forecasts whose base is at least 70 minutes old (the CGM reading closest to
 * base + h within ±5 min; none → not evaluable) and adds each model's errors to prediction_accuracy_daily, per
 * patient local day, in the same transaction. Batches of 5,000 rows locked with SKIP LOCKED, so two workers share
 * the work and a row is never counted twice. Answers how many forecasts it evaluated.
 */
export async function evaluatePredictions(db: Db, nowMs = Date.now(), maxBatches = Infinity) {
  let evaluated = 0;
  let pairs = 0;
  for (let i = 0; i < maxBatches; i++) {
    const done = await db.transaction().execute(async (tx) => {
      const { rows } = await sql<EvaluatedRow>`
        with b as (
          select p.patient_id, p.base_time, p.id, p.ar2, p.physio, p.external from glucose.predictions p
          where p.evaluated_at is null and p.base_time <= ${new Date(nowMs - EVALUATE_AFTER_MIN * 60_000).toISOString()}::timestamptz
          order by p.base_time limit ${BATCH} for update skip locked
        ), a as (
          select b.patient_id, b.base_time, b.id, ${actualAt(30)} as a30, ${actualAt(60)} as a60,
            ${valueAt('ar2', 30)} as ar2_30, ${valueAt('ar2', 60)} as ar2_60, ${valueAt('physio', 30)} as physio_30, ${valueAt('physio', 60)} as physio_60,
            ${valueAt('external', 30)} as external_30, ${valueAt('external', 60)} as external_60
          from b
        ), u as (
          update glucose.predictions p set actual_30 = a.a30, actual_60 = a.a60, evaluated_at = now()
          from a where p.patient_id = a.patient_id and p.base_time = a.base_time and p.id = a.id
          returning p.id
        ) -- a data-modifying CTE always runs to completion, read or not
        select a.patient_id, to_char(a.base_time at time zone z.zone, 'YYYY-MM-DD') as local_date, a.a30, a.a60,
          a.ar2_30, a.ar2_60, a.physio_30, a.physio_60, a.external_30, a.external_60
        from a join lateral (
          select coalesce((select timezone from glucose.patient_settings s where s.patient_id = a.patient_id),
                          (select time_zone from platform.users u where u.id = a.patient_id), 'UTC') as zone) z on true`.execute(tx);
      const sums = new Map<string, { patientId: string; localDate: string; model: ModelName; horizon: 30 | 60; s: AccuracySums }>();
      for (const r of rows) {
        for (const model of ['ar2', 'physio', 'external'] as const) {
          for (const horizon of [30, 60] as const) {
            const predicted = r[`${model}_${horizon}`];
            const actual = horizon === 30 ? r.a30 : r.a60;
            if (predicted === null || actual === null) continue;
            const key = `${r.patient_id}|${r.local_date}|${model}|${horizon}`;
            let entry = sums.get(key);
            if (!entry) { entry = { patientId: r.patient_id, localDate: r.local_date, model, horizon, s: emptySums() }; sums.set(key, entry); }
            addPair(entry.s, predicted, actual);
          }
        }
      }
      const entries = [...sums.values()];
      for (let k = 0; k < entries.length; k += 1_000) {
        const chunk = entries.slice(k, k + 1_000);
        await tx.insertInto('glucose.prediction_accuracy_daily').values(chunk.map((e) => ({
          patient_id: e.patientId, local_date: e.localDate, model: e.model, horizon: e.horizon, n: e.s.n, sum_sq_err: e.s.sumSqErr,
          sum_abs_err: e.s.sumAbsErr, sum_abs_rel_err: e.s.sumAbsRelErr, sum_err: e.s.sumErr,
          zone_a: e.s.zones.A, zone_b: e.s.zones.B, zone_c: e.s.zones.C, zone_d: e.s.zones.D, zone_e: e.s.zones.E,
        }))).onConflict((oc) => oc.columns(['patient_id', 'local_date', 'model', 'horizon']).doUpdateSet((eb) => ({
          n: sql`glucose.prediction_accuracy_daily.n + ${eb.ref('excluded.n')}`,
          sum_sq_err: sql`glucose.prediction_accuracy_daily.sum_sq_err + ${eb.ref('excluded.sum_sq_err')}`,
          sum_abs_err: sql`glucose.prediction_accuracy_daily.sum_abs_err + ${eb.ref('excluded.sum_abs_err')}`,
          sum_abs_rel_err: sql`glucose.prediction_accuracy_daily.sum_abs_rel_err + ${eb.ref('excluded.sum_abs_rel_err')}`,
          sum_err: sql`glucose.prediction_accuracy_daily.sum_err + ${eb.ref('excluded.sum_err')}`,
          zone_a: sql`glucose.prediction_accuracy_daily.zone_a + ${eb.ref('excluded.zone_a')}`,
          zone_b: sql`glucose.prediction_accuracy_daily.zone_b + ${eb.ref('excluded.zone_b')}`,
          zone_c: sql`glucose.prediction_accuracy_daily.zone_c + ${eb.ref('excluded.zone_c')}`,
          zone_d: sql`glucose.prediction_accuracy_daily.zone_d + ${eb.ref('excluded.zone_d')}`,
          zone_e: sql`glucose.prediction_accuracy_daily.zone_e + ${eb.ref('excluded.zone_e')}`,
        }))).execute();
      }
      pairs += entries.reduce((s, e) => s + e.s.n, 0);
      return rows.length;
    });
    evaluated += done;
    if (done < BATCH) break;
  }
  return { evaluated, pairs };
}
