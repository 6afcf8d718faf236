import { sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { Tx } from '../../../platform/db/transaction.js';
import type { Db } from '../../../platform/db/pool.js';
import { recordAudit, actorOf, type AuditActor } from '../../../platform/audit/writer.js';
import { badRequest, forbidden, notFound, unprocessable } from '../../../platform/http/errors.js';
import type { PatientAccess } from '../access/scope.js';
import type { GlucoseServices } from '../services.js';
import { fromRow, READING_COLUMNS, type ReadingRow, type StoredReading } from './model.js';
import { timestampOfUuidV7 } from './ids.js';
import { ingestTransaction } from './store.js';
import { announceDeleted } from './events.js';

const HOUR = 3_600_000;
export const readingNotFound = () => notFound('reading_not_found', 'No such reading.');

/** A reading of this patient by id; the id's timestamp names the partition, so this is one index probe. */
export async function findReading(db: Db | Tx, patientId: string, readingId: string, forUpdate = false): Promise<StoredReading | undefined> {
  const ms = timestampOfUuidV7(readingId);
  if (!Number.isFinite(ms)) return undefined;
  const { rows } = await sql<ReadingRow>`
    select ${sql.raw(READING_COLUMNS)} from glucose.readings
    where patient_id = ${patientId} and id = ${readingId} and measured_at = ${new Date(ms).toISOString()}::timestamptz
    ${forUpdate ? sql`for update` : sql``}`.execute(db);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** The deletion rules of §2 for one reading, or the refusal. */
export function deletionRefusal(reading: StoredReading, access: PatientAccess, userId: string, reason: string | undefined, nowMs: number) {
  if (access.as === 'admin') return reason ? undefined : badRequest('reason_required', 'An admin deleting a reading gives a reason.', [{ path: 'body.reason', message: 'is required' }]);
  if (reading.source === 'cgm') return forbidden('cgm_reading_not_deletable', 'CGM readings can only be deleted by an administrator.');
  if (access.as === 'patient') {
    return nowMs - reading.receivedAt.getTime() > 30 * 24 * HOUR ? unprocessable('deletion_window_passed', 'You can delete your own entries for 30 days.') : undefined;
  }
  if (access.as === 'caregiver') {
    if (reading.enteredBy !== userId) return forbidden('not_your_entry', 'A caregiver can delete only the readings they entered.');
    return nowMs - reading.receivedAt.getTime() > 24 * HOUR ? unprocessable('deletion_window_passed', 'You can delete your entries for 24 hours.') : undefined;
  }
  return forbidden('not_allowed_for_relation', 'Clinicians do not delete readings.');
}

/** Soft-deletes a reading (its key stays, so a re-upload does not bring it back) and repairs `latest_readings`. */
export async function deleteReading(svc: GlucoseServices, req: FastifyRequest, access: PatientAccess, userId: string, readingId: string, reason: string | undefined, actor: AuditActor = actorOf(req)) {
  const { patientId } = access;
  const reading = await ingestTransaction(svc, patientId, null, async (tx) => {
    const found = await findReading(tx, patientId, readingId, true);
    if (!found || found.deleted) throw readingNotFound();
    const refusal = deletionRefusal(found, access, userId, reason, Date.now());
    if (refusal) throw refusal;
    const at = found.measuredAt.toISOString();
    await sql`update glucose.readings set deleted_at = now(), deleted_by = ${userId}, delete_reason = ${reason ?? null}
      where patient_id = ${patientId} and measured_at = ${at}::timestamptz and source = ${found.source}`.execute(tx);
    await refreshLatest(tx, patientId);
    await sql`
      insert into glucose.daily_stats (patient_id, local_date, basis, dirty)
      select ${patientId}::uuid, (${at}::timestamptz at time zone coalesce((select timezone from glucose.patient_settings where patient_id = ${patientId}),
        (select time_zone from platform.users where id = ${patientId}), 'UTC'))::date, b, true
      from unnest(${found.source === 'cgm' ? ['all', 'cgm'] : ['all']}::text[]) b
      on conflict (patient_id, local_date, basis) do update set dirty = true, updated_at = now()`.execute(tx);
    await recordAudit(tx, actor, {
      action: 'glucose.reading.deleted', entity: 'glucose.reading', entityId: readingId,
      diff: { patientId, role: access.as, source: found.source, value: found.value, measuredAt: at, reason: reason ?? null },
    });
    return found;
  });
  await announceDeleted(svc, patientId, readingId, reading.measuredAt);
}

/** Recomputes the latest reading after a deletion (the newest live reading of any source, and the last CGM time). */
export async function refreshLatest(tx: Tx, patientId: string) {
  const { rows } = await sql<{ id: string }>`
    with newest as (
      select id, measured_at, value_mgdl, source, direction, trend_rate, flags, sensor_id from glucose.readings
      where patient_id = ${patientId} and deleted_at is null order by measured_at desc, source desc limit 1),
    cgm as (select measured_at as at from glucose.readings where patient_id = ${patientId} and source = 'cgm' and deleted_at is null
            order by measured_at desc limit 1)
    insert into glucose.latest_readings (patient_id, reading_id, measured_at, value_mgdl, source, direction, trend_rate, delta5, flags, sensor_id, last_cgm_at)
    select ${patientId}::uuid, n.id, n.measured_at, n.value_mgdl, n.source, n.direction, n.trend_rate,
      (select n.value_mgdl - p.value_mgdl from glucose.readings p where p.patient_id = ${patientId} and p.source = n.source and p.deleted_at is null
         and p.measured_at between n.measured_at - interval '450 seconds' and n.measured_at - interval '150 seconds'
         order by abs(extract(epoch from (n.measured_at - p.measured_at)) - 300) limit 1),
      n.flags, n.sensor_id, (select at from cgm)
    from newest n
    on conflict (patient_id) do update set reading_id = excluded.reading_id, measured_at = excluded.measured_at, value_mgdl = excluded.value_mgdl,
      source = excluded.source, direction = excluded.direction, trend_rate = excluded.trend_rate, delta5 = excluded.delta5,
      flags = excluded.flags, sensor_id = excluded.sensor_id, last_cgm_at = excluded.last_cgm_at, updated_at = now()
    returning patient_id as id`.execute(tx);
  if (rows.length === 0) await tx.deleteFrom('glucose.latest_readings').where('patient_id', '=', patientId).execute();
}
