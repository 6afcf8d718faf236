import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { badRequest } from '../../../platform/http/errors.js';
import type { Series } from './grid.js';

export type Basis = 'cgm' | 'all';

/** The readings §5.1 computes on, split by basis: all sources, and CGM only. */
export interface AnalyticsInput { all: Series; cgm: Series }

const EMPTY: Series = { t: new Float64Array(0), v: new Float64Array(0) };

/** Postgres array text ("{1,2.5,…}") to a typed array, `scale` applied; faster than the driver's generic array parser. */
function numbers(text: string | null, scale = 1): Float64Array {
  if (!text || text.length <= 2) return new Float64Array(0);
  const parts = text.slice(1, -1).split(',');
  const out = new Float64Array(parts.length);
  for (let i = 0; i < parts.length; i++) out[i] = +parts[i] * scale;
  return out;
}

/**
 * §5.1 input set of a patient in [from, to): not deleted, not flagged suspect or warm-up, in time order; CGM only
 * or every source. One query answering two arrays (seconds, mg/dL) so a 90-day range is one round trip, no per-row
 * objects, and the aggregate reads the primary key's order (no sort).
 */
export async function loadSeries(db: DbOrTx, patientId: string, fromMs: number, toMs: number, basis: Basis): Promise<Series> {
  const { rows } = await sql<{ t: string | null; v: string | null }>`
    select array_agg(extract(epoch from measured_at)::int8 order by measured_at)::text as t,
           array_agg(value_mgdl order by measured_at)::text as v
    from glucose.readings
    where patient_id = ${patientId} and measured_at >= ${new Date(fromMs).toISOString()}::timestamptz
      and measured_at < ${new Date(toMs).toISOString()}::timestamptz
      and deleted_at is null and not (flags && array['suspect', 'warmup']::text[])
      ${basis === 'cgm' ? sql`and source = 'cgm'` : sql``}`.execute(db);
  const row = rows[0];
  if (!row) return EMPTY;
  const series = { t: numbers(row.t, 1000), v: numbers(row.v) };
  return basis === 'cgm' ? series : dedupe(series);
}

/** Both bases (the rollup and the insights need CGM and all sources). */
export async function loadReadings(db: DbOrTx, patientId: string, fromMs: number, toMs: number): Promise<AnalyticsInput> {
  const [all, cgm] = await Promise.all([loadSeries(db, patientId, fromMs, toMs, 'all'), loadSeries(db, patientId, fromMs, toMs, 'cgm')]);
  return { all, cgm };
}

/** Two sources at the same second: keep the last (iglu keeps the last of repeated times). */
function dedupe(s: Series): Series {
  let dup = false;
  for (let i = 1; i < s.t.length; i++) if (s.t[i] === s.t[i - 1]) { dup = true; break; }
  if (!dup) return s;
  const t: number[] = [], v: number[] = [];
  for (let i = 0; i < s.t.length; i++) {
    if (t.length && t[t.length - 1] === s.t[i]) v[v.length - 1] = s.v[i];
    else { t.push(s.t[i]); v.push(s.v[i]); }
  }
  return { t: Float64Array.from(t), v: Float64Array.from(v) };
}

export const DAY_MS = 86_400_000;
export const MAX_ANALYTICS_DAYS = 90;

/** [from, to) of an analytics request: default the last 14 days up to now; at most 90 days. */
export function analyticsWindow(q: { from?: string; to?: string }, nowMs = Date.now(), defaultDays = 14, maxDays = MAX_ANALYTICS_DAYS) {
  const toMs = q.to ? Date.parse(q.to) : nowMs;
  const fromMs = q.from ? Date.parse(q.from) : toMs - defaultDays * DAY_MS;
  if (!(fromMs < toMs)) throw badRequest('invalid_range', '`from` must be before `to`.', [{ path: 'query.from', message: 'must be before to' }]);
  if (toMs - fromMs > maxDays * DAY_MS) {
    throw badRequest('range_too_large', `An analytics range is at most ${maxDays} days.`, [{ path: 'query.to', message: `must be at most ${maxDays} days after from` }]);
  }
  return { fromMs, toMs };
}
