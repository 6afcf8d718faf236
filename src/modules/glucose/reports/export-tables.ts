import type { Metrics } from '../analytics/metrics.js';
import { analyzeGlucose } from '../analytics/metrics.js';
import { inUnit, roundHalfAway } from './display.js';
import { localDateKey, localDayStarts, localTimeText } from './local-time.js';
import type { Dataset } from './data.js';
import type { ReportReading } from './model.js';

/** One table of an export: the CSV file or XLSX sheet it becomes. */
export interface ExportTable { name: string; sheet: string; columns: string[]; rows: (string | number | boolean | null)[][]; note?: string }

type Unit = 'mg/dL' | 'mmol/L';
const r1 = (x: number | null | undefined) => (x === null || x === undefined ? null : roundHalfAway(x, 1));
const r2 = (x: number | null | undefined) => (x === null || x === undefined ? null : roundHalfAway(x, 2));

export const READING_COLUMNS = ['readingId', 'measuredAt', 'localTime', 'source', 'valueMgdl', 'value', 'unit', 'direction', 'trendRate', 'context', 'device', 'flags', 'notes'];

export function readingsTable(readings: ReportReading[], zone: string, unit: Unit): ExportTable {
  return {
    name: 'readings', sheet: 'Readings', columns: READING_COLUMNS,
    rows: readings.map((r) => [
      r.id, new Date(r.measuredAtMs).toISOString(), localTimeText(zone, r.measuredAtMs), r.source, r.value, inUnit(r.value, unit), unit,
      r.direction, r.trendRate, r.context, r.device, r.flags.join(' '), r.notes,
    ]),
  };
}

/** The Summary sheet / metrics.csv: every §5 metric of the range, rounded as the API rounds them (§4.7). */
export function summaryTable(m: Metrics, basis: string, unit: Unit): ExportTable {
  const g = (x: number | null) => (x === null ? null : inUnit(x, unit));
  const rows: [string, string | number | boolean | null, string][] = [
    ['from', m.from, 'ISO-8601'], ['to', m.to, 'ISO-8601'], ['basis', basis, ''], ['readings', m.n, 'count'],
    ['samplingIntervalMin', m.dt0Min, 'min'], ['activePct', r1(m.activePct), '%'], ['sufficient', m.sufficient, ''],
    ['mean', g(m.meanMgdl), unit], ['sd', g(m.sdMgdl), unit], ['cvPct', r1(m.cvPct), '%'], ['gmiPct', r2(m.gmiPct), '%'],
    ['below54Pct', r1(m.bands?.below54Pct), '%'], ['below70Pct', r1(m.bands?.below70Pct), '%'], ['from54to69Pct', r1(m.bands?.from54to69Pct), '%'],
    ['inRangePct', r1(m.bands?.inRangePct), '%'], ['above180Pct', r1(m.bands?.above180Pct), '%'], ['from181to250Pct', r1(m.bands?.from181to250Pct), '%'],
    ['above250Pct', r1(m.bands?.above250Pct), '%'], ['gri', r1(m.gri?.value), ''], ['griZone', m.gri?.zone ?? null, ''],
    ['lbgi', r2(m.lbgi), ''], ['hbgi', r2(m.hbgi), ''], ['mage', g(m.mage), unit], ['modd', g(m.modd), unit],
    [`conga${m.conga.hours}`, g(m.conga.value), unit],
    ['p5', g(m.percentiles?.p5 ?? null), unit], ['p25', g(m.percentiles?.p25 ?? null), unit], ['p50', g(m.percentiles?.p50 ?? null), unit],
    ['p75', g(m.percentiles?.p75 ?? null), unit], ['p95', g(m.percentiles?.p95 ?? null), unit],
    ['hypoEpisodesL1', m.episodes.hypoL1, 'count'], ['hypoEpisodesL2', m.episodes.hypoL2, 'count'],
    ['hyperEpisodesL1', m.episodes.hyperL1, 'count'], ['hyperEpisodesL2', m.episodes.hyperL2, 'count'],
  ];
  return { name: 'metrics', sheet: 'Summary', columns: ['metric', 'value', 'unit'], rows };
}

/** The Daily sheet / daily.csv: the main metrics per local day of the range. */
export function dailyTable(input: ReportReading[], basis: 'cgm' | 'manual', from: number, to: number, zone: string, unit: Unit): ExportTable {
  const starts = localDayStarts(zone, from, to);
  const rows: ExportTable['rows'] = [];
  let i = 0;
  starts.forEach((start, k) => {
    const end = Math.min(k + 1 < starts.length ? starts[k + 1] : to, to);
    const lo = Math.max(start, from);
    const day: { at: number; mgdl: number }[] = [];
    while (i < input.length && input[i].measuredAtMs < end) { if (input[i].measuredAtMs >= lo) day.push({ at: input[i].measuredAtMs, mgdl: input[i].value }); i++; }
    const m = analyzeGlucose(day, { from: lo, to: end, timeZone: zone, basis }).metrics;
    const g = (x: number | null) => (x === null ? null : inUnit(x, unit));
    rows.push([localDateKey(zone, start), m.n, r1(m.activePct), g(m.meanMgdl), g(m.sdMgdl), r1(m.cvPct), r2(m.gmiPct),
      r1(m.bands?.below54Pct), r1(m.bands?.below70Pct), r1(m.bands?.inRangePct), r1(m.bands?.above180Pct), r1(m.bands?.above250Pct), r1(m.gri?.value)]);
  });
  return {
    name: 'daily', sheet: 'Daily',
    columns: ['date', 'readings', 'activePct', `mean (${unit})`, `sd (${unit})`, 'cvPct', 'gmiPct', 'below54Pct', 'below70Pct', 'inRangePct', 'above180Pct', 'above250Pct', 'gri'],
    rows,
  };
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function cell(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(' ');
  return JSON.stringify(v);
}

/** A dataset of another capability (meals, insulin…), its columns in camelCase and values as text or numbers. */
export function datasetTable(name: string, sheet: string, data: Dataset): ExportTable {
  return {
    name, sheet, columns: data.columns.map(camel),
    rows: data.rows.map((row) => data.columns.map((c) => {
      const v = row[c];
      return typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) && /numeric|amount|_g$|_u$|_kcal$|_ml$|_min/.test(c) ? Number(v) : cell(v);
    })),
    note: data.missing,
  };
}
