import { sql } from 'kysely';
import type { Tx } from '../../../platform/db/transaction.js';
import type { Db } from '../../../platform/db/pool.js';
import { recordAudit, type AuditActor } from '../../../platform/audit/writer.js';
import type { GlucoseServices } from '../services.js';
import { ingestTransaction } from '../readings/store.js';
import { nightscoutId, uuidRangeOfNightscoutId } from '../readings/ids.js';
import { onReadingsStored } from '../readings/hooks.js';
import { announceStored, LIVE_WINDOW_MS } from '../readings/events.js';
import type { PlannedReading } from '../readings/plan.js';
import type { RejectedItem } from '../readings/batch.js';
import { clientIdOf, FOUR_DAYS_MS, isNightscoutGeneratedId, outputId, parseTime, SQL_OP, type FindCondition } from './format.js';
import { treatmentDerivers, type Treatment } from './derive.js';

export interface TreatmentRow {
  id: string; patient_id: string; client_id: string | null; created_at: Date; event_type: string; doc: Record<string, unknown>;
  derived: Record<string, string[]>; app: string | null; srv_created: Date; srv_modified: Date; is_valid: boolean;
}

/** Time from `created_at`, else `timestamp`, else `date` (ms); without one the treatment is refused. */
export function readTreatment(doc: Record<string, unknown>, index: number): { treatment: Treatment } | { rejected: RejectedItem } {
  const at = parseTime(doc.created_at) ?? parseTime(doc.timestamp) ?? parseTime(doc.date);
  if (at === undefined) return { rejected: { index, code: 'invalid_timestamp', field: `[${index}].created_at`, message: 'needs created_at, timestamp or date' } };
  const eventType = typeof doc.eventType === 'string' ? doc.eventType.slice(0, 100) : '';
  const { _id: _ignored, ...rest } = doc;
  return { treatment: { index, doc: { ...rest, created_at: new Date(at).toISOString(), eventType }, clientId: clientIdOf(doc), occurredAtMs: at, eventType } };
}

/** A stored treatment as clients read it: the raw document with its `_id` and normalised `created_at`. */
export function toTreatmentDoc(row: TreatmentRow, v3 = false): Record<string, unknown> {
  const id = outputId(row.id, row.client_id);
  const out: Record<string, unknown> = { ...row.doc, _id: id, created_at: new Date(row.created_at).toISOString(), eventType: row.event_type };
  if (v3) {
    Object.assign(out, {
      identifier: id, date: new Date(row.created_at).getTime(), srvCreated: new Date(row.srv_created).getTime(),
      srvModified: new Date(row.srv_modified).getTime(), isValid: row.is_valid,
    });
  }
  return out;
}

/** A treatment by the `_id` a client knows: its own id, or the 24-hex id Atrium gave it. */
export async function findTreatmentById(db: Db | Tx, patientId: string, id: string, forUpdate = false): Promise<TreatmentRow | undefined> {
  const byAtriumId = isNightscoutGeneratedId(id) ? uuidRangeOfNightscoutId(id) : undefined;
  const { rows } = await sql<TreatmentRow>`
    select * from glucose.ns_treatments where patient_id = ${patientId}
      and (client_id = ${id} ${byAtriumId ? sql`or (client_id is null and id between ${byAtriumId[0]}::uuid and ${byAtriumId[1]}::uuid)` : sql``})
    ${forUpdate ? sql`for update` : sql``}`.execute(db);
  return rows[0];
}

export interface TreatmentsOutcome { rows: TreatmentRow[]; created: number; duplicates: number; rejected: RejectedItem[]; results: { row: TreatmentRow; created: boolean; deduplicated: boolean }[] }

const sameDoc = (a: Record<string, unknown>, b: Record<string, unknown>) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Stores treatments with Nightscout upsert semantics (§4.2.5): the same client id — or, without one, the same
 * (created_at, eventType) — replaces the stored document and updates what was derived from it; an unchanged
 * document is a duplicate; a deleted one stays deleted. `replace` (PUT) or `merge` (PATCH) say how to combine.
 */
export async function upsertTreatments(svc: GlucoseServices, patientId: string, docs: Record<string, unknown>[], options: { app: string | null; actor: AuditActor; channel: string; mode?: 'upsert' | 'merge' }): Promise<TreatmentsOutcome> {
  const now = Date.now();
  const items = docs.map((d, i) => readTreatment(d, i));
  const treatments = items.flatMap((i) => ('treatment' in i ? [i.treatment] : []));
  const rejected = items.flatMap((i) => ('rejected' in i ? [i.rejected] : []));
  const times = treatments.map((t) => t.occurredAtMs);
  const storedReadings: PlannedReading[] = [];
  const results = await ingestTransaction(svc, patientId, times.length ? [Math.min(...times), Math.max(...times)] : null, async (tx) => {
    const out: TreatmentsOutcome['results'] = [];
    for (const treatment of treatments) out.push(await upsertOne(svc, tx, patientId, treatment, options, storedReadings));
    const newest = storedReadings.sort((a, b) => a.measuredAtMs - b.measuredAtMs).at(-1);
    if (newest) {
      await onReadingsStored({ svc, tx, patientId, inserted: storedReadings, newest: { ...newest, delta5: null }, live: newest.measuredAtMs >= now - LIVE_WINDOW_MS });
    }
    await recordAudit(tx, options.actor, {
      action: 'glucose.treatments.uploaded', entity: 'glucose.ns_treatments', entityId: patientId,
      diff: { patientId, role: 'uploader', channel: options.channel, app: options.app, received: docs.length, created: out.filter((r) => r.created).length, rejected: rejected.length },
    });
    return out;
  });
  const newest = storedReadings.at(-1);
  await announceStored(svc, patientId, storedReadings, newest && { ...newest, delta5: null }, now);
  await announceSensors(svc, patientId, results.filter((r) => !r.deduplicated).flatMap((r) => r.row.derived.sensors ?? []));
  return {
    rows: results.map((r) => r.row), results, rejected,
    created: results.filter((r) => r.created).length, duplicates: results.filter((r) => r.deduplicated).length,
  };
}

/** `sensor.updated` on the patient's devices topic for sensors a treatment started or ended (after commit). */
async function announceSensors(svc: GlucoseServices, patientId: string, sensorIds: string[]) {
  if (sensorIds.length === 0) return;
  const sensors = await svc.ctx.db.selectFrom('glucose.sensors').select(['id', 'model', 'status', 'started_at', 'warmup_ends_at', 'expires_at', 'ended_at', 'end_reason'])
    .where('id', 'in', [...new Set(sensorIds)]).execute();
  for (const s of sensors) {
    const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
    try {
      await svc.ctx.realtime.publish(`glucose.devices:${patientId}`, 'sensor.updated', {
        sensor: { id: s.id, model: s.model, status: s.status, startedAt: iso(s.started_at), warmupEndsAt: iso(s.warmup_ends_at), expiresAt: iso(s.expires_at), endedAt: iso(s.ended_at), endReason: s.end_reason },
      });
    } catch (err) {
      svc.ctx.log.warn({ err, patientId }, 'glucose: sensor.updated not published');
    }
  }
}

async function upsertOne(svc: GlucoseServices, tx: Tx, patientId: string, t: Treatment, options: { app: string | null; mode?: 'upsert' | 'merge' }, storedReadings: PlannedReading[]) {
  const existing = t.clientId
    ? await findTreatmentById(tx, patientId, t.clientId, true)
    : (await sql<TreatmentRow>`select * from glucose.ns_treatments where patient_id = ${patientId} and client_id is null
        and created_at = ${new Date(t.occurredAtMs).toISOString()}::timestamptz and event_type = ${t.eventType} for update`.execute(tx)).rows[0];
  if (existing && !existing.is_valid) return { row: existing, created: false, deduplicated: true };
  const doc = existing && options.mode === 'merge' ? { ...existing.doc, ...t.doc } : t.doc;
  if (existing && sameDoc(existing.doc, doc)) return { row: existing, created: false, deduplicated: true };
  const clientId = existing ? existing.client_id : t.clientId;
  const occurredAt = parseTime(doc.created_at) ?? t.occurredAtMs;
  const eventType = typeof doc.eventType === 'string' ? doc.eventType : t.eventType;
  const { rows } = existing
    ? await sql<TreatmentRow>`update glucose.ns_treatments set doc = ${JSON.stringify(doc)}::jsonb, created_at = ${new Date(occurredAt).toISOString()}::timestamptz,
        event_type = ${eventType}, app = coalesce(${options.app}, app), srv_modified = now() where id = ${existing.id} returning *`.execute(tx)
    : await sql<TreatmentRow>`insert into glucose.ns_treatments (patient_id, client_id, created_at, event_type, doc, app)
        values (${patientId}, ${clientId}, ${new Date(occurredAt).toISOString()}::timestamptz, ${eventType}, ${JSON.stringify(doc)}::jsonb, ${options.app}) returning *`.execute(tx);
  const row = rows[0];
  const derived: Record<string, string[]> = {};
  for (const deriver of treatmentDerivers) {
    const previous = existing?.derived[deriver.kind] ?? [];
    const ids = await deriver.derive({ svc, tx, patientId, treatment: { ...t, doc, occurredAtMs: occurredAt, eventType }, previous, storedReadings, rowId: row.id });
    const gone = previous.filter((id) => !ids.includes(id));
    if (gone.length) await deriver.remove(tx, patientId, gone);
    if (ids.length) derived[deriver.kind] = ids;
  }
  const final = await sql<TreatmentRow>`update glucose.ns_treatments set derived = ${JSON.stringify(derived)}::jsonb where id = ${row.id} returning *`.execute(tx);
  return { row: final.rows[0], created: !existing, deduplicated: false };
}

/** Soft-deletes a treatment and what was derived from it; answers whether there was one. */
export async function deleteTreatment(svc: GlucoseServices, patientId: string, id: string, actor: AuditActor): Promise<boolean> {
  return ingestTransaction(svc, patientId, null, async (tx) => {
    const row = await findTreatmentById(tx, patientId, id, true);
    if (!row || !row.is_valid) return false;
    for (const deriver of treatmentDerivers) await deriver.remove(tx, patientId, row.derived[deriver.kind] ?? []);
    await tx.updateTable('glucose.ns_treatments').set({ is_valid: false, srv_modified: new Date() }).where('id', '=', row.id).execute();
    await tx.insertInto('glucose.ns_tombstones').values({ patient_id: patientId, collection: 'treatments', identifier: outputId(row.id, row.client_id) })
      .onConflict((oc) => oc.columns(['patient_id', 'collection', 'identifier']).doUpdateSet({ deleted_at: new Date() })).execute();
    await recordAudit(tx, actor, { action: 'glucose.treatment.deleted', entity: 'glucose.ns_treatment', entityId: row.id, diff: { patientId, eventType: row.event_type } });
    return true;
  });
}

/** GET treatments (§4.2.5): newest first; last 4 days without a created_at filter. */
export async function findTreatments(db: Db, patientId: string, conditions: FindCondition[], count: number, nowMs = Date.now()): Promise<TreatmentRow[]> {
  const parts = [sql`patient_id = ${patientId}`, sql`is_valid`];
  let dated = false;
  for (const c of conditions) {
    if (c.field === 'created_at') {
      const ms = parseTime(c.value);
      if (ms === undefined) continue;
      dated = true;
      parts.push(sql`created_at ${sql.raw(SQL_OP[c.op])} ${new Date(ms).toISOString()}::timestamptz`);
    } else if (c.field === 'eventType') {
      parts.push(sql`event_type = ${c.value}`);
    }
  }
  if (!dated) parts.push(sql`created_at >= ${new Date(nowMs - FOUR_DAYS_MS).toISOString()}::timestamptz`);
  const { rows } = await sql<TreatmentRow>`select * from glucose.ns_treatments where ${sql.join(parts, sql` and `)} order by created_at desc limit ${count}`.execute(db);
  return rows;
}

/**
 * Atrium's own records rendered as treatments, only when the patient chose to expose them: a loop app must never
 * import carbs or insulin it did not create without the patient deciding so. Manual readings → BG Check.
 */
export async function nativeTreatments(db: Db, patientId: string, conditions: FindCondition[], count: number, nowMs = Date.now()): Promise<Record<string, unknown>[]> {
  const exposed = await db.selectFrom('glucose.patient_settings').select('expose_native_to_uploaders').where('patient_id', '=', patientId).executeTakeFirst();
  if (!exposed?.expose_native_to_uploaders) return [];
  if (conditions.some((c) => c.field === 'eventType' && c.value !== 'BG Check')) return [];
  const parts = [sql`patient_id = ${patientId}`, sql`source = 'manual'`, sql`entered_by is not null`, sql`deleted_at is null`];
  let dated = false;
  for (const c of conditions) {
    const ms = c.field === 'created_at' ? parseTime(c.value) : undefined;
    if (ms === undefined) continue;
    dated = true;
    parts.push(sql`measured_at ${sql.raw(SQL_OP[c.op])} ${new Date(ms).toISOString()}::timestamptz`);
  }
  if (!dated) parts.push(sql`measured_at >= ${new Date(nowMs - FOUR_DAYS_MS).toISOString()}::timestamptz`);
  const { rows } = await sql<{ id: string; measured_at: Date; value: number; notes: string | null }>`
    select id, measured_at, value_mgdl::float8 as value, notes from glucose.readings where ${sql.join(parts, sql` and `)}
    order by measured_at desc limit ${count}`.execute(db);
  return rows.map((r) => ({
    _id: nightscoutId(r.id), eventType: 'BG Check', created_at: new Date(r.measured_at).toISOString(), glucose: r.value, glucoseType: 'Manual',
    units: 'mg/dl', enteredBy: 'atrium', ...(r.notes ? { notes: r.notes } : {}),
  }));
}
