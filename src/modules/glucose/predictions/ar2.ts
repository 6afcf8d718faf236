/**
 * AR2 forecast as Nightscout's ar2 plugin computes it (§4.10.1): readings grouped in 5-minute buckets around the
 * latest one, a second-order autoregression in log space around 140 mg/dL, twelve 5-minute steps.
 */

/** Nightscout's AR coefficients: y_next = AR[0]·y_prev + AR[1]·y_curr (log of value / 140). */
export const AR = [-0.723, 1.716] as const;
const BASE_MGDL = 140;
const BUCKET_HALF_MIN = 2.5;
const BUCKETS = 4;
/** Values at or below 39 are "LOW" sensor codes, not glucose; a recent mean below 36 gives no forecast. */
const MIN_VALID = 39;
const MIN_RECENT_MEAN = 36;
export const FORECAST_MIN = 36;
export const FORECAST_MAX = 400;
/** Nightscout interpolates the previous bucket only when the two are more than 9 minutes apart. */
const INTERPOLATE_AFTER_MIN = 9;
export const STEPS = 12;

export interface TimedValue { atMs: number; value: number }
export interface ForecastPoint { minutesAhead: number; value: number }
export interface Ar2Result { points: ForecastPoint[]; raw: number[]; avgLoss: number; recentMean: number; mean5: number }

interface Bucket { mean: number; timeMs: number }

/** Buckets 0..3 covering [L − 2.5 − 5i, L + 2.5 − 5i] minutes; a reading on a shared boundary goes to the lower index. */
function buckets(readings: TimedValue[], latestMs: number): (Bucket | null)[] {
  const sums = Array.from({ length: BUCKETS }, () => ({ sum: 0, n: 0, timeMs: -Infinity }));
  for (const r of readings) {
    if (r.value <= MIN_VALID) continue;
    const offsetMin = (latestMs - r.atMs) / 60_000;
    if (offsetMin < -BUCKET_HALF_MIN) continue;
    // lower index wins on a boundary: offset 2.5 belongs to bucket 0, 7.5 to bucket 1…
    const i = Math.max(0, Math.ceil((offsetMin - BUCKET_HALF_MIN) / 5));
    if (i >= BUCKETS) continue;
    const b = sums[i];
    b.sum += r.value; b.n += 1; b.timeMs = Math.max(b.timeMs, r.atMs);
  }
  return sums.map((b) => (b.n === 0 ? null : { mean: b.sum / b.n, timeMs: b.timeMs }));
}

/** Forecast from the readings (any order; only the last ~20 minutes matter); null when Nightscout would show none. */
export function ar2(readings: TimedValue[]): Ar2Result | null {
  const valid = readings.filter((r) => r.value > MIN_VALID);
  if (valid.length === 0) return null;
  const latestMs = valid.reduce((m, r) => Math.max(m, r.atMs), -Infinity);
  const [recent, ...older] = buckets(valid, latestMs);
  if (!recent) return null;
  const previous = older.find((b): b is Bucket => b !== null && b.timeMs < recent.timeMs);
  if (!previous || recent.mean < MIN_RECENT_MEAN) return null;
  const elapsedMin = (recent.timeMs - previous.timeMs) / 60_000;
  const mean5 = elapsedMin > INTERPOLATE_AFTER_MIN
    ? recent.mean - ((recent.mean - previous.mean) * 5) / elapsedMin
    : previous.mean;
  return { ...ar2Steps(mean5, recent.mean), recentMean: recent.mean, mean5 };
}

/** The recursion itself, from the value 5 minutes before and the current value. */
export function ar2Steps(previous: number, current: number, steps = STEPS): { points: ForecastPoint[]; raw: number[]; avgLoss: number } {
  let y0 = Math.log(previous / BASE_MGDL);
  let y1 = Math.log(current / BASE_MGDL);
  const points: ForecastPoint[] = [];
  const raw: number[] = [];
  for (let k = 1; k <= steps; k++) {
    const next = AR[0] * y0 + AR[1] * y1;
    y0 = y1; y1 = next;
    raw.push(BASE_MGDL * Math.exp(next));
    points.push({ minutesAhead: 5 * k, value: Math.min(FORECAST_MAX, Math.max(FORECAST_MIN, Math.round(raw[k - 1]))) });
  }
  return { points, raw, avgLoss: avgLoss(points.map((p) => p.value)) };
}

/** Nightscout's loss index: six squared log-ratios to 120 over the first six values, divided by five (as it does). */
export function avgLoss(values: number[]): number {
  const six = values.slice(0, 6);
  return six.reduce((s, v) => s + Math.log10(v / 120) ** 2, 0) / 5;
}
