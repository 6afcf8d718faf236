import { sql } from 'kysely';
import type { Tx } from '../../../platform/db/transaction.js';
import type { GlucoseServices } from '../services.js';
import { storeReadings } from '../readings/store.js';
import { timestampOfUuidV7 } from '../readings/ids.js';
import { toMgdl } from '../readings/units.js';
import { VALUE_RANGE } from '../readings/model.js';
import type { PlannedReading } from '../readings/plan.js';
import { refreshLatest } from '../readings/remove.js';
import { activityDeriver, insulinDeriver, mealDeriver } from '../nutrition/derivers.js';

/** A Nightscout treatment after normalisation: its time, type and raw document. */
export interface Treatment {
  index: number;
  doc: Record<string, unknown>;
  clientId: string | null;
  occurredAtMs: number;
  eventType: string;
}

export interface Derivation {
  svc: GlucoseServices;
  tx: Tx;
  patientId: string;
  treatment: Treatment;
  /** Ids this deriver made from an earlier version of the same document. */
  previous: string[];
  /** Readings stored by derivations of this request, for the live events after commit. */
  storedReadings: PlannedReading[];
  /** The stored ns_treatments row (derived insulin doses, meals and activities keep it as ns_treatment_id). */
  rowId?: string;
}

/**
 * Turns a treatment into Atrium records of one kind (§4.2.5). `derive` answers the ids of the records that now
 * stand for the document (reusing `previous` where nothing changed); `remove` retracts them when the document is
 * deleted or no longer implies them. Capabilities that own insulin doses, meals and activities add theirs to
 * `treatmentDerivers`.
 */
export interface TreatmentDeriver {
  kind: string;
  derive(d: Derivation): Promise<string[]>;
  remove(tx: Tx, patientId: string, ids: string[]): Promise<void>;
}

const isMmol = (units: unknown) => typeof units === 'string' && /^mmol/i.test(units);

/** BG Check (or any event) with a finger-stick or manual glucose: a meter or manual reading, mmol converted. */
export const readingDeriver: TreatmentDeriver = {
  kind: 'readings',
  async derive({ tx, patientId, treatment, previous, storedReadings }) {
    const { doc } = treatment;
    const type = typeof doc.glucoseType === 'string' ? doc.glucoseType.toLowerCase() : '';
    const raw = typeof doc.glucose === 'string' ? Number(doc.glucose) : doc.glucose;
    if ((type !== 'finger' && type !== 'manual') || typeof raw !== 'number' || !Number.isFinite(raw)) return [];
    const source = type === 'finger' ? 'meter' : 'manual';
    const value = isMmol(doc.units) ? toMgdl(raw, 'mmol/L') : Math.round(raw * 10) / 10;
    if (value < VALUE_RANGE[source].min || value > VALUE_RANGE[source].max) return [];
    const outcome = await storeReadings(tx, patientId, [{
      index: treatment.index, source, measuredAtMs: Math.floor(treatment.occurredAtMs / 1000) * 1000, value,
      notes: typeof doc.notes === 'string' && doc.notes !== '' ? doc.notes.slice(0, 500) : null,
      device: typeof doc.enteredBy === 'string' ? doc.enteredBy.slice(0, 100) : null,
    }], null);
    storedReadings.push(...outcome.toInsert);
    // The same document corrected (e.g. a typo in the value): the reading made from it follows.
    const corrected = outcome.duplicates.find((d) => previous.includes(d.existing.id) && d.existing.value !== value);
    if (corrected) {
      await sql`update glucose.readings set value_mgdl = ${value}, notes = ${typeof doc.notes === 'string' && doc.notes !== '' ? doc.notes.slice(0, 500) : null}
        where patient_id = ${patientId} and measured_at = ${new Date(timestampOfUuidV7(corrected.existing.id)).toISOString()}::timestamptz and source = ${source}`.execute(tx);
      await refreshLatest(tx, patientId);
    }
    return [...outcome.toInsert.map((r) => r.id), ...outcome.duplicates.filter((d) => !('deleted' in d.existing && d.existing.deleted)).map((d) => d.existing.id)];
  },
  async remove(tx, patientId, ids) {
    if (ids.length === 0) return;
    const times = ids.map((id) => new Date(timestampOfUuidV7(id)).toISOString());
    await sql`update glucose.readings set deleted_at = now(), delete_reason = 'nightscout treatment deleted'
      where patient_id = ${patientId} and measured_at = any(${times}::timestamptz[]) and id = any(${ids}::uuid[]) and deleted_at is null`.execute(tx);
    await refreshLatest(tx, patientId);
  },
};

/** Sensor Start / Sensor Change start a new sensor (ending the current one); Sensor Stop ends the current one. */
export const sensorDeriver: TreatmentDeriver = {
  kind: 'sensors',
  async derive({ tx, patientId, treatment, previous }) {
    if (previous.length) return previous;
    const at = new Date(treatment.occurredAtMs);
    const current = await tx.selectFrom('glucose.sensors').selectAll().where('patient_id', '=', patientId)
      .where('status', 'in', ['warming_up', 'active', 'disconnected']).executeTakeFirst();
    if (treatment.eventType === 'Sensor Stop') {
      if (!current) return [];
      await tx.updateTable('glucose.sensors').set({ status: 'ended', end_reason: 'removed', ended_at: at, updated_at: new Date() }).where('id', '=', current.id).execute();
      await tx.insertInto('glucose.sensor_events').values({ sensor_id: current.id, patient_id: patientId, at, event: 'ended', payload: JSON.stringify({ reason: 'removed', via: 'nightscout' }) }).execute();
      return [current.id];
    }
    if (treatment.eventType !== 'Sensor Start' && treatment.eventType !== 'Sensor Change') return [];
    // A late copy of an older start must not replace the sensor started after it.
    if (current?.started_at && new Date(current.started_at) >= at) return [];
    const last = await tx.selectFrom('glucose.sensors').select('model').where('patient_id', '=', patientId).orderBy('created_at', 'desc').executeTakeFirst();
    const model = await tx.selectFrom('glucose.device_models').selectAll().where('key', '=', last?.model ?? 'other_cgm').executeTakeFirstOrThrow();
    if (current) {
      await tx.updateTable('glucose.sensors').set({ status: 'ended', end_reason: 'replaced', ended_at: at, updated_at: new Date() }).where('id', '=', current.id).execute();
      await tx.insertInto('glucose.sensor_events').values({ sensor_id: current.id, patient_id: patientId, at, event: 'ended', payload: JSON.stringify({ reason: 'replaced', via: 'nightscout' }) }).execute();
    }
    const warmupEnds = new Date(at.getTime() + model.warmup_minutes * 60_000);
    const expires = model.lifetime_hours ? new Date(at.getTime() + (model.lifetime_hours + model.grace_hours) * 3_600_000) : null;
    const now = new Date();
    if (expires && expires <= now) return [];
    const sensor = await tx.insertInto('glucose.sensors').values({
      patient_id: patientId, model: model.key, status: warmupEnds <= now ? 'active' : 'warming_up', paired_at: at, started_at: at,
      warmup_ends_at: warmupEnds, expires_at: expires, calibration_policy: model.calibration_policy,
    }).returning('id').executeTakeFirstOrThrow();
    await tx.insertInto('glucose.sensor_events').values({ sensor_id: sensor.id, patient_id: patientId, at, event: 'started', payload: JSON.stringify({ via: 'nightscout', eventType: treatment.eventType }) }).execute();
    return [sensor.id];
  },
  // Deleting the upload of a sensor start does not end a sensor that is in use; the devices page does that.
  async remove() {},
};

// Insulin doses, meals and activities (Glucose III, src/modules/glucose/nutrition/derivers.ts).
export const treatmentDerivers: TreatmentDeriver[] = [readingDeriver, sensorDeriver, insulinDeriver, mealDeriver, activityDeriver];
