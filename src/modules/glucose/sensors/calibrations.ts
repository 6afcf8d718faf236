import { sql } from 'kysely';
import type { Tx } from '../../../platform/db/transaction.js';
import { badRequest, conflict } from '../../../platform/http/errors.js';
import { recordAudit, type AuditActor } from '../../../platform/audit/writer.js';
import type { GlucoseServices } from '../services.js';
import { ingestBatch } from '../readings/batch.js';
import { MGDL_PER_MMOL } from '../readings/units.js';
import { refuse } from '../access/problems.js';
import type { SensorRow } from './model.js';

export const CALIBRATION_STEPS = ['wash_hands', 'finger_prick', 'enter_value'] as const;
export const CALIBRATION_MIN = 40;
export const CALIBRATION_MAX = 400;
export const CALIBRATIONS_PER_DAY = 2;
/** A calibration against a moving glucose would teach the sensor a wrong offset. */
export const MAX_CALIBRATION_RATE = 2;
const RECORDED_BACK_MS = 15 * 60_000;
const RECORDED_AHEAD_MS = 60_000;

export interface CalibrationBody {
  referenceValue: number; unit?: 'mg/dL' | 'mmol/L'; recordedAt?: string; stepsCompleted?: (typeof CALIBRATION_STEPS)[number][]; notes?: string;
}

export interface CalibrationDto {
  id: string; sensorId: string; referenceMgdl: number; recordedAt: string; stepsCompleted: string[]; status: string; rejectReason: string | null;
  source: string; performedBy: string | null; notes: string | null; readingId: string | null;
}

/**
 * A finger-stick calibration (§4.9). Checks in the spec's order: value 40..400 mg/dL and time within
 * [now − 15 min, now + 1 min] (400), sensor active (409), model supports calibration (422), at most two per
 * sensor per local day (422), latest CGM trend |rate| ≤ 2 mg/dL/min (422). Accepted: stored with a meter
 * reading at recordedAt, in one transaction with the reading.
 */
export async function calibrate(svc: GlucoseServices, actor: AuditActor, performedBy: string, role: string, sensor: SensorRow, body: CalibrationBody, nowMs = Date.now()): Promise<CalibrationDto> {
  const mgdl = Math.round((body.unit === 'mmol/L' ? body.referenceValue * MGDL_PER_MMOL : body.referenceValue) * 10) / 10;
  if (!(mgdl >= CALIBRATION_MIN && mgdl <= CALIBRATION_MAX)) {
    throw badRequest('value_out_of_range', `A calibration value must be ${CALIBRATION_MIN}–${CALIBRATION_MAX} mg/dL (${body.referenceValue} ${body.unit ?? 'mg/dL'} given).`,
      [{ path: 'body.referenceValue', message: `must be ${CALIBRATION_MIN}–${CALIBRATION_MAX} mg/dL` }]);
  }
  const recordedMs = Math.floor((body.recordedAt ? Date.parse(body.recordedAt) : nowMs) / 1000) * 1000;
  if (recordedMs < nowMs - RECORDED_BACK_MS || recordedMs > nowMs + RECORDED_AHEAD_MS) {
    throw badRequest('calibration_time_invalid', 'A calibration must be entered within 15 minutes of the finger-stick.', [{ path: 'body.recordedAt', message: 'within [now − 15 min, now + 1 min]' }]);
  }
  if (sensor.status !== 'active') throw conflict('sensor_not_active', `The sensor is ${sensor.status}; only an active sensor can be calibrated.`);
  if (sensor.calibration_policy === 'none') throw refuse('calibration_not_supported', `${sensor.model_name ?? sensor.model} is factory-calibrated and takes no calibration.`);

  let calibration: CalibrationDto | undefined;
  await ingestBatch(svc, sensor.patient_id, [{ index: 0, source: 'meter', measuredAtMs: recordedMs, value: mgdl, notes: 'calibration', enteredBy: performedBy }], {
    channel: 'api', app: 'calibration', actor, role, rejected: 0,
    extra: async (tx: Tx) => {
      const locked = await tx.selectFrom('glucose.sensors').select('status').where('id', '=', sensor.id).forUpdate().executeTakeFirstOrThrow();
      if (locked.status !== 'active') throw conflict('sensor_not_active', `The sensor is ${locked.status}; only an active sensor can be calibrated.`);
      const { rows: [day] } = await sql<{ local_date: string; today: number; rate: number | null }>`
        with z as (select coalesce((select timezone from glucose.patient_settings where patient_id = ${sensor.patient_id}),
                                   (select time_zone from platform.users where id = ${sensor.patient_id}), 'UTC') as zone)
        select to_char(${new Date(recordedMs).toISOString()}::timestamptz at time zone z.zone, 'YYYY-MM-DD') as local_date,
          (select count(*)::int from glucose.calibrations c where c.sensor_id = ${sensor.id} and c.source = 'manual' and c.status = 'accepted'
             and c.local_date = (${new Date(recordedMs).toISOString()}::timestamptz at time zone z.zone)::date) as today,
          (select trend_rate::float8 from glucose.readings r where r.patient_id = ${sensor.patient_id} and r.source = 'cgm' and r.deleted_at is null
             order by r.measured_at desc limit 1) as rate
        from z`.execute(tx);
      if (day.today >= CALIBRATIONS_PER_DAY) {
        throw refuse('calibration_daily_limit', `At most ${CALIBRATIONS_PER_DAY} calibrations per sensor per day; try again tomorrow.`, { limit: CALIBRATIONS_PER_DAY, date: day.local_date });
      }
      if (day.rate !== null && Math.abs(day.rate) > MAX_CALIBRATION_RATE) {
        throw refuse('glucose_changing_rapidly', `Glucose is changing at ${day.rate} mg/dL/min; calibrate when it is steadier (≤ ${MAX_CALIBRATION_RATE}).`, { trendRate: day.rate });
      }
      const { rows: [reading] } = await sql<{ id: string }>`select id from glucose.readings
        where patient_id = ${sensor.patient_id} and measured_at = ${new Date(recordedMs).toISOString()}::timestamptz and source = 'meter'`.execute(tx);
      const row = await tx.insertInto('glucose.calibrations').values({
        sensor_id: sensor.id, patient_id: sensor.patient_id, reference_mgdl: mgdl, recorded_at: new Date(recordedMs), local_date: day.local_date,
        steps_completed: body.stepsCompleted ?? [], status: 'accepted', reject_reason: null, source: 'manual', performed_by: performedBy,
        notes: body.notes ?? null, reading_id: reading?.id ?? null,
      }).returningAll().executeTakeFirstOrThrow();
      await recordAudit(tx, actor, {
        action: 'glucose.calibration.recorded', entity: 'glucose.calibration', entityId: row.id,
        diff: { patientId: sensor.patient_id, sensorId: sensor.id, referenceMgdl: mgdl, recordedAt: new Date(recordedMs).toISOString() },
      });
      calibration = toCalibrationDto(row);
    },
  });
  return calibration!;
}

export function toCalibrationDto(r: { id: string; sensor_id: string; reference_mgdl: string | number; recorded_at: Date; steps_completed: string[]; status: string; reject_reason: string | null; source: string; performed_by: string | null; notes: string | null; reading_id: string | null }): CalibrationDto {
  return {
    id: r.id, sensorId: r.sensor_id, referenceMgdl: Number(r.reference_mgdl), recordedAt: new Date(r.recorded_at).toISOString(), stepsCompleted: r.steps_completed,
    status: r.status, rejectReason: r.reject_reason, source: r.source, performedBy: r.performed_by, notes: r.notes, readingId: r.reading_id,
  };
}
