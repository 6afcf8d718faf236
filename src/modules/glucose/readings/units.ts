/** mg/dL per mmol/L (glucose molar mass 180.16 g/mol). */
export const MGDL_PER_MMOL = 18.0182;

export type GlucoseUnit = 'mg/dL' | 'mmol/L';

/** Rounds half away from zero to `decimals` places, steadied against binary floating-point error. */
export function roundHalfAway(x: number, decimals: number): number {
  const scale = 10 ** decimals;
  const scaled = Math.abs(x) * scale;
  const rounded = Math.floor(scaled + 0.5 + 1e-9 * Math.max(1, scaled));
  return (Math.sign(x) * rounded) / scale || 0;
}

/** Input glucose to stored mg/dL: mmol/L × 18.0182, one decimal (half away from zero). */
export function toMgdl(value: number, unit: GlucoseUnit = 'mg/dL'): number {
  return unit === 'mmol/L' ? roundHalfAway(value * MGDL_PER_MMOL, 1) : value;
}

/** For display and reports: mg/dL ÷ 18.0182, one decimal. */
export const toMmol = (mgdl: number): number => roundHalfAway(mgdl / MGDL_PER_MMOL, 1);

/** Whether a number has at most one decimal (as typed by a person, e.g. 110.5). */
export const hasAtMostOneDecimal = (value: number): boolean => Math.abs(value * 10 - Math.round(value * 10)) < 1e-6;
