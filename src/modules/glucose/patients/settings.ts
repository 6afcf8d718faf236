import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import type { FieldError } from '../../../platform/http/errors.js';
import type { ScheduleEntry } from '../tables.js';

export interface PatientSettings {
  patientId: string;
  timezone: string;
  timezoneSetting: string | null;
  diabetesType: string;
  weightKg: number | null;
  isfSchedule: ScheduleEntry[] | null;
  carbRatioSchedule: ScheduleEntry[] | null;
  diaHours: number;
  bolusInsulinKind: 'rapid' | 'ultra_rapid';
  insulinPeakMinutes: number | null;
  carbDelayMinutes: number;
  carbAbsorptionMinutes: number;
  useUploaderProfile: boolean;
  exposeNativeToUploaders: boolean;
  unit: 'mg/dL' | 'mmol/L';
  targets: Targets;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** The glucose thresholds of the patient (alert settings, consensus defaults until changed). */
export interface Targets { urgentLow: number; low: number; high: number; urgentHigh: number }

interface SettingsRow {
  profile_zone: string; unit: 'mg/dL' | 'mmol/L'; timezone: string | null; diabetes_type: string | null; weight_kg: number | null;
  isf_schedule: ScheduleEntry[] | null; carb_ratio_schedule: ScheduleEntry[] | null; dia_hours: number | null; bolus_insulin_kind: 'rapid' | 'ultra_rapid' | null;
  insulin_peak_minutes: number | null; carb_delay_minutes: number | null; carb_absorption_minutes: number | null;
  use_uploader_profile: boolean | null; expose_native_to_uploaders: boolean | null; updated_at: Date | null; updated_by: string | null;
  urgent_low: number; low: number; high: number; urgent_high: number;
}

/** Settings with their defaults when the patient never changed them (no row yet). */
export async function loadSettings(db: DbOrTx, patientId: string): Promise<PatientSettings> {
  const { rows } = await sql<SettingsRow>`
    select u.time_zone as profile_zone, u.glucose_unit as unit, s.timezone, s.diabetes_type, s.weight_kg::float8 as weight_kg,
      s.isf_schedule, s.carb_ratio_schedule, s.dia_hours::float8 as dia_hours, s.bolus_insulin_kind, s.insulin_peak_minutes,
      s.carb_delay_minutes, s.carb_absorption_minutes, s.use_uploader_profile, s.expose_native_to_uploaders, s.updated_at, s.updated_by,
      coalesce(a.urgent_low, 54) as urgent_low, coalesce(a.low, 70) as low, coalesce(a.high, 180) as high, coalesce(a.urgent_high, 250) as urgent_high
    from platform.users u
    left join glucose.patient_settings s on s.patient_id = u.id
    left join glucose.alert_settings a on a.patient_id = u.id
    where u.id = ${patientId}`.execute(db);
  const r = rows[0];
  return {
    patientId,
    timezone: r.timezone ?? r.profile_zone,
    timezoneSetting: r.timezone,
    diabetesType: r.diabetes_type ?? 'unknown',
    weightKg: r.weight_kg,
    isfSchedule: r.isf_schedule,
    carbRatioSchedule: r.carb_ratio_schedule,
    diaHours: r.dia_hours ?? 5,
    bolusInsulinKind: r.bolus_insulin_kind ?? 'rapid',
    insulinPeakMinutes: r.insulin_peak_minutes,
    carbDelayMinutes: r.carb_delay_minutes ?? 15,
    carbAbsorptionMinutes: r.carb_absorption_minutes ?? 180,
    useUploaderProfile: r.use_uploader_profile ?? false,
    exposeNativeToUploaders: r.expose_native_to_uploaders ?? false,
    unit: r.unit,
    targets: { urgentLow: r.urgent_low, low: r.low, high: r.high, urgentHigh: r.urgent_high },
    updatedAt: r.updated_at ? new Date(r.updated_at).toISOString() : null,
    updatedBy: r.updated_by,
  };
}

const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

/** A therapy schedule: first entry at 00:00, starts strictly increasing, 1 to 48 entries, values within range. */
export function scheduleProblems(schedule: ScheduleEntry[], path: string, min: number, max: number): FieldError[] {
  const problems: FieldError[] = [];
  if (schedule.length < 1 || schedule.length > 48) problems.push({ path, message: 'must have 1 to 48 entries' });
  if (schedule[0] && schedule[0].start !== '00:00') problems.push({ path: `${path}[0].start`, message: 'must be 00:00' });
  schedule.forEach((entry, i) => {
    if (!HHMM.test(entry.start)) problems.push({ path: `${path}[${i}].start`, message: 'must be HH:mm' });
    else if (i > 0 && entry.start <= schedule[i - 1].start) problems.push({ path: `${path}[${i}].start`, message: 'must be after the previous start' });
    if (!(entry.value >= min && entry.value <= max)) problems.push({ path: `${path}[${i}].value`, message: `must be from ${min} to ${max}` });
  });
  return problems;
}
