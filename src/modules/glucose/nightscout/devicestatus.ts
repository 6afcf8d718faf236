import { sql } from 'kysely';
import type { Db } from '../../../platform/db/pool.js';
import type { Tx } from '../../../platform/db/transaction.js';
import { recordAudit, type AuditActor } from '../../../platform/audit/writer.js';
import type { GlucoseServices } from '../services.js';
import { uuidV7At, isNightscoutGeneratedId, uuidRangeOfNightscoutId } from '../readings/ids.js';
import { clientIdOf, outputId, parseTime, SQL_OP, type FindCondition } from './format.js';
import { patientZone } from '../patients/zone.js';
import { localDay } from '../notices.js';

export interface DeviceStatusRow { id: string; patient_id: string; created_at: Date; device: string; client_id: string | null; app: string | null; doc: Record<string, unknown>; received_at: Date }

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
const path = (doc: Record<string, unknown>, ...keys: string[]): unknown =>
  keys.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), doc);
const pct = (v: number | null) => (v === null ? null : Math.max(0, Math.min(100, Math.round(v))));

/** What the devices page and `current` need from a status document (xDrip+, Loop, AndroidAPS/OpenAPS shapes). */
export function uploaderFields(doc: Record<string, unknown>) {
  const iob = num(path(doc, 'openaps', 'iob', 'iob')) ?? num(path(doc, 'loop', 'iob', 'iob'));
  const cob = num(path(doc, 'openaps', 'suggested', 'COB')) ?? num(path(doc, 'loop', 'cob', 'cob'));
  return {
    uploaderBatteryPct: pct(num(doc.uploaderBattery) ?? num(path(doc, 'uploader', 'battery'))),
    pumpReservoirU: num(path(doc, 'pump', 'reservoir')),
    pumpBatteryPct: pct(num(path(doc, 'pump', 'battery', 'percent'))),
    loopIobU: iob,
    loopCobG: cob,
  };
}

export const toDeviceStatusDoc = (row: DeviceStatusRow, v3 = false): Record<string, unknown> => {
  const id = outputId(row.id, row.client_id);
  const out: Record<string, unknown> = { ...row.doc, _id: id, created_at: new Date(row.created_at).toISOString(), ...(row.device ? { device: row.device } : {}) };
  if (v3) Object.assign(out, { identifier: id, date: new Date(row.created_at).getTime(), srvModified: new Date(row.received_at).getTime(), srvCreated: new Date(row.received_at).getTime(), isValid: true });
  return out;
};

export interface StatusOutcome { rows: DeviceStatusRow[]; created: boolean[] }

/**
 * Stores status documents raw (deduplicated on created_at + device) and keeps `uploader_status` at the newest
 * one; announces `uploader.updated` on the patient's devices topic.
 */
export async function storeDeviceStatus(svc: GlucoseServices, patientId: string, docs: Record<string, unknown>[], options: { app: string | null; actor: AuditActor }): Promise<StatusOutcome> {
  const now = Date.now();
  const items = docs.map((doc) => {
    const at = parseTime(doc.created_at) ?? parseTime(doc.date) ?? now;
    const { _id: _ignored, ...rest } = doc;
    return { at, device: typeof doc.device === 'string' ? doc.device.slice(0, 100) : '', clientId: clientIdOf(doc), doc: { ...rest, created_at: new Date(at).toISOString() } };
  });
  if (items.length) await svc.partitions.ensure('device_status', Math.min(...items.map((i) => i.at)), Math.max(...items.map((i) => i.at)));
  const outcome = await svc.ctx.db.transaction().execute(async (tx) => {
    const rows: DeviceStatusRow[] = [];
    const created: boolean[] = [];
    for (const item of items) {
      const inserted = await sql<DeviceStatusRow>`
        insert into glucose.device_status (id, patient_id, created_at, device, client_id, app, doc)
        values (${uuidV7At(item.at)}, ${patientId}, ${new Date(item.at).toISOString()}::timestamptz, ${item.device}, ${item.clientId}, ${options.app}, ${JSON.stringify(item.doc)}::jsonb)
        on conflict (patient_id, created_at, device) do nothing returning *`.execute(tx);
      if (inserted.rows[0]) { rows.push(inserted.rows[0]); created.push(true); continue; }
      const existing = await sql<DeviceStatusRow>`select * from glucose.device_status where patient_id = ${patientId}
        and created_at = ${new Date(item.at).toISOString()}::timestamptz and device = ${item.device}`.execute(tx);
      rows.push(existing.rows[0]);
      created.push(false);
    }
    const newest = items.map((item, i) => ({ item, created: created[i] })).filter((x) => x.created).sort((a, b) => b.item.at - a.item.at)[0];
    if (newest) {
      await updateUploaderStatus(tx, patientId, newest.item.doc, newest.item.device, newest.item.at);
      await warnLowBattery(svc, tx, patientId, newest.item.doc, newest.item.device, newest.item.at);
    }
    await recordAudit(tx, options.actor, {
      action: 'glucose.devicestatus.uploaded', entity: 'glucose.device_status', entityId: patientId,
      diff: { patientId, role: 'uploader', app: options.app, received: docs.length, created: created.filter(Boolean).length },
    });
    return { rows, created, newest };
  });
  if (outcome.newest) {
    const f = uploaderFields(outcome.newest.item.doc);
    try {
      await svc.ctx.realtime.publish(`glucose.devices:${patientId}`, 'uploader.updated', {
        uploaderBatteryPct: f.uploaderBatteryPct, pumpReservoirU: f.pumpReservoirU, loopIobU: f.loopIobU, loopCobG: f.loopCobG,
        reportedAt: new Date(outcome.newest.item.at).toISOString(),
      });
    } catch (err) {
      svc.ctx.log.warn({ err, patientId }, 'glucose: uploader.updated not published');
    }
  }
  return { rows: outcome.rows, created: outcome.created };
}

/** Uploader battery at ≤ 20 % and at ≤ 10 %: one notice each per local day (§4.2.6). */
async function warnLowBattery(svc: GlucoseServices, tx: Tx, patientId: string, doc: Record<string, unknown>, device: string, atMs: number) {
  const percent = uploaderFields(doc).uploaderBatteryPct;
  if (percent === null || percent > 20 || Date.now() - atMs > 30 * 60_000) return;
  const level = percent <= 10 ? 10 : 20;
  const day = localDay(await patientZone(tx, patientId));
  await svc.ctx.notify.send({
    to: { userId: patientId }, template: 'glucose.uploader_battery_low', data: { percent, device: device || null },
    dedupKey: `glucose.uploader-battery:${patientId}:${level}:${day}`,
  }, { db: tx });
}

async function updateUploaderStatus(tx: Tx, patientId: string, doc: Record<string, unknown>, device: string, atMs: number) {
  const f = uploaderFields(doc);
  const at = new Date(atMs).toISOString();
  const loopAt = f.loopIobU !== null || f.loopCobG !== null ? at : null;
  await sql`
    insert into glucose.uploader_status (patient_id, device, uploader_battery_pct, pump_reservoir_u, pump_battery_pct, loop_iob_u, loop_cob_g, loop_reported_at, reported_at)
    values (${patientId}, ${device || null}, ${f.uploaderBatteryPct}, ${f.pumpReservoirU}, ${f.pumpBatteryPct}, ${f.loopIobU}, ${f.loopCobG}, ${loopAt}::timestamptz, ${at}::timestamptz)
    on conflict (patient_id) do update set
      device = coalesce(excluded.device, glucose.uploader_status.device),
      uploader_battery_pct = coalesce(excluded.uploader_battery_pct, glucose.uploader_status.uploader_battery_pct),
      pump_reservoir_u = coalesce(excluded.pump_reservoir_u, glucose.uploader_status.pump_reservoir_u),
      pump_battery_pct = coalesce(excluded.pump_battery_pct, glucose.uploader_status.pump_battery_pct),
      loop_iob_u = case when excluded.loop_reported_at is not null then excluded.loop_iob_u else glucose.uploader_status.loop_iob_u end,
      loop_cob_g = case when excluded.loop_reported_at is not null then excluded.loop_cob_g else glucose.uploader_status.loop_cob_g end,
      loop_reported_at = coalesce(excluded.loop_reported_at, glucose.uploader_status.loop_reported_at),
      reported_at = excluded.reported_at
    where glucose.uploader_status.reported_at <= excluded.reported_at`.execute(tx);
}

export async function findDeviceStatus(db: Db, patientId: string, conditions: FindCondition[], count: number): Promise<DeviceStatusRow[]> {
  const parts = [sql`patient_id = ${patientId}`];
  for (const c of conditions) {
    const ms = parseTime(c.value);
    if (ms !== undefined) parts.push(sql`created_at ${sql.raw(SQL_OP[c.op])} ${new Date(ms).toISOString()}::timestamptz`);
  }
  const { rows } = await sql<DeviceStatusRow>`select * from glucose.device_status where ${sql.join(parts, sql` and `)} order by created_at desc limit ${count}`.execute(db);
  return rows;
}

export async function findDeviceStatusById(db: Db | Tx, patientId: string, id: string): Promise<DeviceStatusRow | undefined> {
  const range = isNightscoutGeneratedId(id) ? uuidRangeOfNightscoutId(id) : undefined;
  const { rows } = await sql<DeviceStatusRow>`select * from glucose.device_status where patient_id = ${patientId}
    and (client_id = ${id} ${range ? sql`or (client_id is null and id between ${range[0]}::uuid and ${range[1]}::uuid)` : sql``})`.execute(db);
  return rows[0];
}

/** Deletes one status document (they are snapshots; nothing derives from them but the latest status). */
export async function deleteDeviceStatus(svc: GlucoseServices, patientId: string, id: string, actor: AuditActor): Promise<boolean> {
  return svc.ctx.db.transaction().execute(async (tx) => {
    const row = await findDeviceStatusById(tx, patientId, id);
    if (!row) return false;
    await sql`delete from glucose.device_status where patient_id = ${patientId} and created_at = ${new Date(row.created_at).toISOString()}::timestamptz and device = ${row.device}`.execute(tx);
    await tx.insertInto('glucose.ns_tombstones').values({ patient_id: patientId, collection: 'devicestatus', identifier: outputId(row.id, row.client_id) })
      .onConflict((oc) => oc.columns(['patient_id', 'collection', 'identifier']).doUpdateSet({ deleted_at: new Date() })).execute();
    await recordAudit(tx, actor, { action: 'glucose.devicestatus.deleted', entity: 'glucose.device_status', entityId: row.id, diff: { patientId } });
    return true;
  });
}
