import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../../../platform/db/transaction.js';
import { conflict, badRequest } from '../../../platform/http/errors.js';
import { recordAudit, type AuditActor } from '../../../platform/audit/writer.js';
import type { GlucoseServices } from '../services.js';
import { CURRENT_STATUSES, OPEN_STATUSES, toSensorDto, type SensorRow } from './model.js';
import { notifySensor } from './notices.js';


/** The latest the start of a sensor may be back-dated: one day (a sensor inserted yesterday and registered today). */
const START_BACKDATE_MS = 24 * 3_600_000;
const START_AHEAD_MS = 60_000;

export type StopReason = 'replaced' | 'removed' | 'failed' | 'expired';

const withModel = (tx: DbOrTx) => tx.selectFrom('glucose.sensors as s').innerJoin('glucose.device_models as m', 'm.key', 's.model').selectAll('s').select('m.name as model_name');

export async function loadSensor(tx: DbOrTx, patientId: string, sensorId: string, lock = false): Promise<SensorRow | undefined> {
  let q = withModel(tx).where('s.patient_id', '=', patientId).where('s.id', '=', sensorId);
  if (lock) q = q.forUpdate('s');
  return q.executeTakeFirst();
}

async function event(tx: Tx, sensor: { id: string; patient_id: string }, name: string, at: Date, payload: Record<string, unknown> | null = null) {
  await sql`insert into glucose.sensor_events (sensor_id, patient_id, at, event, payload)
    values (${sensor.id}, ${sensor.patient_id}, ${at.toISOString()}::timestamptz, ${name}, ${payload ? JSON.stringify(payload) : null}::jsonb)
    on conflict do nothing`.execute(tx);
}

/** Register: a new sensor in `pairing` (§4.9); the model must be a CGM of the catalog. */
export async function registerSensor(tx: Tx, actor: AuditActor, patientId: string, body: { model: string; serialNumber?: string; transmitterId?: string }) {
  const model = await tx.selectFrom('glucose.device_models').selectAll().where('key', '=', body.model).executeTakeFirst();
  if (!model || model.kind !== 'cgm') {
    throw badRequest('unknown_sensor_model', `${JSON.stringify(body.model)} is not a CGM model of the catalog (GET /device-models).`, [{ path: 'body.model', message: 'must be a CGM model key' }]);
  }
  const now = new Date();
  const row = await tx.insertInto('glucose.sensors').values({
    patient_id: patientId, model: model.key, serial_number: body.serialNumber ?? null, transmitter_id: body.transmitterId ?? null,
    status: 'pairing', paired_at: now, calibration_policy: model.calibration_policy,
  }).returning('id').executeTakeFirstOrThrow();
  await event(tx, { id: row.id, patient_id: patientId }, 'paired', now, { model: model.key });
  await recordAudit(tx, actor, { action: 'glucose.sensor.registered', entity: 'glucose.sensor', entityId: row.id, diff: { patientId, model: model.key } });
  return (await loadSensor(tx, patientId, row.id))!;
}

/**
 * Start: pairing → warming_up (or straight to active when the warm-up is already over, for a back-dated start);
 * warm-up end and expiry (lifetime + grace) from the model. The patient's other current sensor ends as `replaced`.
 */
export async function startSensor(svc: GlucoseServices, tx: Tx, actor: AuditActor, sensor: SensorRow, startedAtRaw: string | undefined, nowMs = Date.now()) {
  if (sensor.status !== 'pairing') throw conflict('sensor_not_pairing', `The sensor is ${sensor.status}; only a sensor in pairing can be started.`);
  const startedAt = startedAtRaw ? new Date(startedAtRaw) : new Date(nowMs);
  if (startedAt.getTime() > nowMs + START_AHEAD_MS || startedAt.getTime() < nowMs - START_BACKDATE_MS) {
    throw badRequest('started_at_invalid', 'startedAt must be within the last 24 hours and not in the future.', [{ path: 'body.startedAt', message: 'within [now − 24 h, now + 1 min]' }]);
  }
  const model = await tx.selectFrom('glucose.device_models').selectAll().where('key', '=', sensor.model).executeTakeFirstOrThrow();
  const lifetimeH = model.lifetime_hours ?? 336;
  const warmupEnds = new Date(startedAt.getTime() + model.warmup_minutes * 60_000);
  const expires = new Date(startedAt.getTime() + (lifetimeH + model.grace_hours) * 3_600_000);
  const replaced = await tx.selectFrom('glucose.sensors').select(['id', 'patient_id']).where('patient_id', '=', sensor.patient_id)
    .where('status', 'in', [...CURRENT_STATUSES]).where('id', '<>', sensor.id).forUpdate().execute();
  for (const other of replaced) {
    await tx.updateTable('glucose.sensors').set({ status: 'ended', end_reason: 'replaced', ended_at: startedAt < new Date(nowMs) ? new Date(nowMs) : startedAt, updated_at: new Date() }).where('id', '=', other.id).execute();
    await event(tx, other, 'ended', new Date(nowMs), { reason: 'replaced', by: sensor.id });
  }
  const warm = warmupEnds.getTime() <= nowMs;
  await tx.updateTable('glucose.sensors').set({
    status: warm ? 'active' : 'warming_up', started_at: startedAt, warmup_ends_at: warmupEnds, expires_at: expires, updated_at: new Date(),
  }).where('id', '=', sensor.id).execute();
  await event(tx, sensor, 'started', startedAt, { warmupEndsAt: warmupEnds.toISOString(), expiresAt: expires.toISOString() });
  if (warm) await event(tx, sensor, 'warmup_complete', warmupEnds);
  await recordAudit(tx, actor, {
    action: 'glucose.sensor.started', entity: 'glucose.sensor', entityId: sensor.id,
    diff: { patientId: sensor.patient_id, startedAt: startedAt.toISOString(), replaced: replaced.map((r) => r.id) },
  });
  if (warm) await notifySensor(svc, tx, sensor, 'warmup_complete');
  return { sensor: (await loadSensor(tx, sensor.patient_id, sensor.id))!, replacedIds: replaced.map((r) => r.id) };
}

/** Stop: any open status → `ended` with the reason, or `failed` when the reason is failed. */
export async function stopSensor(tx: Tx, actor: AuditActor, sensor: SensorRow, reason: StopReason, nowMs = Date.now()) {
  if (!(OPEN_STATUSES as readonly string[]).includes(sensor.status)) throw conflict('sensor_already_ended', `The sensor is already ${sensor.status}.`);
  const status = reason === 'failed' ? 'failed' : 'ended';
  const at = new Date(nowMs);
  await tx.updateTable('glucose.sensors').set({ status, end_reason: reason, ended_at: at, updated_at: at }).where('id', '=', sensor.id).execute();
  await event(tx, sensor, status === 'failed' ? 'failed' : 'ended', at, { reason });
  await recordAudit(tx, actor, { action: 'glucose.sensor.stopped', entity: 'glucose.sensor', entityId: sensor.id, diff: { patientId: sensor.patient_id, reason, from: sensor.status } });
  return (await loadSensor(tx, sensor.patient_id, sensor.id))!;
}

/** Battery, signal and firmware as the app reports them; battery ≤ 20 % and ≤ 10 % notify once per sensor each. */
export async function updateSensor(svc: GlucoseServices, tx: Tx, actor: AuditActor, sensor: SensorRow, body: { batteryPct?: number; signalQuality?: number; firmwareVersion?: string }) {
  if (!(OPEN_STATUSES as readonly string[]).includes(sensor.status)) throw conflict('sensor_already_ended', `The sensor is ${sensor.status}; it can no longer be updated.`);
  const set: Record<string, unknown> = { updated_at: new Date() };
  if (body.batteryPct !== undefined) set.battery_pct = body.batteryPct;
  if (body.signalQuality !== undefined) set.signal_quality = body.signalQuality;
  if (body.firmwareVersion !== undefined) set.firmware_version = body.firmwareVersion;
  await tx.updateTable('glucose.sensors').set(set).where('id', '=', sensor.id).execute();
  await recordAudit(tx, actor, { action: 'glucose.sensor.updated', entity: 'glucose.sensor', entityId: sensor.id, diff: { patientId: sensor.patient_id, ...body } });
  if (body.batteryPct !== undefined && body.batteryPct <= 20) {
    await event(tx, sensor, 'battery_low', new Date(), { percent: body.batteryPct });
    await notifySensor(svc, tx, sensor, 'battery_low', { percent: body.batteryPct });
  }
  return (await loadSensor(tx, sensor.patient_id, sensor.id))!;
}

/** `sensor.updated` on the patient's devices topic, after commit; losing it loses nothing (the page refetches). */
export async function announceSensor(svc: GlucoseServices, sensor: SensorRow) {
  try {
    await svc.ctx.realtime.publish(`glucose.devices:${sensor.patient_id}`, 'sensor.updated', { sensor: toSensorDto(sensor) });
  } catch (err) {
    svc.ctx.log.warn({ err }, 'glucose: sensor.updated not published');
  }
}
