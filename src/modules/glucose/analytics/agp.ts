/**
 * §5.8: R type-7 quantiles and the Ambulatory Glucose Profile (percentiles 5/25/50/75/95 per time of day).
 */
import type { Grid } from './grid.js';

export const AGP_PERCENTILES = [5, 25, 50, 75, 95] as const;

/** R's default quantile (type 7) of an ascending array; p in [0, 1]. */
export function quantile7(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p + 1;
  const lo = Math.floor(h);
  if (lo >= n) return sorted[n - 1];
  return sorted[lo - 1] + (h - lo) * (sorted[lo] - sorted[lo - 1]);
}

export interface Percentiles { p5: number; p25: number; p50: number; p75: number; p95: number }

/** p5, p25, p50, p75, p95 of an ascending array (null when empty). */
export function percentilesOf(sorted: ArrayLike<number>): Percentiles | null {
  if (sorted.length === 0) return null;
  return { p5: quantile7(sorted, 0.05), p25: quantile7(sorted, 0.25), p50: quantile7(sorted, 0.5), p75: quantile7(sorted, 0.75), p95: quantile7(sorted, 0.95) };
}

export interface AgpPoint extends Percentiles { minuteOfDay: number; n: number }
export interface AgpColumn { minuteOfDay: number; n: number; p5: number | null; p25: number | null; p50: number | null; p75: number | null; p95: number | null }

/** Minimum number of days with a value for a time of day to get percentiles. */
export const AGP_MIN_VALUES = 3;

/**
 * One entry per grid column (time of day), sorted by minuteOfDay, the 24:00 column reported as minute 0:
 * percentiles across days when at least 3 days have a value there, else nulls with the count.
 */
export function agpFromGrid(grid: Grid): AgpColumn[] {
  const { perDay, days, values, dt0 } = grid;
  const out: AgpColumn[] = [];
  const column = new Float64Array(days);
  for (let c = 0; c < perDay; c++) {
    let n = 0;
    for (let d = 0; d < days; d++) {
      const x = values[d * perDay + c];
      if (!Number.isNaN(x)) column[n++] = x;
    }
    const minuteOfDay = ((c + 1) * dt0) % 1440;
    if (n < AGP_MIN_VALUES) {
      out.push({ minuteOfDay, n, p5: null, p25: null, p50: null, p75: null, p95: null });
      continue;
    }
    const sorted = column.subarray(0, n).sort();
    out.push({ minuteOfDay, n, ...percentilesOf(sorted)! });
  }
  return out.sort((a, b) => a.minuteOfDay - b.minuteOfDay);
}
