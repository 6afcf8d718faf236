import { iobFraction, type InsulinCurve } from './insulin.js';
import type { ForecastPoint } from './ar2.js';

/** A bolus of rapid or ultra-rapid insulin, minutes relative to the base reading (≤ 0). */
export interface Dose { atMin: number; units: number }
/** A meal, minutes relative to the base reading (≤ 0). */
export interface Meal { atMin: number; grams: number; absorptionMinutes: number }

export interface PhysioInput {
  value: number;
  /** mg/dL per minute; null counts as flat. */
  trendRate: number | null;
  doses: Dose[];
  meals: Meal[];
  /** mg/dL per unit. */
  isf: number;
  /** grams per unit. */
  carbRatio: number;
  curve: InsulinCurve;
  carbDelayMinutes: number;
}

export interface PhysioResult {
  points: ForecastPoint[];
  /** The unrounded values G1..G12 (probabilities use them). */
  raw: number[];
  iobUnits: number;
  cobGrams: number;
  deviation: number;
}

const OUTPUT_MIN = 39;
const OUTPUT_MAX = 400;
const STEPS = 12;

/** Insulin absorbed by minute t (units): U·(1 − iob(t − s)), nothing before the dose. */
const absorbedInsulin = (d: Dose, curve: InsulinCurve, t: number) => (t < d.atMin ? 0 : d.units * (1 - iobFraction(curve, t - d.atMin)));

/** Carbs absorbed by minute t (grams): linear over the absorption time after the delay. */
const absorbedCarbs = (m: Meal, delay: number, t: number) => m.grams * Math.min(1, Math.max(0, (t - m.atMin - delay) / m.absorptionMinutes));

/**
 * The physiological forecast (§4.10.2): glucose moves by the insulin and carbs absorbed in each 5-minute step,
 * plus the part of the current trend those do not explain, fading linearly over the hour.
 */
export function physioForecast(input: PhysioInput): PhysioResult {
  const { isf, carbRatio, curve, carbDelayMinutes: delay } = input;
  const effect = (ta: number, tb: number) => {
    const insulin = input.doses.reduce((s, d) => s + absorbedInsulin(d, curve, tb) - absorbedInsulin(d, curve, ta), 0);
    const carbs = input.meals.reduce((s, m) => s + absorbedCarbs(m, delay, tb) - absorbedCarbs(m, delay, ta), 0);
    return -isf * insulin + (isf / carbRatio) * carbs;
  };
  const observed = 5 * (input.trendRate ?? 0);
  const deviation = observed - effect(-5, 0);
  const raw: number[] = [];
  let g = input.value;
  for (let k = 0; k < STEPS; k++) {
    const t = 5 * k;
    g = g + effect(t, t + 5) + deviation * (1 - k / STEPS);
    raw.push(g);
  }
  const iobUnits = input.doses.reduce((s, d) => s + d.units * iobFraction(curve, -d.atMin), 0);
  const cobGrams = input.meals.reduce((s, m) => s + m.grams - absorbedCarbs(m, delay, 0), 0);
  return {
    points: raw.map((v, i) => ({ minutesAhead: 5 * (i + 1), value: Math.min(OUTPUT_MAX, Math.max(OUTPUT_MIN, Math.round(v))) })),
    raw, iobUnits, cobGrams, deviation,
  };
}
