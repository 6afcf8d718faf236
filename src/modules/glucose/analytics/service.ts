import { sql } from 'kysely';
import type { Db } from '../../../platform/db/pool.js';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { badRequest } from '../../../platform/http/errors.js';
import { patientZone } from '../patients/zone.js';
import { DAY_MS, isoDate, ZoneClock, type Series } from './grid.js';
import { analyzeGlucose, metricsFromSums, roundHalfAway, roundMetrics, roundPeriod, type Analysis, type DaySums, type PeriodMetrics } from './metrics.js';
import { loadReadings, loadSeries, type Basis } from './load.js';
import { rollupDirtyDays } from './rollup.js';
import { detectInsights, type Insight, type MealForInsight } from './insights.js';

export interface PatientAnalysis {
  zone: string;
  basis: 'cgm' | 'all' | 'manual';
  series: Series;
  analysis: Analysis;
}

/**
 * §4.7 metrics input: CGM readings by default; a range without any CGM reading falls back to all readings with
 * basis "manual" (grid metrics null). `basis=all` takes every source.
 */
export async function analyzePatient(db: DbOrTx, patientId: string, fromMs: number, toMs: number, basis: Basis = 'cgm', congaHours = 1): Promise<PatientAnalysis> {
  const [zone, first] = await Promise.all([patientZone(db, patientId), loadSeries(db, patientId, fromMs, toMs, basis)]);
  // no CGM reading in the range: every reading, as finger-sticks (one more query, only in that case)
  const all = basis === 'cgm' && first.t.length === 0 ? await loadSeries(db, patientId, fromMs, toMs, 'all') : null;
  const manualFallback = all !== null && all.t.length > 0;
  const series = manualFallback ? all : first;
  const effective = manualFallback ? 'manual' : basis;
  const analysis = analyzeGlucose(series, { from: fromMs, to: toMs, timeZone: zone, congaHours, basis: manualFallback ? 'manual' : 'cgm' });
  return { zone, basis: effective, series, analysis };
}

export function metricsResponse(a: PatientAnalysis) {
  const { reasons, ...m } = roundMetrics(a.analysis.metrics);
  return { ...m, basis: a.basis, timezone: a.zone, unit: 'mg/dL' as const, reasons };
}

const r1 = (x: number | null) => (x === null ? null : roundHalfAway(x, 1));

export function agpResponse(a: PatientAnalysis) {
  const agp = a.analysis.agp;
  return {
    ...metricsResponse(a),
    profile: agp ? agp.map((c) => ({ minuteOfDay: c.minuteOfDay, n: c.n, p5: r1(c.p5), p25: r1(c.p25), p50: r1(c.p50), p75: r1(c.p75), p95: r1(c.p95) })) : [],
    days: a.analysis.grid?.days ?? 0,
  };
}

export function episodesResponse(a: PatientAnalysis) {
  return a.analysis.episodes.map((e) => ({
    kind: e.kind, level: e.level, start: new Date(e.start).toISOString(), end: new Date(e.end).toISOString(), durationMin: e.durationMin,
    extremeValue: e.extremeValue, extremeAt: new Date(e.extremeAt).toISOString(), nocturnal: e.nocturnal,
  }));
}

// ---------------------------------------------------------------- aggregates from daily_stats

export type Period = 'day' | 'week' | 'month';
const PERIOD_LIMITS: Record<Period, number> = { day: 92, week: 53, month: 24 };
const DEFAULT_SPAN: Record<Period, number> = { day: 14, week: 12 * 7, month: 183 };

const weekStart = (day: number) => day - ((day + 3) % 7); // 1970-01-01 was a Thursday; ISO weeks start on Monday
function monthStart(day: number) { const d = new Date(day * DAY_MS); return Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY_MS); }
function nextMonth(day: number) { const d = new Date(day * DAY_MS); return Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY_MS); }

/** The periods covering local days [firstDay, lastDay], clipped to them. */
export function periodsOf(period: Period, firstDay: number, lastDay: number): [number, number][] {
  const out: [number, number][] = [];
  let start = period === 'day' ? firstDay : period === 'week' ? weekStart(firstDay) : monthStart(firstDay);
  while (start <= lastDay) {
    const next = period === 'day' ? start + 1 : period === 'week' ? start + 7 : nextMonth(start);
    out.push([Math.max(start, firstDay), Math.min(next - 1, lastDay)]);
    start = next;
  }
  return out;
}

function deltaOf(cur: PeriodMetrics, prev: PeriodMetrics) {
  const d = (a: number | null | undefined, b: number | null | undefined) => (a === null || a === undefined || b === null || b === undefined ? null : a - b);
  const bands = cur.bands && prev.bands
    ? Object.fromEntries(Object.keys(cur.bands).map((k) => [k, d(cur.bands![k as keyof typeof cur.bands], prev.bands![k as keyof typeof prev.bands])]))
    : null;
  return {
    n: cur.n - prev.n, activePct: d(cur.activePct, prev.activePct), meanMgdl: d(cur.meanMgdl, prev.meanMgdl), sdMgdl: d(cur.sdMgdl, prev.sdMgdl),
    cvPct: d(cur.cvPct, prev.cvPct), gmiPct: d(cur.gmiPct, prev.gmiPct), gri: d(cur.gri?.value, prev.gri?.value),
    lbgi: d(cur.lbgi, prev.lbgi), hbgi: d(cur.hbgi, prev.hbgi), bands,
  };
}

function roundDelta(x: ReturnType<typeof deltaOf>) {
  const r = (v: number | null, digits = 1) => (v === null ? null : roundHalfAway(v, digits));
  return {
    n: x.n, activePct: r(x.activePct), meanMgdl: r(x.meanMgdl), sdMgdl: r(x.sdMgdl), cvPct: r(x.cvPct), gmiPct: r(x.gmiPct, 2),
    gri: r(x.gri), lbgi: r(x.lbgi, 2), hbgi: r(x.hbgi, 2),
    bands: x.bands ? Object.fromEntries(Object.entries(x.bands).map(([k, v]) => [k, r(v)])) : null,
  };
}

/**
 * §4.7 aggregates: per local day, ISO week or calendar month, from `daily_stats` sums (dirty days of the patient
 * are recomputed first, so a backfill shows at once), with the previous range of equal length when asked.
 */
export async function aggregates(db: Db, patientId: string, q: { period: Period; from?: string; to?: string; compare?: boolean; basis?: Basis }, nowMs = Date.now()) {
  const clock = new ZoneClock(await patientZone(db, patientId));
  const toMs = q.to ? Date.parse(q.to) : nowMs;
  const fromMs = q.from ? Date.parse(q.from) : toMs - DEFAULT_SPAN[q.period] * DAY_MS;
  if (!(fromMs < toMs)) throw badRequest('invalid_range', '`from` must be before `to`.', [{ path: 'query.from', message: 'must be before to' }]);
  const firstDay = clock.localDay(fromMs), lastDay = clock.localDay(toMs - 1);
  const periods = periodsOf(q.period, firstDay, lastDay);
  if (periods.length > PERIOD_LIMITS[q.period]) {
    throw badRequest('range_too_large', `At most ${PERIOD_LIMITS[q.period]} ${q.period}s per request.`, [{ path: 'query.from', message: `at most ${PERIOD_LIMITS[q.period]} periods` }]);
  }
  const span = lastDay - firstDay + 1;
  const prevFirst = firstDay - span, prevLast = firstDay - 1;
  const basis = q.basis ?? 'cgm';

  await rollupDirtyDays(db, { patientId });
  const { rows } = await sql<{ day: string; n: number; sum: number; sum_sq: number; min: number | null; max: number | null; n_lt54: number; n_lt70: number; n_70_180: number; n_gt180: number; n_gt250: number; lbgi_sum: number; hbgi_sum: number; slots_covered: number; dt0_min: number | null; first_at: Date | null; last_at: Date | null }>`
    select local_date::text as day, n, sum, sum_sq, min::float8 as min, max::float8 as max, n_lt54, n_lt70, n_70_180, n_gt180, n_gt250,
      lbgi_sum, hbgi_sum, slots_covered, dt0_min, first_at, last_at
    from glucose.daily_stats
    where patient_id = ${patientId} and basis = ${basis}
      and local_date between ${isoDate(q.compare ? prevFirst : firstDay)}::date and ${isoDate(lastDay)}::date`.execute(db);
  const byDay = new Map<number, DaySums>();
  for (const r of rows) {
    byDay.set(Math.floor(Date.parse(`${r.day}T00:00:00Z`) / DAY_MS), {
      n: r.n, sum: r.sum, sumSq: r.sum_sq, min: r.min, max: r.max, lt54: r.n_lt54, lt70: r.n_lt70, in70to180: r.n_70_180,
      gt180: r.n_gt180, gt250: r.n_gt250, lbgiSum: r.lbgi_sum, hbgiSum: r.hbgi_sum, slotsCovered: r.slots_covered, dt0: r.dt0_min,
      firstAt: r.first_at ? new Date(r.first_at).getTime() : null, lastAt: r.last_at ? new Date(r.last_at).getTime() : null,
    });
  }
  const over = (a: number, b: number) => {
    const days: DaySums[] = [];
    let slots = 0;
    for (let d = a; d <= b; d++) {
      const sums = byDay.get(d);
      if (sums) days.push(sums);
      const start = clock.dayStart(d);
      const end = Math.min(clock.dayStart(d + 1), nowMs);
      if (end > start) slots += Math.floor((end - start) / ((sums?.dt0 ?? 5) * 60_000));
    }
    return metricsFromSums(days, slots);
  };
  const items = periods.map(([a, b]) => ({ periodStart: isoDate(a), periodEnd: isoDate(b), ...roundPeriod(over(a, b)) }));
  const total = over(firstDay, lastDay);
  const result: Record<string, unknown> = {
    period: q.period, basis, timezone: clock.zone, unit: 'mg/dL',
    from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), firstDate: isoDate(firstDay), lastDate: isoDate(lastDay),
    items, total: roundPeriod(total),
  };
  if (q.compare) {
    const previous = over(prevFirst, prevLast);
    result.comparison = {
      from: isoDate(prevFirst), to: isoDate(prevLast), metrics: roundPeriod(previous), delta: roundDelta(deltaOf(total, previous)),
    };
  }
  return result;
}

// ---------------------------------------------------------------- insights

async function mealsBetween(db: DbOrTx, patientId: string, fromMs: number, toMs: number): Promise<MealForInsight[]> {
  const { rows } = await sql<{ id: string; taken_at: Date; meal_type: string; carbs_g: number; impact: Record<string, unknown> | null }>`
    select id, taken_at, meal_type, carbs_g::float8 as carbs_g, impact from glucose.meals
    where patient_id = ${patientId} and deleted_at is null
      and taken_at >= ${new Date(fromMs).toISOString()}::timestamptz and taken_at < ${new Date(toMs).toISOString()}::timestamptz
    order by taken_at`.execute(db);
  return rows.map((r) => {
    const i = r.impact;
    const computed = i && i.status === 'computed' && typeof i.peak === 'number' && typeof i.rise === 'number';
    return {
      id: r.id, takenAt: new Date(r.taken_at).getTime(), mealType: r.meal_type, carbsG: r.carbs_g,
      impact: computed ? { baseline: Number(i.baseline), peak: Number(i.peak), peakAt: String(i.peakAt), rise: Number(i.rise) } : null,
    };
  });
}

export interface StoredInsight extends Insight { id: string; rangeFrom: string; rangeTo: string; firstDetectedAt: string; lastDetectedAt: string; isNew: boolean }

/** §5.10 over [from, to): the patterns found, with their evidence (nothing stored). */
export async function detectPatientInsights(db: DbOrTx, patientId: string, fromMs: number, toMs: number): Promise<Insight[]> {
  const [zone, input, meals] = await Promise.all([patientZone(db, patientId), loadReadings(db, patientId, fromMs, toMs), mealsBetween(db, patientId, fromMs, toMs)]);
  const clock = new ZoneClock(zone);
  const episodes = analyzeGlucose(input.cgm, { from: fromMs, to: toMs, timeZone: zone }).episodes;
  return detectInsights(input.cgm, episodes, meals, clock, fromMs, toMs);
}

/** When each type was first detected for the patient (stored by the weekly job), for "since" labels. */
export async function firstDetections(db: DbOrTx, patientId: string): Promise<Map<string, string>> {
  const { rows } = await sql<{ type: string; first: Date }>`
    select type, min(first_detected_at) as first from glucose.insights where patient_id = ${patientId} group by type`.execute(db);
  return new Map(rows.map((r) => [r.type, new Date(r.first).toISOString()]));
}

/**
 * The weekly run: detects the patterns over [from, to) and stores each in `glucose.insights` (one row per patient,
 * type and range end). `isNew` is true when no insight of that type was detected in the 14 days before.
 */
export async function detectAndStoreInsights(db: Db, patientId: string, fromMs: number, toMs: number): Promise<StoredInsight[]> {
  const found = await detectPatientInsights(db, patientId, fromMs, toMs);
  const out: StoredInsight[] = [];
  for (const insight of found) {
    const { rows } = await sql<{ id: string; first_detected_at: Date; last_detected_at: Date; is_new: boolean }>`
      with previous as (
        select 1 from glucose.insights where patient_id = ${patientId} and type = ${insight.type}
          and range_to <> ${new Date(toMs).toISOString()}::timestamptz
          and last_detected_at >= ${new Date(toMs - 14 * DAY_MS).toISOString()}::timestamptz limit 1
      )
      insert into glucose.insights (patient_id, type, range_from, range_to, evidence)
      values (${patientId}, ${insight.type}, ${new Date(fromMs).toISOString()}::timestamptz, ${new Date(toMs).toISOString()}::timestamptz, ${JSON.stringify(insight.evidence)}::jsonb)
      on conflict (patient_id, type, range_to) do update set evidence = excluded.evidence, range_from = excluded.range_from, last_detected_at = now()
      returning id, first_detected_at, last_detected_at, not exists (select 1 from previous) as is_new`.execute(db);
    const row = rows[0];
    out.push({
      ...insight, id: row.id, rangeFrom: new Date(fromMs).toISOString(), rangeTo: new Date(toMs).toISOString(),
      firstDetectedAt: new Date(row.first_detected_at).toISOString(), lastDetectedAt: new Date(row.last_detected_at).toISOString(), isNew: row.is_new,
    });
  }
  return out;
}
