import { sql } from 'kysely';
import type { Tx } from '../../../platform/db/transaction.js';
import type { Db } from '../../../platform/db/pool.js';
import type { AuditActor } from '../../../platform/audit/writer.js';
import type { GlucoseServices } from '../services.js';
import { isDirection, nightscoutTrend, type Direction } from '../readings/trend.js';
import { fromRow, READING_COLUMNS, VALUE_RANGE, type ReadingRow, type Source, type StoredReading } from '../readings/model.js';
import type { IncomingReading, PlannedReading } from '../readings/plan.js';
import { ingestBatch, type RejectedItem } from '../readings/batch.js';
import { retentionHorizonMs } from '../config.js';
import { clientIdOf, FOUR_DAYS_MS, offsetOf, outputId, parseTime, SQL_OP, type FindCondition } from './format.js';

const FUTURE_TOLERANCE_MS = 5 * 60_000;
const RAW_FIELDS = ['trend', 'delta', 'filtered', 'unfiltered', 'rssi'] as const;

/** Dexcom's special values below 39 mean a sensor state, not a glucose level. */
export const SENSOR_CODES: Record<number, string> = {
  1: 'sensor_not_active', 2: 'minimal_deviation', 3: 'no_antenna', 5: 'not_calibrated', 6: 'counts_deviation',
  9: 'absolute_deviation', 10: 'power_deviation', 12: 'bad_rf',
};

export type EntryItem =
  | { reading: IncomingReading }
  | { sensorError: { index: number; atMs: number; code: number; device: string | null } }
  | { calibration: { index: number; atMs: number; slope: number | null; intercept: number | null; scale: number | null } }
  | { rejected: RejectedItem };

const num = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

const reject = (index: number, code: string, field: string, message: string): EntryItem => ({ rejected: { index, code, field: `[${index}].${field}`, message } });

/**
 * One Nightscout entry to Atrium (§4.2.3): `sgv` is always mg/dL; `date` wins over `dateString`, which wins over
 * `sysTime`; an unknown arrow is kept in `raw` and stored as NOT COMPUTABLE; values below 39 are sensor states.
 */
export function readEntry(doc: Record<string, unknown>, index: number, nowMs: number, horizonMs: number): EntryItem {
  const type = typeof doc.type === 'string' ? doc.type : doc.sgv !== undefined ? 'sgv' : undefined;
  if (type !== 'sgv' && type !== 'mbg' && type !== 'cal') return reject(index, 'unsupported_entry_type', 'type', 'must be sgv, mbg or cal');
  const at = parseTime(doc.date) ?? parseTime(doc.dateString) ?? parseTime(doc.sysTime);
  if (at === undefined) return reject(index, 'invalid_timestamp', 'date', 'needs date (ms), dateString or sysTime');
  const atMs = Math.floor(at / 1000) * 1000;
  if (atMs > nowMs + FUTURE_TOLERANCE_MS) return reject(index, 'measured_at_in_future', 'date', 'is more than 5 minutes in the future (check the phone clock)');
  if (atMs < horizonMs) return reject(index, 'measured_at_too_old', 'date', 'is older than the retention period');
  const device = typeof doc.device === 'string' && doc.device !== '' ? doc.device.slice(0, 100) : null;

  if (type === 'cal') {
    return { calibration: { index, atMs, slope: num(doc.slope) ?? null, intercept: num(doc.intercept) ?? null, scale: num(doc.scale) ?? null } };
  }
  const source: Source = type === 'sgv' ? 'cgm' : 'meter';
  const value = num(type === 'sgv' ? doc.sgv : doc.mbg);
  if (value === undefined) return reject(index, 'value_out_of_range', type, `needs a number (mg/dL)`);
  if (source === 'cgm' && value < 39) return { sensorError: { index, atMs, code: Math.round(value), device } };
  const mgdl = source === 'cgm' ? Math.round(value) : Math.round(value * 10) / 10;
  const { min, max } = VALUE_RANGE[source];
  if (mgdl < min || mgdl > max) return reject(index, 'value_out_of_range', type, `must be from ${min} to ${max} mg/dL`);

  const raw: Record<string, unknown> = {};
  for (const key of RAW_FIELDS) if (doc[key] !== undefined) raw[key] = doc[key];
  let direction: Direction | null = null;
  if (typeof doc.direction === 'string' && doc.direction !== '') {
    if (isDirection(doc.direction)) direction = doc.direction;
    else { direction = 'NOT COMPUTABLE'; raw.direction = doc.direction; }
  }
  const noise = num(doc.noise);
  if (noise !== undefined && !(Number.isInteger(noise) && noise >= 0 && noise <= 4)) raw.noise = doc.noise;
  const utcOffset = num(doc.utcOffset);
  const offset = utcOffset !== undefined && Number.isInteger(utcOffset) && Math.abs(utcOffset) <= 840 ? utcOffset
    : parseTime(doc.date) === undefined ? offsetOf(doc.dateString) : undefined;
  const flags: IncomingReading['flags'] = source === 'cgm' && mgdl === 39 ? ['below_sensor_range'] : source === 'cgm' && mgdl > 400 ? ['above_sensor_range'] : [];
  return {
    reading: {
      index, source, measuredAtMs: atMs, value: mgdl, direction, flags, device, clientId: clientIdOf(doc),
      noise: noise !== undefined && Number.isInteger(noise) && noise >= 0 && noise <= 4 ? noise : null,
      utcOffsetMin: offset ?? null, raw: Object.keys(raw).length ? raw : null,
    },
  };
}

/** A reading as Nightscout clients expect it (§4.2.4), for v1 and (with `v3`) API v3. */
export function toEntry(r: StoredReading | (PlannedReading & { receivedAt?: Date }), v3 = false): Record<string, unknown> {
  const isStored = 'measuredAt' in r;
  const ms = isStored ? (r as StoredReading).measuredAt.getTime() : (r as PlannedReading).measuredAtMs;
  const iso = new Date(ms).toISOString();
  const value = Math.round(r.value);
  const direction = r.direction ?? null;
  const out: Record<string, unknown> = {
    _id: outputId(r.id, r.clientId ?? null),
    ...(r.source === 'cgm' ? { type: 'sgv', sgv: value } : { type: 'mbg', mbg: value }),
    date: ms, dateString: iso, sysTime: iso, mills: ms,
  };
  if (r.source === 'cgm' && direction) { out.direction = direction; out.trend = nightscoutTrend(direction); }
  out.device = r.device ?? (r.source === 'cgm' ? null : 'atrium-manual');
  if (r.noise !== null && r.noise !== undefined) out.noise = r.noise;
  if (r.utcOffsetMin !== null && r.utcOffsetMin !== undefined) out.utcOffset = r.utcOffsetMin;
  if (out.device === null) delete out.device;
  if (v3) {
    const received = (isStored ? (r as StoredReading).receivedAt : (r as { receivedAt?: Date }).receivedAt ?? new Date()).getTime();
    Object.assign(out, { identifier: out._id, srvModified: received, srvCreated: received, isValid: true, units: 'mg/dl' });
  }
  return out;
}

export interface EntriesUpload { stored: Record<string, unknown>[]; inserted: number; duplicates: number; rejected: RejectedItem[]; batchId: string }

/**
 * Stores Nightscout entries for the patient (§4.2.3): readings through the same ingest as the native bulk
 * endpoint (dedup, suspect flag, trend, alerts seam, events), sensor special values as sensor events and `cal`
 * coefficients on the current sensor — all in one transaction recorded as one upload batch.
 */
export async function uploadEntries(svc: GlucoseServices, patientId: string, docs: Record<string, unknown>[], options: { channel: 'nightscout_v1' | 'nightscout_v3'; app: string | null; actor: AuditActor }): Promise<EntriesUpload> {
  const now = Date.now();
  const horizon = retentionHorizonMs(now);
  const items = docs.map((d, i) => readEntry(d, i, now, horizon));
  const incoming = items.flatMap((i) => ('reading' in i ? [i.reading] : []));
  const sensorErrors = items.flatMap((i) => ('sensorError' in i ? [i.sensorError] : []));
  const calibrations = items.flatMap((i) => ('calibration' in i ? [i.calibration] : []));
  const rejected = items.flatMap((i) => ('rejected' in i ? [i.rejected] : []));
  const outcome = await ingestBatch(svc, patientId, incoming, {
    channel: options.channel, app: options.app, actor: options.actor, role: 'uploader', rejected: rejected.length,
    extra: async (tx) => {
      await recordSensorErrors(tx, patientId, sensorErrors);
      await applyCalibrations(tx, patientId, calibrations);
    },
  });
  const byIndex = new Map<number, StoredReading | PlannedReading>();
  for (const r of outcome.inserted) byIndex.set(r.index, r);
  for (const d of outcome.duplicates) byIndex.set(d.item.index, d.existing);
  const stored = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => toEntry(r));
  return { stored, inserted: outcome.inserted.length, duplicates: outcome.duplicatesCount, rejected, batchId: outcome.batchId };
}

async function recordSensorErrors(tx: Tx, patientId: string, errors: { atMs: number; code: number; device: string | null }[]) {
  if (errors.length === 0) return;
  const sensor = await tx.selectFrom('glucose.sensors').select('id').where('patient_id', '=', patientId)
    .where('status', 'in', ['warming_up', 'active', 'disconnected']).executeTakeFirst();
  await tx.insertInto('glucose.sensor_events').values(errors.map((e) => ({
    sensor_id: sensor?.id ?? null, patient_id: patientId, at: new Date(e.atMs), event: 'error_code',
    payload: JSON.stringify({ code: e.code, meaning: SENSOR_CODES[e.code] ?? 'unknown', device: e.device }),
  }))).onConflict((oc) => oc.columns(['patient_id', 'at', 'event']).where(sql<boolean>`event = 'error_code'`).doNothing()).execute();
}

async function applyCalibrations(tx: Tx, patientId: string, cals: { atMs: number; slope: number | null; intercept: number | null; scale: number | null }[]) {
  const latest = cals.sort((a, b) => b.atMs - a.atMs)[0];
  if (!latest) return;
  await tx.updateTable('glucose.sensors').set({ cal_slope: latest.slope ?? undefined, cal_intercept: latest.intercept ?? undefined, cal_scale: latest.scale ?? undefined, updated_at: new Date() })
    .where('patient_id', '=', patientId).where('status', 'in', ['warming_up', 'active', 'disconnected']).execute();
}

export type EntryKind = 'all' | 'sgv' | 'mbg';

/** GET entries (§4.2.4): newest first, `count` of them, the last 4 days unless a date filter says otherwise. */
export async function findEntries(db: Db, patientId: string, kind: EntryKind, conditions: FindCondition[], count: number, nowMs = Date.now()): Promise<StoredReading[]> {
  const parts = [sql`patient_id = ${patientId}`, sql`deleted_at is null`];
  if (kind === 'sgv') parts.push(sql`source = 'cgm'`);
  if (kind === 'mbg') parts.push(sql`source in ('meter', 'manual')`);
  let dated = false;
  for (const c of conditions) {
    const op = sql.raw(SQL_OP[c.op]);
    if (c.field === 'date' || c.field === 'dateString') {
      const ms = parseTime(c.field === 'date' ? Number(c.value) : c.value);
      if (ms === undefined) continue;
      dated = true;
      parts.push(sql`measured_at ${op} ${new Date(ms).toISOString()}::timestamptz`);
    } else if (c.field === 'sgv') {
      const v = Number(c.value);
      if (Number.isFinite(v)) parts.push(sql`value_mgdl ${op} ${v}`);
    } else if (c.field === 'type') {
      parts.push(c.value === 'sgv' ? sql`source = 'cgm'` : c.value === 'mbg' ? sql`source in ('meter', 'manual')` : sql`false`);
    }
  }
  if (!dated) parts.push(sql`measured_at >= ${new Date(nowMs - FOUR_DAYS_MS).toISOString()}::timestamptz`);
  const { rows } = await sql<ReadingRow>`
    select ${sql.raw(READING_COLUMNS)} from glucose.readings where ${sql.join(parts, sql` and `)}
    order by measured_at desc, source limit ${count}`.execute(db);
  return rows.map(fromRow);
}

/** Nightscout's tab- or comma-separated entries: dateString, date, value, direction, device; no header. */
export function entriesAsText(entries: Record<string, unknown>[], separator: '\t' | ','): string {
  return entries.map((e) => [e.dateString, e.date, e.sgv ?? e.mbg, e.direction ?? '', e.device ?? '']
    .map((v) => String(v).replace(/[\t,\r\n"]/g, ' ')).join(separator)).join('\n') + (entries.length ? '\n' : '');
}
