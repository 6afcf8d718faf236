import { isDirection } from './trend.js';
import { toMgdl } from './units.js';
import { VALUE_RANGE, type Source } from './model.js';
import type { IncomingReading } from './plan.js';
import type { RejectedItem } from './batch.js';

export const BULK_MAX_ITEMS = 10_000;
const FUTURE_TOLERANCE_MS = 5 * 60_000;
const ITEM_FIELDS = new Set(['measuredAt', 'value', 'unit', 'direction', 'noise', 'utcOffsetMin']);
/** ISO-8601 with a time zone designator: a time without one would be read in the server's zone. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

export interface BulkContext { source: Exclude<Source, 'manual'>; nowMs: number; horizonMs: number; device: string | null; sensorId: string | null }

const reject = (index: number, code: string, field: string, message: string): { rejected: RejectedItem } =>
  ({ rejected: { index, code, field: `readings[${index}].${field}`, message } });

/** Checks one item of a bulk upload; a bad item is reported by index and the others are still stored. */
export function readBulkItem(raw: unknown, index: number, c: BulkContext): { reading: IncomingReading } | { rejected: RejectedItem } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return reject(index, 'invalid_item', '', 'must be an object {measuredAt, value, …}');
  const item = raw as Record<string, unknown>;
  const unknown = Object.keys(item).find((k) => !ITEM_FIELDS.has(k));
  if (unknown) return reject(index, 'unknown_field', unknown, 'is not an allowed field');
  if (typeof item.measuredAt !== 'string' || !ISO_INSTANT.test(item.measuredAt) || Number.isNaN(Date.parse(item.measuredAt))) {
    return reject(index, 'invalid_timestamp', 'measuredAt', 'must be an ISO-8601 instant with Z or an offset');
  }
  const measuredAtMs = Math.floor(Date.parse(item.measuredAt) / 1000) * 1000;
  if (measuredAtMs > c.nowMs + FUTURE_TOLERANCE_MS) return reject(index, 'measured_at_in_future', 'measuredAt', 'is more than 5 minutes in the future');
  if (measuredAtMs < c.horizonMs) return reject(index, 'measured_at_too_old', 'measuredAt', 'is older than the retention period');
  if (item.unit !== undefined && item.unit !== 'mg/dL' && item.unit !== 'mmol/L') return reject(index, 'invalid_unit', 'unit', 'must be mg/dL or mmol/L');
  const { min, max } = VALUE_RANGE[c.source];
  if (typeof item.value !== 'number' || !Number.isFinite(item.value)) return reject(index, 'value_out_of_range', 'value', `must be a number from ${min} to ${max} mg/dL`);
  const value = Math.round(toMgdl(item.value, item.unit as 'mg/dL' | 'mmol/L' | undefined) * 10) / 10;
  if (value < min || value > max) return reject(index, 'value_out_of_range', 'value', `must be from ${min} to ${max} mg/dL`);
  if (item.direction !== undefined && item.direction !== null && !isDirection(item.direction)) return reject(index, 'invalid_direction', 'direction', 'is not a Nightscout direction');
  if (item.noise !== undefined && item.noise !== null && !(Number.isInteger(item.noise) && (item.noise as number) >= 0 && (item.noise as number) <= 4)) {
    return reject(index, 'invalid_noise', 'noise', 'must be an integer from 0 to 4');
  }
  if (item.utcOffsetMin !== undefined && item.utcOffsetMin !== null && !(Number.isInteger(item.utcOffsetMin) && Math.abs(item.utcOffsetMin as number) <= 840)) {
    return reject(index, 'invalid_utc_offset', 'utcOffsetMin', 'must be whole minutes from -840 to 840');
  }
  return {
    reading: {
      index, source: c.source, measuredAtMs, value,
      direction: (item.direction as IncomingReading['direction']) ?? null,
      noise: (item.noise as number | undefined) ?? null,
      utcOffsetMin: (item.utcOffsetMin as number | undefined) ?? null,
      device: c.device, sensorId: c.sensorId,
    },
  };
}
