import type { ColumnType, Generated } from 'kysely';
// Glucose III: insulin doses, meals, activity (migration 0024) and medications (0025) declare their own tables.
export type * from './nutrition/tables.js';
export type * from './medications/tables.js';
// Glucose III: calibrations and predictions (migrations 0026, 0027).
export type * from './predictions/tables.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** numeric columns arrive as strings from pg; write numbers or strings. */
type Numeric = ColumnType<string, number | string, number | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export type Relation = 'caregiver' | 'clinician';

export interface CareLinksTable {
  id: Generated<string>;
  patient_id: string;
  member_id: string;
  relation: Relation;
  via: 'invitation' | 'admin';
  created_by: string | null;
  created_at: CreatedAt;
  ended_at: Timestamp | null;
  ended_by: string | null;
}

export interface CareInvitationsTable {
  id: Generated<string>;
  inviter_id: string;
  relation: Relation;
  patient_email: string;
  message: string | null;
  status: Generated<'pending' | 'accepted' | 'declined' | 'cancelled'>;
  created_at: CreatedAt;
  expires_at: Timestamp;
  responded_at: Timestamp | null;
  link_id: string | null;
}

export interface ScheduleEntry { start: string; value: number }

export interface PatientSettingsTable {
  patient_id: string;
  timezone: string | null;
  diabetes_type: Generated<'t1' | 't2' | 'gestational' | 'other' | 'unknown'>;
  weight_kg: Numeric | null;
  isf_schedule: Json<ScheduleEntry[]> | null;
  carb_ratio_schedule: Json<ScheduleEntry[]> | null;
  dia_hours: ColumnType<string, number | string | undefined, number | string>;
  bolus_insulin_kind: Generated<'rapid' | 'ultra_rapid'>;
  insulin_peak_minutes: number | null;
  carb_delay_minutes: Generated<number>;
  carb_absorption_minutes: Generated<number>;
  use_uploader_profile: Generated<boolean>;
  expose_native_to_uploaders: Generated<boolean>;
  updated_by: string | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
}

export interface AlertSettingsTable {
  patient_id: string;
  urgent_low: Generated<number>;
  low: Generated<number>;
  high: Generated<number>;
  urgent_high: Generated<number>;
  rapid_rate: ColumnType<string, number | string | undefined, number | string>;
  stale_warning_min: Generated<number>;
  stale_urgent_min: Generated<number>;
  hysteresis_mgdl: Generated<number>;
  enabled: ColumnType<Record<string, boolean>, string | undefined, string>;
  renotify_critical_min: Generated<number>;
  ack_silence_min: Generated<number>;
  ack_silence_urgent_low_min: Generated<number>;
  escalation: ColumnType<unknown, string | undefined, string>;
  updated_by: string | null;
  updated_at: DefaultedTimestamp;
}

export interface UploadCredentialsTable {
  patient_id: string;
  secret_lookup: Buffer | null;
  previous_lookup: Buffer | null;
  previous_valid_until: Timestamp | null;
  access_token_lookup: Buffer | null;
  created_at: CreatedAt;
  rotated_at: Timestamp | null;
  access_token_created_at: Timestamp | null;
  last_used_at: Timestamp | null;
  last_used_app: string | null;
}

export interface LatestReadingsTable {
  patient_id: string;
  reading_id: string;
  measured_at: Timestamp;
  value_mgdl: Numeric;
  source: string;
  direction: string | null;
  trend_rate: Numeric | null;
  delta5: Numeric | null;
  flags: string[];
  sensor_id: string | null;
  last_cgm_at: Timestamp | null;
  updated_at: DefaultedTimestamp;
}

export interface DeviceModelsTable {
  key: string;
  manufacturer: string;
  name: string;
  kind: 'cgm' | 'meter' | 'pump';
  lifetime_hours: number | null;
  grace_hours: number;
  warmup_minutes: number;
  calibration_policy: 'none' | 'optional' | 'required';
  sampling_minutes: number | null;
}

export type SensorStatus = 'pairing' | 'warming_up' | 'active' | 'disconnected' | 'expired' | 'ended' | 'failed';

export interface SensorsTable {
  id: Generated<string>;
  patient_id: string;
  model: string;
  serial_number: string | null;
  transmitter_id: string | null;
  status: SensorStatus;
  paired_at: DefaultedTimestamp;
  started_at: Timestamp | null;
  warmup_ends_at: Timestamp | null;
  expires_at: Timestamp | null;
  ended_at: Timestamp | null;
  end_reason: 'replaced' | 'removed' | 'failed' | 'expired' | null;
  battery_pct: number | null;
  signal_quality: number | null;
  firmware_version: string | null;
  last_reading_at: Timestamp | null;
  calibration_policy: Generated<'none' | 'optional' | 'required'>;
  cal_slope: Numeric | null;
  cal_intercept: Numeric | null;
  cal_scale: Numeric | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
}

export interface SensorEventsTable {
  id: Generated<string>;
  sensor_id: string | null;
  patient_id: string;
  at: Timestamp;
  event: string;
  payload: Json | null;
}

export interface UploaderStatusTable {
  patient_id: string;
  device: string | null;
  uploader_battery_pct: number | null;
  pump_reservoir_u: Numeric | null;
  pump_battery_pct: number | null;
  loop_iob_u: Numeric | null;
  loop_cob_g: Numeric | null;
  loop_reported_at: Timestamp | null;
  reported_at: Timestamp;
}

export interface NsTreatmentsTable {
  id: Generated<string>;
  patient_id: string;
  client_id: string | null;
  created_at: Timestamp;
  event_type: string;
  doc: Json<Record<string, unknown>>;
  derived: ColumnType<Record<string, string[]>, string | undefined, string>;
  app: string | null;
  srv_created: DefaultedTimestamp;
  srv_modified: DefaultedTimestamp;
  is_valid: Generated<boolean>;
}

export interface NsProfilesTable {
  id: Generated<string>;
  patient_id: string;
  client_id: string | null;
  start_date: Timestamp;
  doc: Json<Record<string, unknown>>;
  srv_created: DefaultedTimestamp;
  srv_modified: DefaultedTimestamp;
  is_valid: Generated<boolean>;
}

export interface NsTombstonesTable {
  patient_id: string;
  collection: 'entries' | 'treatments' | 'devicestatus' | 'profile';
  identifier: string;
  deleted_at: DefaultedTimestamp;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    'glucose.care_links': CareLinksTable;
    'glucose.care_invitations': CareInvitationsTable;
    'glucose.patient_settings': PatientSettingsTable;
    'glucose.alert_settings': AlertSettingsTable;
    'glucose.upload_credentials': UploadCredentialsTable;
    'glucose.latest_readings': LatestReadingsTable;
    'glucose.device_models': DeviceModelsTable;
    'glucose.sensors': SensorsTable;
    'glucose.sensor_events': SensorEventsTable;
    'glucose.uploader_status': UploaderStatusTable;
    'glucose.ns_treatments': NsTreatmentsTable;
    'glucose.ns_profiles': NsProfilesTable;
    'glucose.ns_tombstones': NsTombstonesTable;
  }
}
