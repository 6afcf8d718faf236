import { badRequest } from '../../../platform/http/errors.js';
import { isNightscoutGeneratedId, nightscoutId } from '../readings/ids.js';

/** Uploaders send times as ms epochs, numeric strings or ISO-8601 strings (with `Z`, `+02:00` or `+0200`). */
export function parseTime(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 946_684_800_000 ? Math.floor(value) : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d{12,14}$/.test(value)) return parseTime(Number(value));
  // A `+` in a query string arrives as a space.
  const ms = Date.parse(value.replace(/ (\d{2}:?\d{2})$/, '+$1'));
  return Number.isNaN(ms) || ms <= 946_684_800_000 ? undefined : ms;
}

/** The UTC offset (minutes) an ISO string carries, if any. */
export function offsetOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (/Z$/i.test(value)) return 0;
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(value.replace(/ (\d{2}:?\d{2})$/, '+$1'));
  if (!m || !/T|\s\d{2}:/.test(value)) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

/** The id an uploader gave a record (`_id`, `identifier` or `syncIdentifier`), kept to answer lookups by it. */
export function clientIdOf(doc: Record<string, unknown>): string | null {
  for (const key of ['_id', 'identifier', 'syncIdentifier']) {
    const v = doc[key];
    if (typeof v === 'string' && v.length > 0 && v.length <= 64) return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return null;
}

/** `_id` on output: the uploader's id when it sent one, else the first 24 hex digits of Atrium's UUIDv7. */
export const outputId = (id: string, clientId: string | null) => clientId ?? nightscoutId(id);

export { isNightscoutGeneratedId };

export type FindOp = '$gte' | '$gt' | '$lte' | '$lt';
export const SQL_OP: Record<FindOp | '$eq', string> = { $gte: '>=', $gt: '>', $lte: '<=', $lt: '<', $eq: '=' };

export interface FindCondition { field: string; op: FindOp | '$eq'; value: string }

const FIND = /^find\[([A-Za-z_]+)\](?:\[(\$[a-z]+)\])?$/;

/**
 * Reads `find[field][$op]=value` parameters (API v1). `fields` maps each supported field to whether it takes
 * range operators or only equality; anything else is refused with 400 `unsupported_filter` rather than being
 * silently ignored (which would return unfiltered data).
 */
export function parseFind(query: Record<string, unknown>, fields: Record<string, 'range' | 'eq'>): FindCondition[] {
  const out: FindCondition[] = [];
  for (const [key, raw] of Object.entries(query)) {
    if (!key.startsWith('find[')) continue;
    const m = FIND.exec(key);
    const kind = m ? fields[m[1]] : undefined;
    const op = (m?.[2] ?? '$eq') as FindCondition['op'];
    const allowed = kind === 'range' ? ['$gte', '$gt', '$lte', '$lt', '$eq'] : ['$eq'];
    if (!m || !kind || !allowed.includes(op)) {
      throw badRequest('unsupported_filter', `The filter ${key} is not supported; supported: ${Object.entries(fields).map(([f, k]) => (k === 'range' ? `find[${f}][$gte|$gt|$lte|$lt]` : `find[${f}]`)).join(', ')}.`,
        [{ path: `query.${key}`, message: 'is not a supported filter' }]);
    }
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    out.push({ field: m[1], op, value: String(value) });
  }
  return out;
}

/** `count` as uploaders send it: a default when absent or unreadable, capped at `max`. */
export function countOf(raw: unknown, fallback: number, max: number): number {
  const value = Number(Array.isArray(raw) ? raw[raw.length - 1] : raw);
  if (!Number.isFinite(value) || value < 1) return fallback;
  return Math.min(Math.floor(value), max);
}

export const FOUR_DAYS_MS = 4 * 86_400_000;

/** One object or an array of them, as Nightscout accepts on POST. */
export function documentsOf(body: unknown, max: number): Record<string, unknown>[] {
  const docs = Array.isArray(body) ? body : [body];
  if (docs.length > max) throw badRequest('batch_too_large', `At most ${max} documents per request.`, [{ path: 'body', message: `must have at most ${max} items` }]);
  if (docs.length === 0) return [];
  return docs.map((d) => (typeof d === 'object' && d !== null && !Array.isArray(d) ? d as Record<string, unknown> : {}));
}
