import { directionOf, isDirection, trendRate, TREND_WINDOW_MS, type Direction, type Point } from './trend.js';
import { uuidV7At } from './ids.js';
import type { Flag, ReadingContext, Source, StoredReading } from './model.js';

/** A reading that passed field validation, about to be deduplicated and stored. */
export interface IncomingReading {
  /** Position in the request, for the per-item report. */
  index: number;
  source: Source;
  /** Whole seconds. */
  measuredAtMs: number;
  value: number;
  direction?: Direction | null;
  noise?: number | null;
  utcOffsetMin?: number | null;
  flags?: Flag[];
  raw?: Record<string, unknown> | null;
  clientId?: string | null;
  device?: string | null;
  context?: ReadingContext | null;
  notes?: string | null;
  enteredBy?: string | null;
  sensorId?: string | null;
}

export interface PlannedReading extends IncomingReading {
  id: string;
  trendRate: number | null;
  direction: Direction | null;
  flags: Flag[];
}

/** The sensor CGM readings are attached to (warming up, active or disconnected). */
export interface CurrentSensor { id: string; status: string; warmupEndsAtMs: number | null }

export interface IngestPlan {
  toInsert: PlannedReading[];
  /** Items already stored (or earlier in the same batch), with the record that holds them. */
  duplicates: { item: IncomingReading; existing: StoredReading | PlannedReading }[];
}

/** An incoming CGM reading within this of a stored or accepted one is the same measurement sent twice. */
export const CGM_NEAR_DUPLICATE_MS = 30_000;
const SUSPECT_LOOKBACK_MS = 15 * 60_000;
const SUSPECT_MIN_JUMP = 40;
const SUSPECT_MAX_RATE = 6;

const lowerBound = (times: number[], t: number) => {
  let lo = 0; let hi = times.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (times[mid] < t) lo = mid + 1; else hi = mid; }
  return lo;
};

class Series {
  readonly times: number[] = [];
  readonly values: number[] = [];
  push(t: number, v: number) { this.times.push(t); this.values.push(v); }
  /** Points with from ≤ t < to. */
  range(from: number, to: number): Point[] {
    const out: Point[] = [];
    for (let i = lowerBound(this.times, from); i < this.times.length && this.times[i] < to; i++) out.push({ t: this.times[i], v: this.values[i] });
    return out;
  }
  /** The last point strictly before t. */
  before(t: number): Point | undefined {
    const i = lowerBound(this.times, t) - 1;
    return i >= 0 ? { t: this.times[i], v: this.values[i] } : undefined;
  }
  /** Whether a point lies within ±window of t. */
  near(t: number, window: number): number | undefined {
    const i = lowerBound(this.times, t - window);
    return i < this.times.length && this.times[i] <= t + window ? i : undefined;
  }
}

const mergePoints = (a: Point[], b: Point[]) => (b.length === 0 ? a : a.length === 0 ? b : [...a, ...b].sort((x, y) => x.t - y.t));

const SOURCE_KEY: Record<Source, number> = { cgm: 0, meter: 1, manual: 2 };
/** (source, time) as one number: ms epochs stay far below 2^53 / 4. */
const keyOf = (source: Source, t: number) => t * 4 + SOURCE_KEY[source];

/**
 * Decides, for a batch, which readings are new and what Atrium computes for them (§4.1.2, §4.1.5): exact
 * duplicates on (time, source); CGM near-duplicates within ±30 s of a stored or earlier accepted CGM reading
 * (first stored wins); the `suspect` flag for CGM jumps; the trend rate over the non-suspect CGM readings of the
 * 15 minutes before; the arrow when the uploader sent none; the sensor and its warm-up flag.
 * `known` are the stored readings of the patient around the batch (deleted ones included: they still hold
 * their key), sorted by time.
 */
export function planIngest(known: StoredReading[], incoming: IncomingReading[], sensor?: CurrentSensor): IngestPlan {
  const exact = new Map<number, StoredReading | PlannedReading>();
  const knownCgm = new Series();
  const knownIds: StoredReading[] = [];
  const liveCgm = new Series();
  for (const r of known) {
    const t = r.measuredAt.getTime();
    exact.set(keyOf(r.source, t), r);
    if (r.source !== 'cgm') continue;
    knownCgm.push(t, r.value);
    knownIds.push(r);
    if (!r.deleted && !r.flags.includes('suspect')) liveCgm.push(t, r.value);
  }

  const batchCgmItems: PlannedReading[] = [];
  const batchLive = new Series();
  const plan: IngestPlan = { toInsert: [], duplicates: [] };
  const ordered = [...incoming].sort((a, b) => a.measuredAtMs - b.measuredAtMs || a.index - b.index);

  for (const item of ordered) {
    const t = item.measuredAtMs;
    const same = exact.get(keyOf(item.source, t));
    if (same) { plan.duplicates.push({ item, existing: same }); continue; }
    if (item.source === 'cgm') {
      const k = knownCgm.near(t, CGM_NEAR_DUPLICATE_MS);
      if (k !== undefined) { plan.duplicates.push({ item, existing: knownIds[k] }); continue; }
      const last = batchCgmItems[batchCgmItems.length - 1];
      if (last && t - last.measuredAtMs <= CGM_NEAR_DUPLICATE_MS) { plan.duplicates.push({ item, existing: last }); continue; }
    }

    const flags = new Set<Flag>(item.flags ?? []);
    let rate: number | null = null;
    let direction: Direction | null = isDirection(item.direction) ? item.direction : null;
    let sensorId = item.sensorId ?? null;
    if (item.source === 'cgm') {
      const previous = [liveCgm.before(t), batchLive.before(t)].filter((p): p is Point => p !== undefined)
        .sort((a, b) => b.t - a.t)[0];
      if (previous && t - previous.t <= SUSPECT_LOOKBACK_MS) {
        const jump = Math.abs(item.value - previous.v);
        if (jump >= SUSPECT_MIN_JUMP && jump / ((t - previous.t) / 60_000) > SUSPECT_MAX_RATE) flags.add('suspect');
      }
      const window = mergePoints(liveCgm.range(t - TREND_WINDOW_MS, t), batchLive.range(t - TREND_WINDOW_MS, t));
      rate = trendRate(flags.has('suspect') ? window : [...window, { t, v: item.value }]);
      direction ??= directionOf(rate);
      if (sensor) {
        sensorId ??= sensor.id;
        if (sensor.status === 'warming_up' && sensor.warmupEndsAtMs !== null && t < sensor.warmupEndsAtMs) flags.add('warmup');
      }
    }

    const planned: PlannedReading = {
      index: item.index, source: item.source, measuredAtMs: t, value: item.value, noise: item.noise, utcOffsetMin: item.utcOffsetMin,
      raw: item.raw, clientId: item.clientId, device: item.device, context: item.context, notes: item.notes, enteredBy: item.enteredBy,
      id: uuidV7At(t), trendRate: rate, direction, flags: flags.size ? [...flags] : [], sensorId,
    };
    plan.toInsert.push(planned);
    exact.set(keyOf(item.source, t), planned);
    if (item.source === 'cgm') {
      batchCgmItems.push(planned);
      if (!flags.has('suspect')) batchLive.push(t, item.value);
    }
  }
  return plan;
}

/**
 * Δ against the same-source reading measured 2.5–7.5 minutes earlier (the one closest to 5 minutes), else null.
 */
export function delta5(target: { source: Source; measuredAtMs: number; value: number }, candidates: { source: Source; t: number; v: number; deleted?: boolean }[]): number | null {
  let best: { t: number; v: number } | undefined;
  for (const c of candidates) {
    if (c.source !== target.source || c.deleted) continue;
    const dt = target.measuredAtMs - c.t;
    if (dt < 150_000 || dt > 450_000) continue;
    if (!best || Math.abs(dt - 300_000) < Math.abs(target.measuredAtMs - best.t - 300_000)) best = c;
  }
  return best ? Math.round((target.value - best.v) * 10) / 10 : null;
}
