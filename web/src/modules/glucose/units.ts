/** Display of glucose values: the API speaks mg/dL; the viewer reads their preferred unit (spec §4, §8). */
export type GlucoseUnit = 'mg/dL' | 'mmol/L';

const MMOL_FACTOR = 18.0182;

/** mg/dL → the viewer's unit: mmol/L with one decimal, mg/dL as a whole number. */
export function toUnit(mgdl: number, unit: GlucoseUnit): number {
  if (unit === 'mmol/L') return Math.round((mgdl / MMOL_FACTOR) * 10) / 10;
  return Math.round(mgdl);
}

export function formatGlucose(mgdl: number | null | undefined, unit: GlucoseUnit, locale: string): string {
  if (mgdl === null || mgdl === undefined) return '—';
  const value = toUnit(mgdl, unit);
  return new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { minimumFractionDigits: unit === 'mmol/L' ? 1 : 0, maximumFractionDigits: unit === 'mmol/L' ? 1 : 0 }).format(value);
}

/** The uploaders' direction names as arrows. */
const ARROWS: Record<string, string> = {
  DoubleUp: '⇈', SingleUp: '↑', FortyFiveUp: '↗', Flat: '→', FortyFiveDown: '↘', SingleDown: '↓', DoubleDown: '⇊',
};

export const arrowOf = (direction: string | null | undefined): string => (direction ? ARROWS[direction] ?? '' : '');

export interface Targets { urgentLow: number; low: number; high: number; urgentHigh: number }
export const DEFAULT_TARGETS: Targets = { urgentLow: 54, low: 70, high: 180, urgentHigh: 250 };

/** Where a value sits against the patient's thresholds, for its colour. */
export function rangeOf(mgdl: number | null | undefined, t: Targets): 'urgent-low' | 'low' | 'in-range' | 'high' | 'urgent-high' | 'none' {
  if (mgdl === null || mgdl === undefined) return 'none';
  if (mgdl < t.urgentLow) return 'urgent-low';
  if (mgdl < t.low) return 'low';
  if (mgdl > t.urgentHigh) return 'urgent-high';
  if (mgdl > t.high) return 'high';
  return 'in-range';
}
