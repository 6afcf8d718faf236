/**
 * §5.6: the sampling interval dt0 and iglu's day-by-day interpolation grid (CGMS2DayByDay), on the patient's
 * local clock. Pure functions; time zones through Intl only.
 */

export const MINUTE = 60_000;
export const DAY_MS = 86_400_000;
/** No linear interpolation between two readings further apart than this (iglu `inter_gap`). */
export const INTERPOLATION_GAP_MIN = 45;

/** Readings as the calculators take them: times in ms (ascending), values in mg/dL. */
export interface Series { t: Float64Array; v: Float64Array }

/** R's round(): half to even, which iglu uses for dt0. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Sorted, with a repeated timestamp keeping only its last value (iglu drops the earlier one). */
export function toSeries(readings: readonly { at: Date | number; mgdl: number }[]): Series {
  const pairs = readings.map((r) => [typeof r.at === 'number' ? r.at : r.at.getTime(), r.mgdl] as const);
  let sorted = true;
  for (let i = 1; i < pairs.length; i++) if (pairs[i][0] < pairs[i - 1][0]) { sorted = false; break; }
  if (!sorted) pairs.sort((a, b) => a[0] - b[0]);
  const t: number[] = [];
  const v: number[] = [];
  for (const [at, mgdl] of pairs) {
    if (t.length && t[t.length - 1] === at) v[v.length - 1] = mgdl;
    else { t.push(at); v.push(mgdl); }
  }
  return { t: Float64Array.from(t), v: Float64Array.from(v) };
}

/**
 * dt0 in minutes: the median interval rounded (half to even, as R), at least 1; adjusted so that it divides a day
 * (> 20 → 20, else to a multiple of 5: remainder > 2 up, else down). Null with fewer than two readings.
 */
export function samplingInterval(t: Float64Array): number | null {
  if (t.length < 2) return null;
  const gaps = new Float64Array(t.length - 1);
  for (let i = 1; i < t.length; i++) gaps[i - 1] = (t[i] - t[i - 1]) / MINUTE;
  gaps.sort();
  const m = gaps.length;
  const median = m % 2 ? gaps[(m - 1) / 2] : (gaps[m / 2 - 1] + gaps[m / 2]) / 2;
  let dt0 = Math.max(1, roundHalfEven(median));
  if (1440 % dt0 !== 0) {
    if (dt0 > 20) dt0 = 20;
    else {
      const remainder = dt0 % 5;
      dt0 = remainder > 2 ? dt0 + 5 - remainder : dt0 - remainder;
    }
  }
  return Math.max(dt0, 1);
}

/** UTC offsets of one IANA zone, from Intl (the only source of zone rules in Node without a library). */
interface ZoneRules { format: Intl.DateTimeFormat; days: Map<number, number>; quarters: Map<number, number> }
const zones = new Map<string, ZoneRules>();
const QUARTER_HOUR = 15 * MINUTE;
const MIXED = Number.NaN;

export class ZoneClock {
  private readonly rules: ZoneRules | null;

  constructor(readonly zone: string) {
    if (zone === 'UTC' || zone === 'Etc/UTC') { this.rules = null; return; }
    let rules = zones.get(zone);
    if (!rules) {
      rules = {
        format: new Intl.DateTimeFormat('en-US', {
          timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
        }),
        days: new Map(), quarters: new Map(),
      };
      zones.set(zone, rules);
    }
    this.rules = rules;
  }

  /** One Intl answer per quarter hour (zone rules change offsets only on quarter hours). */
  private exact(ms: number): number {
    const rules = this.rules!;
    const at = Math.floor(ms / QUARTER_HOUR) * QUARTER_HOUR;
    const hit = rules.quarters.get(at);
    if (hit !== undefined) return hit;
    const p: Record<string, string> = {};
    for (const part of rules.format.formatToParts(new Date(at))) p[part.type] = part.value;
    const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
    const off = Math.round((local - at) / MINUTE);
    if (rules.quarters.size > 100_000) rules.quarters.clear();
    rules.quarters.set(at, off);
    return off;
  }

  /**
   * Offset in minutes (local − UTC) at an instant. A UTC day whose two ends have the same offset has it
   * throughout (no zone changes its offset twice in a day), so most days cost two Intl calls, shared by every
   * clock of the zone in this process.
   */
  offset(ms: number): number {
    const rules = this.rules;
    if (!rules) return 0;
    const day = Math.floor(ms / DAY_MS);
    let known = rules.days.get(day);
    if (known === undefined) {
      const a = this.exact(day * DAY_MS), b = this.exact((day + 1) * DAY_MS);
      known = a === b ? a : MIXED;
      if (rules.days.size > 100_000) rules.days.clear();
      rules.days.set(day, known);
    }
    return Number.isNaN(known) ? this.exact(ms) : known;
  }

  /** Local wall-clock ms (as if UTC) of an instant. */
  wall(ms: number): number { return ms + this.offset(ms) * MINUTE; }

  /** Local date (days since 1970-01-01) of an instant. */
  localDay(ms: number): number { return Math.floor(this.wall(ms) / DAY_MS); }

  /**
   * The instant of a local wall-clock time: null when it does not exist (spring forward), the first occurrence
   * when it repeats (fall back).
   */
  instant(wallMs: number): number | null {
    if (!this.rules) return wallMs;
    const candidates = new Set([this.offset(wallMs - DAY_MS), this.offset(wallMs + DAY_MS), this.offset(wallMs)]);
    let best: number | null = null;
    for (const o of candidates) {
      const t = wallMs - o * MINUTE;
      if (this.offset(t) === o && (best === null || t < best)) best = t;
    }
    return best;
  }

  /** Start of a local date (days since epoch) as an instant; midnight skipped by DST falls to the first valid minute. */
  dayStart(day: number): number {
    const wall = day * DAY_MS;
    for (let m = 0; m < 180; m++) {
      const t = this.instant(wall + m * MINUTE);
      if (t !== null) return t;
    }
    return wall;
  }
}

export const isoDate = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * The day-by-day grid: row d = local date firstDay + d, column c = wall time (c + 1)·dt0 (the last column is
 * 24:00, the next day's midnight). NaN where there is no value.
 */
export interface Grid {
  dt0: number;
  firstDay: number;
  days: number;
  perDay: number;
  /** instants of the grid points (NaN for wall times that do not exist), row-major */
  times: Float64Array;
  values: Float64Array;
}

/** Instants of every grid point, computing zone offsets once per day unless the day has a DST change. */
function gridTimes(clock: ZoneClock, firstDay: number, days: number, dt0: number): Float64Array {
  const perDay = 1440 / dt0;
  const times = new Float64Array(days * perDay);
  for (let d = 0; d < days; d++) {
    const wall0 = (firstDay + d) * DAY_MS;
    const startOff = clock.offset(wall0 - clock.offset(wall0) * MINUTE);
    const endWall = wall0 + DAY_MS;
    const endOff = clock.offset(endWall - clock.offset(endWall) * MINUTE);
    const steady = startOff === endOff && clock.offset(wall0 - DAY_MS) === startOff && clock.offset(endWall + DAY_MS) === startOff;
    for (let c = 0; c < perDay; c++) {
      const wall = wall0 + (c + 1) * dt0 * MINUTE;
      const at = steady ? wall - startOff * MINUTE : clock.instant(wall);
      times[d * perDay + c] = at === null ? NaN : at;
    }
  }
  return times;
}

/** Linear interpolation at grid instants (§5.6): exact readings as they are, nothing across gaps > 45 min. */
export function interpolate(series: Series, at: Float64Array, gapMin = INTERPOLATION_GAP_MIN): Float64Array {
  const { t, v } = series;
  const out = new Float64Array(at.length).fill(NaN);
  const n = t.length;
  if (n === 0) return out;
  const gap = gapMin * MINUTE;
  let k = 0;
  for (let i = 0; i < at.length; i++) {
    const g = at[i];
    if (Number.isNaN(g) || g < t[0] || g > t[n - 1]) continue;
    if (k > 0 && t[k] > g) k = 0; // grid instants are ascending; restart only if one is not
    while (k < n - 1 && t[k + 1] <= g) k++;
    if (t[k] === g) { out[i] = v[k]; continue; }
    if (k >= n - 1) continue;
    const span = t[k + 1] - t[k];
    if (span > gap) continue;
    out[i] = v[k] + ((g - t[k]) / span) * (v[k + 1] - v[k]);
  }
  return out;
}

/** The grid of §5.6 over every local date from the first to the last reading's date. */
export function buildGrid(series: Series, dt0: number, clock: ZoneClock): Grid {
  const perDay = 1440 / dt0;
  if (series.t.length === 0) return { dt0, firstDay: 0, days: 0, perDay, times: new Float64Array(0), values: new Float64Array(0) };
  const firstDay = clock.localDay(series.t[0]);
  const lastDay = clock.localDay(series.t[series.t.length - 1]);
  const days = lastDay - firstDay + 1;
  const times = gridTimes(clock, firstDay, days, dt0);
  return { dt0, firstDay, days, perDay, times, values: interpolate(series, times) };
}
