/**
 * §5: consensus CGM metrics as pure functions over (time, mg/dL) pairs, following iglu's conventions where the
 * spec says so. No SQL, no HTTP: the analytics routes, the AGP report and the exports all call these.
 *
 *   analyzeGlucose(readings, { from, to, timeZone }) → { metrics, agp, episodes }   (one pass, one grid)
 *   computeMetrics(readings, options)                → the metrics object of §4.7 (unrounded)
 *   agpPercentiles(readings, { timeZone })            → [{ minuteOfDay, p5, p25, p50, p75, p95, n }]
 *   roundMetrics(metrics)                             → the API's rounding (half away from zero)
 */
import { agpFromGrid, percentilesOf, type AgpColumn, type Percentiles } from './agp.js';
import { countEpisodes, findEpisodes, type Episode } from './episodes.js';
import { buildGrid, MINUTE, samplingInterval, toSeries, ZoneClock, DAY_MS, type Grid, type Series } from './grid.js';
import { mage } from './mage.js';

export { quantile7, percentilesOf, agpFromGrid, AGP_PERCENTILES } from './agp.js';
export type { AgpColumn, Percentiles } from './agp.js';
export { findEpisodes, countEpisodes, type Episode } from './episodes.js';
export { samplingInterval, toSeries, buildGrid, ZoneClock, type Grid, type Series } from './grid.js';
export { mage } from './mage.js';

export interface GlucoseReading { at: Date | number; mgdl: number }

/** Grid metrics are null beyond this sampling interval (§5.6). */
export const MAX_GRID_DT0_MIN = 45;
/** Data sufficiency (§5.7): at least 14 days and 70 % of the slots covered. */
export const SUFFICIENT_DAYS = 14;
export const SUFFICIENT_ACTIVE_PCT = 70;

// ---------------------------------------------------------------- ranges, mean, SD, GMI, GRI, LBGI/HBGI

export interface Bands {
  below54Pct: number; below70Pct: number; from54to69Pct: number; inRangePct: number;
  above180Pct: number; from181to250Pct: number; above250Pct: number;
  /** optional extra ranges of §5.2: 70–140 (TITR) and 63–140 (pregnancy), inclusive */
  from70to140Pct: number; from63to140Pct: number;
}

/** Counts behind the bands; also what `daily_stats` stores per day. */
export interface BandCounts { n: number; lt54: number; lt70: number; in70to180: number; gt180: number; gt250: number; in70to140?: number; in63to140?: number }

export function bandCounts(values: ArrayLike<number>): Required<BandCounts> {
  const c = { n: values.length, lt54: 0, lt70: 0, in70to180: 0, gt180: 0, gt250: 0, in70to140: 0, in63to140: 0 };
  for (let i = 0; i < values.length; i++) {
    const g = values[i];
    if (g < 54) c.lt54++;
    if (g < 70) c.lt70++;
    if (g >= 70 && g <= 180) c.in70to180++;
    if (g > 180) c.gt180++;
    if (g > 250) c.gt250++;
    if (g >= 70 && g <= 140) c.in70to140++;
    if (g >= 63 && g <= 140) c.in63to140++;
  }
  return c;
}

/** §5.2: percent of readings (not of time), strict below/above, TIR inclusive. Null without readings. */
export function bandsFromCounts(c: BandCounts): Bands | null {
  if (c.n === 0) return null;
  const pct = (k: number) => (100 * k) / c.n;
  return {
    below54Pct: pct(c.lt54), below70Pct: pct(c.lt70), from54to69Pct: pct(c.lt70 - c.lt54), inRangePct: pct(c.in70to180),
    above180Pct: pct(c.gt180), from181to250Pct: pct(c.gt180 - c.gt250), above250Pct: pct(c.gt250),
    from70to140Pct: c.in70to140 === undefined ? NaN : pct(c.in70to140), from63to140Pct: c.in63to140 === undefined ? NaN : pct(c.in63to140),
  };
}

export const bands = (values: ArrayLike<number>) => bandsFromCounts(bandCounts(values));

export const mean = (values: ArrayLike<number>): number | null => {
  if (values.length === 0) return null;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
};

/** Sample SD (N − 1); null when N < 2. */
export function sampleSd(values: ArrayLike<number>): number | null {
  const n = values.length;
  if (n < 2) return null;
  const mu = mean(values)!;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mu) ** 2;
  return Math.sqrt(ss / (n - 1));
}

/** SD from running sums (daily_stats): √((ΣG² − (ΣG)²/N) / (N − 1)). */
export function sdFromSums(n: number, sum: number, sumSq: number): number | null {
  if (n < 2) return null;
  return Math.sqrt(Math.max(0, (sumSq - (sum * sum) / n) / (n - 1)));
}

/** Glucose Management Indicator (%), from mean glucose in mg/dL (Bergenstal 2018). */
export const gmi = (meanMgdl: number): number => 3.31 + 0.02392 * meanMgdl;
/** GMI in mmol/mol, from mean glucose in mmol/L (shown in mmol/L reports). */
export const gmiMmolPerMol = (meanMmolL: number): number => 12.71 + 4.70587 * meanMmolL;
export const cv = (sd: number, mu: number): number => (100 * sd) / mu;

export type GriZone = 'A' | 'B' | 'C' | 'D' | 'E';
export interface Gri { value: number; zone: GriZone; hypoComponent: number; hyperComponent: number }

/** §5.4 Glycemia Risk Index (Klonoff 2023), capped at 100. */
export function gri(b: Pick<Bands, 'below54Pct' | 'from54to69Pct' | 'from181to250Pct' | 'above250Pct'>): Gri {
  const hypo = b.below54Pct + 0.8 * b.from54to69Pct;
  const hyper = b.above250Pct + 0.5 * b.from181to250Pct;
  const value = Math.min(100, 3.0 * b.below54Pct + 2.4 * b.from54to69Pct + 1.6 * b.above250Pct + 0.8 * b.from181to250Pct);
  return { value, zone: griZone(value), hypoComponent: hypo, hyperComponent: hyper };
}

export const griZone = (value: number): GriZone => (value <= 20 ? 'A' : value <= 40 ? 'B' : value <= 60 ? 'C' : value <= 80 ? 'D' : 'E');

/** Kovatchev's symmetrised risk of one reading: f = (ln G)^1.084 − 5.381, r = 22.77·f² (iglu's constants). */
export function bgRisk(g: number): { f: number; r: number } {
  const f = Math.pow(Math.log(g), 1.084) - 5.381;
  return { f, r: 22.77 * f * f };
}

/** Sums of the low and high risk over readings (daily_stats keeps these). */
export function bgiSums(values: ArrayLike<number>): { lbgiSum: number; hbgiSum: number } {
  let lbgiSum = 0, hbgiSum = 0;
  for (let i = 0; i < values.length; i++) {
    const { f, r } = bgRisk(values[i]);
    if (f < 0) lbgiSum += r;
    else if (f > 0) hbgiSum += r;
  }
  return { lbgiSum, hbgiSum };
}

/** §5.5 LBGI and HBGI: risk sums divided by all readings. */
export function bgi(values: ArrayLike<number>): { lbgi: number; hbgi: number } | null {
  if (values.length === 0) return null;
  const { lbgiSum, hbgiSum } = bgiSums(values);
  return { lbgi: lbgiSum / values.length, hbgi: hbgiSum / values.length };
}

// ---------------------------------------------------------------- grid metrics: MODD, CONGA, active %

/** §5.12 MODD: mean |G(t) − G(t − 1 day)| over grid times where both exist. */
export function modd(grid: Grid): number | null {
  const { values, perDay } = grid;
  let s = 0, n = 0;
  for (let i = perDay; i < values.length; i++) {
    const a = values[i], b = values[i - perDay];
    if (!Number.isNaN(a) && !Number.isNaN(b)) { s += Math.abs(a - b); n++; }
  }
  return n ? s / n : null;
}

/** §5.12 CONGA(n): sample SD of G(t) − G(t − n h) along the day-by-day grid read in time order. */
export function conga(grid: Grid, hours = 1): number | null {
  const { values, dt0 } = grid;
  const lag = hours * Math.round(60 / dt0);
  const diffs: number[] = [];
  for (let i = lag; i < values.length; i++) {
    const a = values[i], b = values[i - lag];
    if (!Number.isNaN(a) && !Number.isNaN(b)) diffs.push(a - b);
  }
  return sampleSd(diffs);
}

/**
 * §5.7 active %: slots of dt0 minutes from `from` to `to` that hold at least one reading, against the requested
 * range (not first-to-last reading as iglu's default), so a sensor gap at the start counts as missing.
 */
export function activePercent(times: ArrayLike<number>, fromMs: number, toMs: number, dt0: number): number {
  const slot = dt0 * MINUTE;
  const slots = Math.floor((toMs - fromMs) / slot);
  if (slots <= 0) return 0;
  let covered = 0, lastSlot = -1;
  for (let i = 0; i < times.length; i++) {
    const j = Math.floor((times[i] - fromMs) / slot);
    if (j < 0 || j >= slots || j === lastSlot) continue;
    covered++;
    lastSlot = j;
  }
  return (100 * covered) / slots;
}

export const isSufficient = (fromMs: number, toMs: number, activePct: number | null) =>
  toMs - fromMs >= SUFFICIENT_DAYS * DAY_MS && activePct !== null && activePct >= SUFFICIENT_ACTIVE_PCT;

// ---------------------------------------------------------------- the whole set

export type NullReason = 'insufficient_data' | 'sampling_too_sparse' | 'manual_basis';

export interface Metrics {
  from: string; to: string;
  n: number;
  dt0Min: number | null;
  activePct: number | null;
  sufficient: boolean;
  meanMgdl: number | null;
  sdMgdl: number | null;
  cvPct: number | null;
  gmiPct: number | null;
  bands: Bands | null;
  gri: Gri | null;
  lbgi: number | null;
  hbgi: number | null;
  mage: number | null;
  modd: number | null;
  conga: { hours: number; value: number | null };
  percentiles: Percentiles | null;
  episodes: { hypoL1: number; hypoL2: number; hyperL1: number; hyperL2: number };
  /** why a metric is null, by metric name */
  reasons: Record<string, NullReason>;
}

export interface AnalyzeOptions {
  from: Date | number;
  to: Date | number;
  /** IANA zone of the patient: local days, the AGP clock, nocturnal episodes (default UTC) */
  timeZone?: string;
  /** CONGA lag in hours, 1..24 (default 1) */
  congaHours?: number;
  /**
   * `cgm` (default): regular sensor data, every metric. `manual`: finger-sticks only (the fallback of §4.7), so
   * MAGE, MODD, CONGA, AGP and active % are null.
   */
  basis?: 'cgm' | 'manual';
}

export interface Analysis { metrics: Metrics; agp: AgpColumn[] | null; episodes: Episode[]; grid: Grid | null }

const ms = (x: Date | number) => (typeof x === 'number' ? x : x.getTime());

/** Every §5 metric, the AGP profile and the episode list of readings in [from, to), building the grid once. */
export function analyzeGlucose(readings: readonly GlucoseReading[] | Series, options: AnalyzeOptions): Analysis {
  const fromMs = ms(options.from);
  const toMs = ms(options.to);
  const clock = new ZoneClock(options.timeZone ?? 'UTC');
  const congaHours = options.congaHours ?? 1;
  const manual = options.basis === 'manual';
  const series = 't' in readings ? readings : toSeries(readings);
  const values = series.v;
  const n = values.length;
  const reasons: Record<string, NullReason> = {};

  const mu = mean(values);
  const sd = sampleSd(values);
  const b = bands(values);
  const risk = bgi(values);
  const sorted = Float64Array.from(values).sort();
  const dt0 = samplingInterval(series.t);
  const gridOk = !manual && dt0 !== null && dt0 <= MAX_GRID_DT0_MIN;
  const grid = gridOk ? buildGrid(series, dt0, clock) : null;

  let activePct: number | null = null;
  if (manual) reasons.activePct = 'manual_basis';
  else if (n === 0) activePct = 0;
  else if (dt0 === null) activePct = activePercent(series.t, fromMs, toMs, 5);
  else if (dt0 > MAX_GRID_DT0_MIN) reasons.activePct = 'sampling_too_sparse';
  else activePct = activePercent(series.t, fromMs, toMs, dt0);

  const gridReason: NullReason = manual ? 'manual_basis' : dt0 !== null && dt0 > MAX_GRID_DT0_MIN ? 'sampling_too_sparse' : 'insufficient_data';
  const gridValue = <T>(name: string, f: () => T | null): T | null => {
    const value = grid ? f() : null;
    if (value === null) reasons[name] = grid ? 'insufficient_data' : gridReason;
    return value;
  };
  const mageValue = gridValue('mage', () => mage(series, clock, grid!));
  const moddValue = gridValue('modd', () => modd(grid!));
  const congaValue = gridValue('conga', () => conga(grid!, congaHours));
  const agp = grid ? agpFromGrid(grid) : null;
  if (!agp) reasons.agp = gridReason;

  if (mu === null) for (const k of ['meanMgdl', 'cvPct', 'gmiPct', 'bands', 'gri', 'lbgi', 'hbgi', 'percentiles']) reasons[k] = 'insufficient_data';
  if (sd === null) reasons.sdMgdl = reasons.cvPct = 'insufficient_data';

  const episodes = findEpisodes(series, dt0, clock);
  const metrics: Metrics = {
    from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(),
    n, dt0Min: dt0, activePct, sufficient: isSufficient(fromMs, toMs, activePct),
    meanMgdl: mu, sdMgdl: sd, cvPct: sd !== null && mu ? cv(sd, mu) : null, gmiPct: mu === null ? null : gmi(mu),
    bands: b, gri: b ? gri(b) : null, lbgi: risk?.lbgi ?? null, hbgi: risk?.hbgi ?? null,
    mage: mageValue, modd: moddValue, conga: { hours: congaHours, value: congaValue },
    percentiles: percentilesOf(sorted), episodes: countEpisodes(episodes), reasons,
  };
  return { metrics, agp, episodes, grid };
}

/** All §5 metrics of readings in [from, to) (unrounded). */
export const computeMetrics = (readings: readonly GlucoseReading[], options: AnalyzeOptions): Metrics => analyzeGlucose(readings, options).metrics;

/** The AGP percentiles per time of day of §5.8 (null when the sampling is too sparse or there are < 2 readings). */
export function agpPercentiles(readings: readonly GlucoseReading[], options: { timeZone?: string } = {}): AgpColumn[] | null {
  const series = toSeries(readings);
  const dt0 = samplingInterval(series.t);
  if (dt0 === null || dt0 > MAX_GRID_DT0_MIN) return null;
  return agpFromGrid(buildGrid(series, dt0, new ZoneClock(options.timeZone ?? 'UTC')));
}

// ---------------------------------------------------------------- aggregates from daily sums

/** What `glucose.daily_stats` keeps per local day and basis. */
export interface DaySums {
  n: number; sum: number; sumSq: number; min: number | null; max: number | null;
  lt54: number; lt70: number; in70to180: number; gt180: number; gt250: number;
  lbgiSum: number; hbgiSum: number;
  slotsCovered: number; dt0: number | null;
  firstAt: number | null; lastAt: number | null;
}

/** One local day's sums; slots are counted on the day's own dt0 (5 min when it has fewer than two readings). */
export function daySums(series: Series, dayStartMs: number, dayEndMs: number): DaySums {
  const { t, v } = series;
  const c = bandCounts(v);
  let sum = 0, sumSq = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < v.length; i++) { sum += v[i]; sumSq += v[i] * v[i]; if (v[i] < min) min = v[i]; if (v[i] > max) max = v[i]; }
  const dt0 = samplingInterval(t);
  const slot = (dt0 ?? 5) * MINUTE;
  let covered = 0, last = -1;
  for (let i = 0; i < t.length; i++) {
    const j = Math.floor((t[i] - dayStartMs) / slot);
    if (j < 0 || t[i] >= dayEndMs || j === last) continue;
    covered++; last = j;
  }
  return {
    n: v.length, sum, sumSq, min: v.length ? min : null, max: v.length ? max : null,
    lt54: c.lt54, lt70: c.lt70, in70to180: c.in70to180, gt180: c.gt180, gt250: c.gt250,
    ...bgiSums(v), slotsCovered: covered, dt0,
    firstAt: t.length ? t[0] : null, lastAt: t.length ? t[t.length - 1] : null,
  };
}

export interface PeriodMetrics {
  n: number; activePct: number | null; meanMgdl: number | null; sdMgdl: number | null; cvPct: number | null; gmiPct: number | null;
  bands: Bands | null; gri: Gri | null; lbgi: number | null; hbgi: number | null;
}

/**
 * §4.7 aggregates: metrics of a period from its days' sums. `slotsTotal` is the number of dt0 slots in the
 * period (days without data count with 5-minute slots).
 */
export function metricsFromSums(days: DaySums[], slotsTotal: number): PeriodMetrics {
  let n = 0, sum = 0, sumSq = 0, lt54 = 0, lt70 = 0, in70to180 = 0, gt180 = 0, gt250 = 0, lbgiSum = 0, hbgiSum = 0, covered = 0;
  for (const d of days) {
    n += d.n; sum += d.sum; sumSq += d.sumSq; lt54 += d.lt54; lt70 += d.lt70; in70to180 += d.in70to180;
    gt180 += d.gt180; gt250 += d.gt250; lbgiSum += d.lbgiSum; hbgiSum += d.hbgiSum; covered += d.slotsCovered;
  }
  const mu = n ? sum / n : null;
  const sd = sdFromSums(n, sum, sumSq);
  const b = n ? bandsFromCounts({ n, lt54, lt70, in70to180, gt180, gt250 }) : null;
  if (b) { delete (b as Partial<Bands>).from70to140Pct; delete (b as Partial<Bands>).from63to140Pct; }
  return {
    n, activePct: slotsTotal > 0 ? Math.min(100, (100 * covered) / slotsTotal) : null,
    meanMgdl: mu, sdMgdl: sd, cvPct: sd !== null && mu ? cv(sd, mu) : null, gmiPct: mu === null ? null : gmi(mu),
    bands: b, gri: b ? gri(b) : null, lbgi: n ? lbgiSum / n : null, hbgi: n ? hbgiSum / n : null,
  };
}

// ---------------------------------------------------------------- rounding and display

/** Half away from zero at `digits` decimals (the API's rounding of §4.7). */
export function roundHalfAway(x: number, digits: number): number {
  const f = 10 ** digits;
  // toPrecision(15) undoes binary noise such as 1.005 × 100 = 100.49999999999999
  const r = Math.round(Number((Math.abs(x) * f).toPrecision(15)));
  return (Math.sign(x) * r) / f || 0;
}
const r1 = (x: number | null) => (x === null || Number.isNaN(x) ? null : roundHalfAway(x, 1));
const r2 = (x: number | null) => (x === null || Number.isNaN(x) ? null : roundHalfAway(x, 2));

export function roundBands(b: Bands | null) {
  if (!b) return null;
  return Object.fromEntries(Object.entries(b).filter(([, x]) => !Number.isNaN(x)).map(([k, x]) => [k, r1(x)])) as Record<keyof Bands, number>;
}
export const roundGri = (g: Gri | null) => (g ? { value: r1(g.value)!, zone: g.zone, hypoComponent: r1(g.hypoComponent)!, hyperComponent: r1(g.hyperComponent)! } : null);

/** The API form of the metrics: percentages, mg/dL, CV, GRI, MAGE, MODD, CONGA to 1 decimal; GMI, LBGI, HBGI to 2. */
export function roundMetrics(m: Metrics) {
  const p = m.percentiles;
  return {
    ...m,
    activePct: r1(m.activePct), meanMgdl: r1(m.meanMgdl), sdMgdl: r1(m.sdMgdl), cvPct: r1(m.cvPct), gmiPct: r2(m.gmiPct),
    bands: roundBands(m.bands), gri: roundGri(m.gri), lbgi: r2(m.lbgi), hbgi: r2(m.hbgi),
    mage: r1(m.mage), modd: r1(m.modd), conga: { hours: m.conga.hours, value: r1(m.conga.value) },
    percentiles: p ? { p5: r1(p.p5)!, p25: r1(p.p25)!, p50: r1(p.p50)!, p75: r1(p.p75)!, p95: r1(p.p95)! } : null,
  };
}

export function roundPeriod(m: PeriodMetrics) {
  return {
    ...m, activePct: r1(m.activePct), meanMgdl: r1(m.meanMgdl), sdMgdl: r1(m.sdMgdl), cvPct: r1(m.cvPct), gmiPct: r2(m.gmiPct),
    bands: roundBands(m.bands), gri: roundGri(m.gri), lbgi: r2(m.lbgi), hbgi: r2(m.hbgi),
  };
}

/**
 * Integer percentages for display that sum to 100 (largest remainder), as the AGP report's time-in-ranges bar
 * shows them; a non-zero value that rounds to 0 is flagged `lessThanOne` ("<1 %").
 */
export function displayPercents(values: number[]): { value: number; lessThanOne: boolean }[] {
  const total = values.reduce((a, b) => a + b, 0);
  if (total <= 0) return values.map(() => ({ value: 0, lessThanOne: false }));
  const scaled = values.map((x) => (x * 100) / total);
  const floors = scaled.map(Math.floor);
  let left = 100 - floors.reduce((a, b) => a + b, 0);
  const order = scaled.map((x, i) => ({ i, rem: x - floors[i] })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of order) { if (left <= 0) break; floors[i]++; left--; }
  return floors.map((value, i) => ({ value, lessThanOne: value === 0 && values[i] > 0 }));
}
