import { ar2, type ForecastPoint, type TimedValue } from './ar2.js';
import { insulinCurve, PEAK_MINUTES } from './insulin.js';
import { physioForecast, type Dose, type Meal } from './physio.js';
import { DEFAULT_SIGMA, probabilities, recommendationLevel, recommendations, type Probabilities, type Sigmas } from './probabilities.js';

export type ModelName = 'ar2' | 'physio' | 'external';
export const MODELS: ModelName[] = ['ar2', 'physio', 'external'];

/** Everything the models need at the time of the base reading (loaded in one query by inputs.ts). */
export interface ForecastInputs {
  base: { id: string; atMs: number; value: number; trendRate: number | null };
  /** Non-suspect CGM readings of the last 20 minutes, base included. */
  recent: TimedValue[];
  /** Therapy values in effect at the base time's local clock; null when not configured. */
  isf: number | null;
  carbRatio: number | null;
  diaHours: number;
  peakMinutes: number;
  carbDelayMinutes: number;
  doses: { atMs: number; units: number }[];
  meals: { atMs: number; grams: number; absorptionMinutes: number }[];
  low: number;
  high: number;
  /** Per model, the forecast SDs learnt from the patient's last 28 days when there are enough evaluations. */
  sigmas: Partial<Record<ModelName, Sigmas>>;
}

export interface ModelResult { points: ForecastPoint[]; raw: number[]; meta: Record<string, unknown> }

export interface ExternalOutcome {
  ok: boolean;
  /** When not ok: why the external result is not used. */
  reason?: string;
  result?: ModelResult;
}

export interface ComputedForecast {
  ar2: ModelResult | null;
  physio: ModelResult | null;
  external: ModelResult | null;
  primaryModel: ModelName | null;
  fallbackReason: string | null;
  probabilities: Probabilities | null;
  iobUnits: number | null;
  cobGrams: number | null;
}

/**
 * AR2 and the physiological model for one base reading, the primary model chosen as §4.10.4 says, and the
 * probabilities of the primary trajectory. Pure: the caller loads the inputs and stores the result.
 */
export function computeForecast(input: ForecastInputs, external?: ExternalOutcome): ComputedForecast {
  const t0 = input.base.atMs;
  const ar = ar2(input.recent);
  const ar2Result: ModelResult | null = ar
    ? { points: ar.points, raw: ar.raw, meta: { avgLoss: round(ar.avgLoss, 4), recentMean: round(ar.recentMean, 1), mean5: round(ar.mean5, 1) } }
    : null;

  const diaMin = input.diaHours * 60;
  const doses: Dose[] = input.doses.filter((d) => d.atMs <= t0 && d.atMs > t0 - diaMin * 60_000).map((d) => ({ atMin: (d.atMs - t0) / 60_000, units: d.units }));
  const meals: Meal[] = input.meals.filter((m) => m.atMs <= t0 && m.atMs > t0 - 8 * 3_600_000)
    .map((m) => ({ atMin: (m.atMs - t0) / 60_000, grams: m.grams, absorptionMinutes: m.absorptionMinutes }));
  let physio: ModelResult | null = null;
  let iobUnits: number | null = null;
  let cobGrams: number | null = null;
  if (input.isf !== null && input.carbRatio !== null) {
    const p = physioForecast({
      value: input.base.value, trendRate: input.base.trendRate, doses, meals, isf: input.isf, carbRatio: input.carbRatio,
      curve: insulinCurve(diaMin, input.peakMinutes), carbDelayMinutes: input.carbDelayMinutes,
    });
    physio = { points: p.points, raw: p.raw, meta: { iobU: round(p.iobUnits, 2), cobG: round(p.cobGrams, 1), isf: input.isf, carbRatio: input.carbRatio, deviation: round(p.deviation, 2) } };
    iobUnits = round(p.iobUnits, 2);
    cobGrams = round(p.cobGrams, 1);
  }
  // physio is worth more than AR2 only while insulin or carbs are acting
  const acting = doses.length > 0 || meals.some((m) => -m.atMin < input.carbDelayMinutes + m.absorptionMinutes);

  let primaryModel: ModelName | null;
  let fallbackReason: string | null = null;
  if (external?.ok && external.result) primaryModel = 'external';
  else {
    primaryModel = physio && acting ? 'physio' : ar2Result ? 'ar2' : physio ? 'physio' : null;
    if (external && !external.ok) fallbackReason = external.reason ?? null;
    if (!primaryModel) fallbackReason = 'insufficient_data';
  }
  const primary = primaryModel === 'external' ? external!.result! : primaryModel === 'physio' ? physio : primaryModel === 'ar2' ? ar2Result : null;
  const sigmas = (primaryModel && input.sigmas[primaryModel]) || DEFAULT_SIGMA;
  const probs = primary ? probabilities(primary.raw, input.low, input.high, sigmas, primary.points.map((p) => p.minutesAhead)) : null;
  return { ar2: ar2Result, physio, external: external?.result ?? null, primaryModel, fallbackReason, probabilities: probs, iobUnits, cobGrams };
}

export const advice = (p: Probabilities | null) => ({
  recommendationLevel: p ? recommendationLevel(p.hypo30) : ('none' as const),
  recommendations: p ? recommendations(p) : [],
});

/** The therapy value in effect at a local "HH:mm" in a schedule [{start, value}] (first entry starts 00:00). */
export function scheduleValueAt(schedule: unknown, hhmm: string): number | null {
  if (!Array.isArray(schedule) || schedule.length === 0) return null;
  let value: number | null = null;
  for (const entry of schedule as { start?: unknown; value?: unknown }[]) {
    if (typeof entry.start !== 'string' || typeof entry.value !== 'number') continue;
    if (entry.start <= hhmm) value = entry.value;
  }
  return value;
}

export const defaultPeak = (kind: string, override: number | null) => override ?? (kind === 'ultra_rapid' ? PEAK_MINUTES.ultra_rapid : PEAK_MINUTES.rapid);

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
