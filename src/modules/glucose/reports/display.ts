/** Display helpers shared by the PDF and the exports (pure). */
import { displayPercents, roundHalfAway } from '../analytics/metrics.js';

export { roundHalfAway };

export const MGDL_PER_MMOL = 18.0182;

/** A glucose value in the report's unit: mg/dL with no decimal, mmol/L with one (§4 display conversion). */
export function glucoseText(mgdl: number, unit: 'mg/dL' | 'mmol/L'): string {
  return unit === 'mmol/L' ? roundHalfAway(mgdl / MGDL_PER_MMOL, 1).toFixed(1) : String(roundHalfAway(mgdl, 0));
}

export function inUnit(mgdl: number, unit: 'mg/dL' | 'mmol/L'): number {
  return unit === 'mmol/L' ? roundHalfAway(mgdl / MGDL_PER_MMOL, 1) : roundHalfAway(mgdl, 1);
}

/**
 * The five time-in-range labels (§4.8 item 3) from the analytics' largest-remainder integers: "<1 %" for a
 * non-zero share that rounds to 0. Worked: [0.4, 2.3, 72.6, 19.9, 4.8] → [0 ("<1 %"), 2, 73, 20, 5].
 */
export function rangeLabels(percents: number[]): { value: number; label: string }[] {
  return displayPercents(percents).map((p) => ({ value: p.value, label: p.lessThanOne ? '<1 %' : `${p.value} %` }));
}

/** Share of a day as "17 h 25 min" (72.6 % → 17 h 25 min). */
export function timePerDay(percent: number): string {
  const minutes = Math.round((percent / 100) * 1440);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}
