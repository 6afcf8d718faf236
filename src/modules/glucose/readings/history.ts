import { sql } from 'kysely';
import type { Db } from '../../../platform/db/pool.js';
import { badRequest } from '../../../platform/http/errors.js';
import { decodeCursor, encodeCursor } from '../../../platform/http/pagination.js';
import { patientZone, zoneOffsetMinutes } from '../patients/zone.js';
import { fromRow, READING_COLUMNS, toReadingDto, type ReadingRow } from './model.js';

export const GRANULARITIES = { raw: 0, '5m': 5, '15m': 15, '1h': 60 } as const;
export type Granularity = keyof typeof GRANULARITIES;

export interface HistoryQuery {
  from?: string; to?: string; granularity: Granularity; source?: 'all' | 'cgm' | 'meter' | 'manual';
  order: 'asc' | 'desc'; limit: number; cursor?: string; include?: 'markers';
}

export interface Bucket { bucketStart: string; value: number; min: number; max: number; count: number }
type HistoryItem = ReturnType<typeof toReadingDto> | Bucket;

export interface Marker { kind: 'meal' | 'insulin' | 'medication' | 'activity' | 'alert' | 'note'; id: string; at: string; label: string; value?: number }

/**
 * Where chart markers come from. Each source answers the markers of one patient in [from, to); capabilities that
 * own meals, insulin, medications, activities or alerts add theirs here.
 */
export const markerSources: ((db: Db, patientId: string, fromMs: number, toMs: number) => Promise<Marker[]>)[] = [
  async (db, patientId, fromMs, toMs) => {
    const { rows } = await sql<{ id: string; measured_at: Date; notes: string; value: number }>`
      select id, measured_at, notes, value_mgdl::float8 as value from glucose.readings
      where patient_id = ${patientId} and measured_at >= ${new Date(fromMs).toISOString()}::timestamptz
        and measured_at < ${new Date(toMs).toISOString()}::timestamptz and deleted_at is null and notes is not null
      order by measured_at limit 500`.execute(db);
    return rows.map((r) => ({ kind: 'note' as const, id: r.id, at: new Date(r.measured_at).toISOString(), label: r.notes, value: r.value }));
  },
];

const DAY = 86_400_000;
export const MAX_RANGE_MS = 90 * DAY;

export function historyWindow(q: Pick<HistoryQuery, 'from' | 'to'>, nowMs: number): { fromMs: number; toMs: number } {
  // Up to 5 minutes ahead: readings may carry a device clock that far in the future.
  const toMs = q.to ? Date.parse(q.to) : nowMs + 5 * 60_000;
  const fromMs = q.from ? Date.parse(q.from) : toMs - DAY;
  if (!(fromMs < toMs)) throw badRequest('invalid_range', '`from` must be before `to`.', [{ path: 'query.from', message: 'must be before to' }]);
  if (toMs - fromMs > MAX_RANGE_MS) throw badRequest('range_too_large', 'A history window is at most 90 days; page through longer spans.', [{ path: 'query.to', message: 'must be at most 90 days after from' }]);
  return { fromMs, toMs };
}

function rawCursor(cursor: string | undefined): [string, string] | undefined {
  const position = decodeCursor(cursor);
  if (!position) return undefined;
  const [at, source] = position;
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof source !== 'string') throw badRequest('invalid_cursor', 'The cursor is not one this API returned; start again without it.');
  return [at, source];
}

function bucketCursor(cursor: string | undefined): string | undefined {
  const position = decodeCursor(cursor);
  if (!position) return undefined;
  const [at] = position;
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) throw badRequest('invalid_cursor', 'The cursor is not one this API returned; start again without it.');
  return at;
}

/** §4.1.4: raw readings ordered by (measuredAt, source), or buckets aligned on the patient's local clock. */
export async function readingHistory(db: Db, patientId: string, q: HistoryQuery, nowMs = Date.now()) {
  const { fromMs, toMs } = historyWindow(q, nowMs);
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();
  const minutes = GRANULARITIES[q.granularity];
  const source = q.source ?? (minutes === 0 ? 'all' : 'cgm');
  const bySource = source === 'all' ? sql`` : sql`and source = ${source}`;
  const desc = q.order === 'desc';
  let items: HistoryItem[];
  let nextCursor: string | null = null;
  let spanMs: [number, number] = [fromMs, toMs];

  if (minutes === 0) {
    const after = rawCursor(q.cursor);
    const keyset = after ? sql`and (measured_at, source) ${sql.raw(desc ? '<' : '>')} (${after[0]}::timestamptz, ${after[1]})` : sql``;
    const { rows } = await sql<ReadingRow>`
      select ${sql.raw(READING_COLUMNS)} from glucose.readings
      where patient_id = ${patientId} and measured_at >= ${from}::timestamptz and measured_at < ${to}::timestamptz
        and deleted_at is null ${bySource} ${keyset}
      order by measured_at ${sql.raw(desc ? 'desc' : 'asc')}, source ${sql.raw(desc ? 'desc' : 'asc')}
      limit ${q.limit + 1}`.execute(db);
    const page = rows.slice(0, q.limit).map(fromRow);
    if (rows.length > q.limit) {
      const last = page[page.length - 1];
      nextCursor = encodeCursor([last.measuredAt.toISOString(), last.source]);
    }
    items = page.map(toReadingDto);
    if (page.length) spanMs = [Math.min(page[0].measuredAt.getTime(), page[page.length - 1].measuredAt.getTime()), Math.max(page[0].measuredAt.getTime(), page[page.length - 1].measuredAt.getTime()) + 1];
  } else {
    // Origin: local midnight at the zone's current offset, so buckets start on the patient's clock (e.g. :30 zones).
    const zone = await patientZone(db, patientId);
    const origin = new Date(-zoneOffsetMinutes(zone, nowMs) * 60_000).toISOString();
    const after = bucketCursor(q.cursor);
    const size = `${minutes} minutes`;
    const keyset = after ? (desc ? sql`and measured_at < ${after}::timestamptz` : sql`and measured_at >= ${after}::timestamptz + ${size}::interval`) : sql``;
    const { rows } = await sql<{ bucket: Date; value: number; min: number; max: number; count: number }>`
      select date_bin(${size}::interval, measured_at, ${origin}::timestamptz) as bucket, round(avg(value_mgdl), 1)::float8 as value,
        min(value_mgdl)::float8 as min, max(value_mgdl)::float8 as max, count(*)::int as count
      from glucose.readings
      where patient_id = ${patientId} and measured_at >= ${from}::timestamptz and measured_at < ${to}::timestamptz
        and deleted_at is null ${bySource} ${keyset}
      group by 1 order by 1 ${sql.raw(desc ? 'desc' : 'asc')} limit ${q.limit + 1}`.execute(db);
    const page = rows.slice(0, q.limit);
    if (rows.length > q.limit) nextCursor = encodeCursor([new Date(page[page.length - 1].bucket).toISOString()]);
    items = page.map((b) => ({ bucketStart: new Date(b.bucket).toISOString(), value: b.value, min: b.min, max: b.max, count: b.count }));
    if (page.length) {
      const times = page.map((b) => new Date(b.bucket).getTime());
      spanMs = [Math.min(...times), Math.max(...times) + minutes * 60_000];
    }
  }

  const result: { patientId: string; unit: 'mg/dL'; granularity: Granularity; from: string; to: string; items: HistoryItem[]; nextCursor: string | null; markers?: Marker[] } =
    { patientId, unit: 'mg/dL', granularity: q.granularity, from, to, items, nextCursor };
  if (q.include === 'markers') {
    const lists = await Promise.all(markerSources.map((m) => m(db, patientId, spanMs[0], spanMs[1])));
    result.markers = lists.flat().sort((a, b) => a.at.localeCompare(b.at));
  }
  return result;
}
