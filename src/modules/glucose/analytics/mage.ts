/**
 * MAGE by the moving-average method (Fernandes et al. 2022), step for step as iglu's `mage_ma_single()` with its
 * defaults (short window 5, long window 32, direction "avg", interpolation gap 45 min, segment gap 180 min), so
 * that clinicians comparing with iglu see the same number. §5.12.
 */
import { buildGrid, type Grid, type Series, type ZoneClock, MINUTE } from './grid.js';

export const MAGE_SHORT_MA = 5;
export const MAGE_LONG_MA = 32;
export const MAGE_MAX_GAP_MIN = 180;
const DT0 = 5;

/** Sample SD ignoring NaN; NaN with fewer than two values. */
function sdOf(x: Float64Array, from: number, to: number): number {
  let n = 0, s = 0;
  for (let i = from; i < to; i++) if (!Number.isNaN(x[i])) { n++; s += x[i]; }
  if (n < 2) return NaN;
  const mean = s / n;
  let ss = 0;
  for (let i = from; i < to; i++) if (!Number.isNaN(x[i])) ss += (x[i] - mean) ** 2;
  return Math.sqrt(ss / (n - 1));
}

/** Right-aligned rolling mean ignoring NaN (zoo::rollapply, na.rm), the first `w` positions set to the first full window. */
function rollingMean(gl: Float64Array, w: number): Float64Array {
  const n = gl.length;
  const out = new Float64Array(n).fill(NaN);
  let sum = 0, count = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isNaN(gl[i])) { sum += gl[i]; count++; }
    if (i >= w && !Number.isNaN(gl[i - w])) { sum -= gl[i - w]; count--; }
    if (i >= w - 1) out[i] = count ? sum / count : NaN;
  }
  if (n >= w) for (let i = 0; i < w - 1; i++) out[i] = out[w - 1];
  return out;
}

const REL_MIN = 0;
const REL_MAX = 1;

/** iglu's `mage_atomic`: MAGE+ and MAGE− of one segment (null when it has none). */
export function mageSegment(gl: Float64Array, shortMa = MAGE_SHORT_MA, longMa = MAGE_LONG_MA): { plus: number | null; minus: number | null } {
  const none = { plus: null, minus: null };
  const n = gl.length;
  let any = false;
  for (let i = 0; i < n; i++) if (!Number.isNaN(gl[i])) { any = true; break; }
  if (!any || n < 7 || n < longMa) return none;
  const sd = sdOf(gl, 0, n);
  // §5.12: a segment with SD < 1 (a flat trace) has no excursion to count (iglu would loop on SD = 0).
  if (!(sd >= 1)) return none;

  const short = rollingMean(gl, shortMa);
  const long = rollingMean(gl, longMa);
  const delta = new Float64Array(n);
  for (let i = 0; i < n; i++) delta[i] = short[i] - long[i];

  const crossId: number[] = [0];
  const crossType: number[] = [delta[0] > 0 ? REL_MAX : REL_MIN];
  for (let i = 1; i < n; i++) {
    if (Number.isNaN(gl[i]) || Number.isNaN(gl[i - 1]) || Number.isNaN(delta[i]) || Number.isNaN(delta[i - 1])) continue;
    if (delta[i] * delta[i - 1] < 0) {
      crossId.push(i);
      crossType.push(delta[i] < delta[i - 1] ? REL_MIN : REL_MAX);
    } else {
      // across missing values: compare with the delta at the last crossing
      const prev = delta[crossId[crossId.length - 1]];
      if (delta[i] * prev < 0) {
        crossId.push(i);
        crossType.push(delta[i] < prev ? REL_MIN : REL_MAX);
      }
    }
  }
  crossId.push(n - 1);
  crossType.push(delta[n - 1] > 0 ? REL_MAX : REL_MIN);

  const count = crossId.length - 1;
  const minmax = new Float64Array(count);
  const indexes = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const s1 = i === 0 ? crossId[0] : indexes[i - 1];
    const s2 = crossId[i + 1];
    let best = NaN, at = s1;
    for (let k = s1; k <= s2; k++) {
      const x = gl[k];
      if (Number.isNaN(x)) continue;
      if (Number.isNaN(best) || (crossType[i] === REL_MIN ? x < best : x > best)) { best = x; at = k; }
    }
    minmax[i] = best;
    indexes[i] = at;
  }

  const N = count;
  const plus: number[] = [];
  let j = 0, prevJ = 0;
  while (j < N) {
    let i = prevJ, maxV = minmax[j] - minmax[prevJ];
    for (let t = prevJ + 1; t <= j; t++) { const d = minmax[j] - minmax[t]; if (d > maxV) { maxV = d; i = t; } }
    if (maxV >= sd) {
      for (let k = j; k < N; k++) {
        if (minmax[k] > minmax[j]) j = k;
        if (minmax[k] - minmax[j] < -sd || k === N - 1) {
          plus.push(minmax[j] - minmax[i]);
          prevJ = k; j = k;
          break;
        }
      }
    } else j++;
  }

  const minus: number[] = [];
  j = 0; prevJ = 0;
  while (j < N) {
    let i = prevJ, minV = minmax[j] - minmax[prevJ];
    for (let t = prevJ + 1; t <= j; t++) { const d = minmax[j] - minmax[t]; if (d < minV) { minV = d; i = t; } }
    if (minV <= -sd) {
      for (let k = j; k < N; k++) {
        if (minmax[k] < minmax[j]) j = k;
        if (minmax[k] - minmax[j] > sd || k === N - 1) {
          minus.push(minmax[j] - minmax[i]);
          prevJ = j; j = k;
          break;
        }
      }
    } else j++;
  }

  const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
  return { plus: plus.length ? mean(plus) : null, minus: minus.length ? Math.abs(mean(minus)) : null };
}

/**
 * MAGE over a whole trace: the 5-minute grid, split at gaps longer than 180 min, each segment's MAGE+ and MAGE−
 * weighted by the segment's duration (iglu weights each of the two rows of a segment, so a segment with both
 * counts twice as much as one with a single direction). Null when no segment has a value.
 */
export function mage(series: Series, clock: ZoneClock, fiveMinuteGrid?: Grid): number | null {
  if (series.t.length < 2) return null;
  const grid = fiveMinuteGrid?.dt0 === DT0 ? fiveMinuteGrid : buildGrid(series, DT0, clock);
  const { values, times } = grid;
  let first = -1, last = -1;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) { if (first < 0) first = i; last = i; }
  if (first < 0) return null;
  const gl = values.subarray(first, last + 1);
  const at = times.subarray(first, last + 1);
  const n = gl.length;
  if (n < 7 || n < MAGE_LONG_MA) return null;

  // segments between runs of missing points longer than max_gap
  const segments: [number, number][] = [];
  let start = 0, i = 0;
  while (i < n) {
    if (!Number.isNaN(gl[i])) { i++; continue; }
    let e = i;
    while (e < n && Number.isNaN(gl[e])) e++;
    if ((e - i) * DT0 > MAGE_MAX_GAP_MIN) {
      if (i > start) segments.push([start, i]);
      start = e;
    }
    i = e;
  }
  if (start < n) segments.push([start, n]);

  let weighted = 0, hours = 0;
  for (const [s, e] of segments) {
    const { plus, minus } = mageSegment(gl.subarray(s, e));
    // the segment's duration from its first to its last grid time (a wall time skipped by DST has no instant)
    let t0 = NaN, t1 = NaN;
    for (let k = s; k < e && Number.isNaN(t0); k++) t0 = at[k];
    for (let k = e - 1; k >= s && Number.isNaN(t1); k--) t1 = at[k];
    const duration = (t1 - t0) / MINUTE;
    for (const value of [plus, minus]) {
      if (value === null) continue;
      weighted += value * duration;
      hours += duration;
    }
  }
  return hours > 0 ? weighted / hours : null;
}
