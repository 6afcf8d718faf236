import { roundHalfAway } from './units.js';

export const DIRECTIONS = ['DoubleUp', 'SingleUp', 'FortyFiveUp', 'Flat', 'FortyFiveDown', 'SingleDown', 'DoubleDown',
  'NOT COMPUTABLE', 'RATE OUT OF RANGE', 'NONE'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const isDirection = (value: unknown): value is Direction => typeof value === 'string' && (DIRECTIONS as readonly string[]).includes(value);

/** The window a CGM trend rate looks back over, and the least span of readings it needs inside it. */
export const TREND_WINDOW_MS = 15 * 60_000;
const TREND_MIN_SPAN_MS = 4 * 60_000;

export interface Point { t: number; v: number }

/**
 * Trend rate (mg/dL per minute) at the last point: least-squares slope of value against time over the points
 * given (the caller passes the non-suspect CGM readings of [t − 15 min, t]). Null with fewer than two points or
 * when they span less than 4 minutes. Rounded to 2 decimals, half away from zero.
 */
export function trendRate(points: readonly Point[]): number | null {
  if (points.length < 2) return null;
  const t0 = points[0].t;
  if (points[points.length - 1].t - t0 < TREND_MIN_SPAN_MS) return null;
  let sx = 0; let sy = 0;
  for (const p of points) { sx += (p.t - t0) / 60_000; sy += p.v; }
  const mx = sx / points.length; const my = sy / points.length;
  let sxy = 0; let sxx = 0;
  for (const p of points) {
    const dx = (p.t - t0) / 60_000 - mx;
    sxy += dx * (p.v - my);
    sxx += dx * dx;
  }
  return roundHalfAway(sxy / sxx, 2);
}

/** Arrow from a rounded rate, with xDrip+'s thresholds. */
export function directionOf(rate: number | null): Direction {
  if (rate === null) return 'NOT COMPUTABLE';
  if (rate <= -3.5) return 'DoubleDown';
  if (rate <= -2) return 'SingleDown';
  if (rate <= -1) return 'FortyFiveDown';
  if (rate <= 1) return 'Flat';
  if (rate <= 2) return 'FortyFiveUp';
  if (rate <= 3.5) return 'SingleUp';
  return 'DoubleUp';
}

const NS_TREND: Record<Direction, number> = {
  NONE: 0, DoubleUp: 1, SingleUp: 2, FortyFiveUp: 3, Flat: 4, FortyFiveDown: 5, SingleDown: 6, DoubleDown: 7,
  'NOT COMPUTABLE': 8, 'RATE OUT OF RANGE': 9,
};

/** Nightscout's numeric `trend` for an arrow. */
export const nightscoutTrend = (direction: Direction | null): number | undefined => (direction ? NS_TREND[direction] : undefined);
