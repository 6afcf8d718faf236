import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { badRequest } from '../../../platform/http/errors.js';
import type { Series } from './grid.js';

export type Basis = 'cgm' | 'all';

/** The readings §5.1 computes on, split by basis: all sources, and CGM only. */
export interface AnalyticsInput { all: Series; cgm: Series }

const EMPTY: Series = { t: new Float64Array(0), v: new Float64Array(0) };

/** Postgres float8[] text ("{1.5,2,…}") to a typed array; faster than the driver's generic array parser. */
function floats(text: string | null): Float64Array {
  if (!text || text.length <= 2) return new Float64Array(0);
  const parts = text.slice(1, -1).split(',');
  const out = new Float64Array(parts.length);
  for (let i = 0; i < parts.length; i++) out[i] = +parts[i];
  return out;
}

/**
 * §5.1 input set of a patient in [from, to): not deleted, not flagged suspect or warm-up, in time order. One query
 * answering two pairs of arrays (all sources, CGM only) so a 90-day range is one round trip and no per-row objects.
 */
export async function loadReadings(db: DbOrTx, patientId: string, fromMs: number, toMs: number): Promise<AnalyticsInput> {
  const { rows } = await sql<{ t_all: string | null; v_all: string | null; t_cgm: string | null; v_cgm: string | null }>`
    select array_agg(t order by t)::text as t_all, array_agg(v order by t)::text as v_all,
           (array_agg(t order by t) filter (where cgm))::text as t_cgm, (array_agg(v order by t) filter (where cgm))::text as v_cgm
    from (
      select (extract(epoch from measured_at) * 1000)::float8 as t, value_mgdl::float8 as v, source = 'cgm' as cgm
      from glucose.readings
      where patient_id = ${patientId} and measured_at >= ${new Date(fromMs).toISOString()}::timestamptz
        and measured_at < ${new Date(toMs).toISOString()}::timestamptz
        and deleted_at is null and not (flags && array['suspect', 'warmup']::text[])
    ) r`.execute(db);
  const row = rows[0];
  if (!row) return { all: EMPTY, cgm: EMPTY };
  return { all: dedupe({ t: floats(row.t_all), v: floats(row.v_all) }), cgm: { t: floats(row.t_cgm), v: floats(row.v_cgm) } };
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
