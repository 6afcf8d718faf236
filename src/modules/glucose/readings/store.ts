import { sql } from 'kysely';
import type { Tx } from '../../../platform/db/transaction.js';
import { HttpError } from '../../../platform/http/errors.js';
import type { GlucoseServices } from '../services.js';
import { fromRow, READING_COLUMNS, type ReadingRow, type StoredReading } from './model.js';
import { delta5, planIngest, type CurrentSensor, type IncomingReading, type IngestPlan, type PlannedReading } from './plan.js';
import { TREND_WINDOW_MS } from './trend.js';

export interface StoreOutcome extends IngestPlan {
  /** The newest reading this request inserted, with its Δ5, or undefined when nothing was new. */
  newest?: PlannedReading & { delta5: number | null };
  known: StoredReading[];
}

/** Serialises writers of one patient's readings: dedup, spacing and the daily cap hold under concurrent requests. */
export const lockPatientReadings = (tx: Tx, patientId: string) =>
  sql`select pg_advisory_xact_lock(hashtextextended(${`glucose.readings:${patientId}`}, 0))`.execute(tx);

const isStorageFailure = (err: unknown): boolean => {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('23')) return /no partition of relation/.test(err.message);
  return typeof code === 'string' || /connect|terminat|timeout/i.test(err.message);
};

/**
 * Runs an ingest in one transaction holding the patient's readings lock, after making sure the months it writes
 * into have partitions. A storage failure rolls everything back and answers 503 with Retry-After: the client
 * retries with the same Idempotency-Key and deduplication keeps the retry from storing anything twice.
 */
export async function ingestTransaction<T>(svc: GlucoseServices, patientId: string, spanMs: [number, number] | null, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (spanMs) await svc.partitions.ensure('readings', spanMs[0], spanMs[1]);
      return await svc.ctx.db.transaction().execute(async (tx) => {
        await lockPatientReadings(tx, patientId);
        return work(tx);
      });
    } catch (err) {
      if (err instanceof HttpError || !isStorageFailure(err)) throw err;
      // A month dropped by retention in another process: this one believed it existed. Create it and go again.
      if (/no partition of relation/.test((err as Error).message)) {
        svc.partitions.forget();
        if (attempt === 1) continue;
      }
      svc.ctx.log.error({ err, patientId }, 'glucose: readings could not be stored');
      throw new HttpError(503, 'storage_unavailable', 'The readings could not be stored just now; nothing was kept. Retry with the same Idempotency-Key.', undefined, { 'retry-after': '2' });
    }
  }
}

/** Stored readings of the patient (deleted included) from `fromMs` to `toMs`, oldest first, optionally of some sources. */
export async function readingsAround(tx: Tx, patientId: string, fromMs: number, toMs: number, sources?: string[]): Promise<StoredReading[]> {
  const { rows } = await sql<ReadingRow>`
    select ${sql.raw(READING_COLUMNS)} from glucose.readings
    where patient_id = ${patientId} and measured_at >= ${new Date(fromMs).toISOString()}::timestamptz and measured_at <= ${new Date(toMs).toISOString()}::timestamptz
      ${sources ? sql`and source = any(${sources}::text[])` : sql``}
    order by measured_at, source`.execute(tx);
  return rows.map(fromRow);
}

/**
 * What deduplication and trend rates need, in one round trip: the stored readings around the batch and, for CGM,
 * the sensor readings attach to.
 */
async function ingestContext(tx: Tx, patientId: string, fromMs: number, toMs: number, sources: string[], withSensor: boolean) {
  const { rows } = await sql<ReadingRow & { cur_sensor_id: string | null; cur_sensor_status: string | null; cur_sensor_warmup: Date | null }>`
    select s.id as cur_sensor_id, s.status as cur_sensor_status, s.warmup_ends_at as cur_sensor_warmup, r.*
    from (select 1) as one
    left join lateral (select id, status, warmup_ends_at from glucose.sensors
                       where patient_id = ${patientId} and status in ('warming_up', 'active', 'disconnected') limit 1) as s on ${withSensor}::boolean
    left join lateral (select ${sql.raw(READING_COLUMNS)} from glucose.readings
                       where patient_id = ${patientId} and measured_at >= ${new Date(fromMs).toISOString()}::timestamptz
                         and measured_at <= ${new Date(toMs).toISOString()}::timestamptz and source = any(${sources}::text[])) as r on true
    order by r.measured_at, r.source`.execute(tx);
  const first = rows[0];
  const sensor: CurrentSensor | undefined = first?.cur_sensor_id
    ? { id: first.cur_sensor_id, status: first.cur_sensor_status!, warmupEndsAtMs: first.cur_sensor_warmup ? new Date(first.cur_sensor_warmup).getTime() : null }
    : undefined;
  return { known: rows.filter((r) => r.id !== null).map(fromRow), sensor };
}

/** The upload this batch is part of, recorded in the same statement as its readings. */
export interface BatchRecord { id: string; channel: 'api' | 'nightscout_v1' | 'nightscout_v3'; app: string | null; received: number; rejected: number }

function batchInsert(patientId: string, batch: BatchRecord, inserted: PlannedReading[], duplicates: number) {
  const first = inserted[0];
  const last = inserted[inserted.length - 1];
  return sql`
    insert into glucose.upload_batches (id, patient_id, channel, app, item_count, inserted, duplicates, rejected, first_measured_at, last_measured_at)
    values (${batch.id}, ${patientId}, ${batch.channel}, ${batch.app}, ${batch.received}, ${inserted.length}, ${duplicates}, ${batch.rejected},
      ${first ? iso(first.measuredAtMs) : null}::timestamptz, ${last ? iso(last.measuredAtMs) : null}::timestamptz)`;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Deduplicates and stores readings inside the caller's ingest transaction, then keeps what depends on them in
 * step: the latest reading, the dirty days of `daily_stats`, and the current sensor's last reading. Multi-row:
 * one INSERT for the whole batch, no per-row triggers.
 */
export async function storeReadings(tx: Tx, patientId: string, incoming: IncomingReading[], batch: BatchRecord | null): Promise<StoreOutcome> {
  const batchId = batch?.id ?? null;
  if (incoming.length === 0) {
    if (batch) await batchInsert(patientId, batch, [], 0).execute(tx);
    return { toInsert: [], duplicates: [], known: [] };
  }
  let min = Infinity; let max = -Infinity;
  for (const r of incoming) { if (r.measuredAtMs < min) min = r.measuredAtMs; if (r.measuredAtMs > max) max = r.measuredAtMs; }
  const hasCgm = incoming.some((r) => r.source === 'cgm');
  const sources = [...new Set(incoming.map((r) => r.source))];
  const { known, sensor } = await ingestContext(tx, patientId, min - TREND_WINDOW_MS, max + 60_000, sources, hasCgm);
  const plan = planIngest(known, incoming, sensor);
  if (plan.toInsert.length === 0) {
    if (batch) await batchInsert(patientId, batch, [], plan.duplicates.length).execute(tx);
    return { ...plan, known };
  }

  const newestPlanned = plan.toInsert[plan.toInsert.length - 1];
  const candidates = [
    ...known.map((k) => ({ source: k.source, t: k.measuredAt.getTime(), v: k.value, deleted: k.deleted })),
    ...plan.toInsert.map((p) => ({ source: p.source, t: p.measuredAtMs, v: p.value })),
  ];
  const newest = { ...newestPlanned, delta5: delta5(newestPlanned, candidates) };
  const newestCgm = [...plan.toInsert].reverse().find((r) => r.source === 'cgm');
  const rows = plan.toInsert.map((r) => ({
    id: r.id, measured_at: iso(r.measuredAtMs), source: r.source, value_mgdl: r.value, direction: r.direction, trend_rate: r.trendRate,
    context: r.context ?? null, notes: r.notes ?? null, sensor_id: r.sensorId ?? null, device: r.device ?? null, noise: r.noise ?? null,
    utc_offset_min: r.utcOffsetMin ?? null, flags: r.flags, raw: r.raw ?? null, entered_by: r.enteredBy ?? null, client_id: r.clientId ?? null,
  }));
  // One statement: the readings, the latest reading and the dirty days (data-modifying CTEs all run to completion).
  const { rows: [written] } = await sql<{ inserted: number }>`
    with inserted as (
      insert into glucose.readings (id, patient_id, measured_at, source, value_mgdl, direction, trend_rate, context, notes, sensor_id,
        device, noise, utc_offset_min, flags, raw, entered_by, upload_batch_id, client_id)
      select r.id, ${patientId}::uuid, r.measured_at, r.source, r.value_mgdl, r.direction, r.trend_rate, r.context, r.notes, r.sensor_id,
        r.device, r.noise, r.utc_offset_min, r.flags, r.raw, r.entered_by, ${batchId}::uuid, r.client_id
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, measured_at timestamptz, source text, value_mgdl numeric,
        direction text, trend_rate numeric, context text, notes text, sensor_id uuid, device text, noise smallint, utc_offset_min smallint,
        flags text[], raw jsonb, entered_by uuid, client_id text)
      on conflict do nothing
      returning 1),
    latest as (${upsertLatest(patientId, newest, newestCgm?.measuredAtMs ?? null)}),
    days as (${markDaysDirty(patientId, plan.toInsert.map((r) => r.measuredAtMs), newestCgm !== undefined)})
    ${batch ? sql`, batch as (${batchInsert(patientId, batch, plan.toInsert, plan.duplicates.length)})` : sql``}
    select (select count(*) from inserted)::int as inserted`.execute(tx);
  if (written.inserted !== plan.toInsert.length) {
    // Every writer holds the patient lock, so this means one did not: refuse rather than guess which rows are whose.
    throw Object.assign(new Error('readings of this patient were written concurrently without the patient lock'), { code: 'glucose_concurrent_write' });
  }
  if (newestCgm?.sensorId) await touchSensor(tx, newestCgm.sensorId, newestCgm.measuredAtMs);
  return { ...plan, newest, known };
}

function upsertLatest(patientId: string, r: PlannedReading & { delta5: number | null }, lastCgmMs: number | null) {
  const newer = sql.raw('excluded.measured_at >= glucose.latest_readings.measured_at');
  const pick = (column: string) => sql.raw(`${column} = case when excluded.measured_at >= glucose.latest_readings.measured_at then excluded.${column} else glucose.latest_readings.${column} end`);
  return sql`
    insert into glucose.latest_readings (patient_id, reading_id, measured_at, value_mgdl, source, direction, trend_rate, delta5, flags, sensor_id, last_cgm_at)
    values (${patientId}, ${r.id}, ${iso(r.measuredAtMs)}::timestamptz, ${r.value}, ${r.source}, ${r.direction}, ${r.trendRate}, ${r.delta5},
      ${r.flags}::text[], ${r.sensorId ?? null}, ${lastCgmMs === null ? null : iso(lastCgmMs)}::timestamptz)
    on conflict (patient_id) do update set
      ${pick('reading_id')}, ${pick('value_mgdl')}, ${pick('source')}, ${pick('direction')}, ${pick('trend_rate')}, ${pick('delta5')},
      ${pick('flags')}, ${pick('sensor_id')},
      measured_at = case when ${newer} then excluded.measured_at else glucose.latest_readings.measured_at end,
      last_cgm_at = greatest(glucose.latest_readings.last_cgm_at, excluded.last_cgm_at),
      updated_at = now()`;
}

/** The days (in the patient's zone) whose aggregates the rollup job must recompute; a day already dirty is left untouched. */
function markDaysDirty(patientId: string, times: number[], cgm: boolean) {
  // Every zone offset is a multiple of 15 minutes, so one instant per UTC quarter-hour names every local day touched.
  const quarters = [...new Set(times.map((t) => Math.floor(t / 900_000) * 900_000))].map(iso);
  return sql`
    insert into glucose.daily_stats (patient_id, local_date, basis, dirty)
    select ${patientId}::uuid, d.local_date, b.basis, true
    from (
      select distinct (q at time zone z.zone)::date as local_date
      from unnest(${quarters}::timestamptz[]) as q,
        (select coalesce((select timezone from glucose.patient_settings where patient_id = ${patientId}),
                         (select time_zone from platform.users where id = ${patientId}), 'UTC') as zone) as z
    ) d cross join unnest(${cgm ? ['all', 'cgm'] : ['all']}::text[]) as b(basis)
    on conflict (patient_id, local_date, basis) do update set dirty = true, updated_at = now() where not glucose.daily_stats.dirty`;
}

/** A CGM reading brings a warming-up sensor whose warm-up is over, or a disconnected one, back to active. */
async function touchSensor(tx: Tx, sensorId: string, atMs: number) {
  const at = iso(atMs);
  const { rows } = await sql<{ previous: string; status: string; patient_id: string }>`
    with before as (select status from glucose.sensors where id = ${sensorId})
    update glucose.sensors s set
      last_reading_at = greatest(s.last_reading_at, ${at}::timestamptz),
      status = case
        when s.status = 'disconnected' then 'active'
        when s.status = 'warming_up' and s.warmup_ends_at <= ${at}::timestamptz then 'active'
        else s.status end,
      updated_at = now()
    where s.id = ${sensorId}
    returning (select status from before) as previous, s.status, s.patient_id`.execute(tx);
  const row = rows[0];
  if (row && row.previous !== row.status) {
    await tx.insertInto('glucose.sensor_events').values({
      sensor_id: sensorId, patient_id: row.patient_id, at, event: row.previous === 'disconnected' ? 'reconnected' : 'warmup_complete', payload: null,
    }).execute();
  }
}
