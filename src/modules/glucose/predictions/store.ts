import { sql } from 'kysely';
import type { Tx } from '../../../platform/db/transaction.js';
import type { GlucoseServices } from '../services.js';
import { computeForecast, type ComputedForecast } from './forecast.js';
import { loadForecastInputs } from './inputs.js';
import { externalModelConfig } from './config.js';
import { EXTERNAL_QUEUE } from './external.js';

export interface BaseReading { id: string; measuredAtMs: number; value: number; source: string; flags: string[]; trendRate: number | null }

/** What `reading.created` carries about the forecast made from that reading (§6). */
export interface ForecastSummary {
  predictionId: string; primaryModel: string | null; value30: number | null; value60: number | null;
  probabilityHypo30: number | null; probabilityHyper30: number | null;
}

/** Summaries of forecasts stored in a still-open ingest transaction, picked up by the event published after commit. */
const summaries = new Map<string, ForecastSummary>();
const SUMMARY_LIMIT = 10_000;

export function takeForecastSummary(readingId: string): ForecastSummary | null {
  const s = summaries.get(readingId) ?? null;
  summaries.delete(readingId);
  return s;
}

const pointAt = (f: ComputedForecast, minutes: number) => {
  const model = f.primaryModel ? f[f.primaryModel] : null;
  return model?.points.find((p) => p.minutesAhead === minutes)?.value ?? null;
};
const modelJson = (m: ComputedForecast['ar2']) => (m ? JSON.stringify({ points: m.points, ...m.meta }) : null);

/**
 * §4.10: for a new live, non-suspect CGM reading, AR2 and the physiological model are computed inside the ingest
 * transaction and stored as one predictions row; the external model, when configured, is asked by a job that
 * updates the same row. Answers null when the reading is not a forecast base or no model could run.
 */
export async function forecastOnIngest(svc: GlucoseServices, tx: Tx, patientId: string, r: BaseReading, options: { askExternal?: boolean } = {}): Promise<ForecastSummary | null> {
  if (r.source !== 'cgm' || r.flags.includes('suspect')) return null;
  const inputs = await loadForecastInputs(tx, patientId, { id: r.id, atMs: r.measuredAtMs, value: r.value, trendRate: r.trendRate });
  const external = options.askExternal === false ? null : externalModelConfig();
  const f = computeForecast(inputs);
  if (!f.primaryModel) return null;
  const fallbackReason = external ? 'external_pending' : f.fallbackReason;
  const p = f.probabilities!;
  const { rows } = await sql<{ id: string }>`
    insert into glucose.predictions (patient_id, base_reading_id, base_time, base_value, ar2, physio, primary_model, fallback_reason,
      p_hypo_30, p_hyper_30, p_hypo_60, p_hyper_60, iob_u, cob_g)
    values (${patientId}, ${r.id}, ${new Date(r.measuredAtMs).toISOString()}::timestamptz, ${r.value}, ${modelJson(f.ar2)}::jsonb, ${modelJson(f.physio)}::jsonb,
      ${f.primaryModel}, ${fallbackReason}, ${p.hypo30}, ${p.hyper30}, ${p.hypo60}, ${p.hyper60}, ${f.iobUnits}, ${f.cobGrams})
    on conflict (patient_id, base_reading_id, base_time) do nothing
    returning id`.execute(tx);
  if (!rows[0]) return null;
  const predictionId = rows[0].id;
  if (external) {
    await svc.ctx.jobs.send(EXTERNAL_QUEUE, { patientId, predictionId, baseTime: new Date(r.measuredAtMs).toISOString() }, { db: tx, retryLimit: 0 });
  }
  const summary: ForecastSummary = {
    predictionId, primaryModel: f.primaryModel, value30: pointAt(f, 30), value60: pointAt(f, 60), probabilityHypo30: p.hypo30, probabilityHyper30: p.hyper30,
  };
  if (summaries.size >= SUMMARY_LIMIT) summaries.clear();
  summaries.set(r.id, summary);
  return summary;
}
