import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Numeric = ColumnType<string, number | string, number | string>;
type NullableNumeric = ColumnType<string | null, number | string | null | undefined, number | string | null>;
type JsonColumn = ColumnType<unknown, string | null | undefined, string | null>;

export interface PredictionsTable {
  id: Generated<string>;
  patient_id: string;
  base_reading_id: string;
  base_time: Timestamp;
  base_value: Numeric;
  ar2: JsonColumn;
  physio: JsonColumn;
  external: JsonColumn;
  primary_model: 'external' | 'physio' | 'ar2' | null;
  fallback_reason: string | null;
  p_hypo_30: NullableNumeric;
  p_hyper_30: NullableNumeric;
  p_hypo_60: NullableNumeric;
  p_hyper_60: NullableNumeric;
  iob_u: NullableNumeric;
  cob_g: NullableNumeric;
  actual_30: NullableNumeric;
  actual_60: NullableNumeric;
  evaluated_at: NullableTimestamp;
  created_at: DefaultedTimestamp;
}

export interface PredictionFeedbackTable {
  id: Generated<string>;
  prediction_id: string;
  patient_id: string;
  user_id: string;
  outcome: 'accurate' | 'too_high' | 'too_low' | 'missed_event' | 'false_alarm';
  user_action: 'none' | 'took_carbs' | 'took_insulin' | 'exercised' | 'other';
  notes: string | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface PredictionAccuracyDailyTable {
  patient_id: string;
  local_date: ColumnType<string, string, string>;
  model: 'ar2' | 'physio' | 'external';
  horizon: 30 | 60;
  n: number;
  sum_sq_err: number;
  sum_abs_err: number;
  sum_abs_rel_err: number;
  sum_err: number;
  zone_a: number; zone_b: number; zone_c: number; zone_d: number; zone_e: number;
}

export interface CalibrationsTable {
  id: Generated<string>;
  sensor_id: string;
  patient_id: string;
  reference_mgdl: Numeric;
  recorded_at: Timestamp;
  local_date: ColumnType<string, string, string>;
  steps_completed: ColumnType<string[], string[] | undefined, string[]>;
  status: 'accepted' | 'rejected';
  reject_reason: string | null;
  source: ColumnType<'manual' | 'nightscout', 'manual' | 'nightscout' | undefined, 'manual' | 'nightscout'>;
  performed_by: string | null;
  notes: string | null;
  reading_id: string | null;
  created_at: DefaultedTimestamp;
}

declare module '../../../platform/db/schema.js' {
  interface Database {
    'glucose.predictions': PredictionsTable;
    'glucose.prediction_feedback': PredictionFeedbackTable;
    'glucose.prediction_accuracy_daily': PredictionAccuracyDailyTable;
    'glucose.calibrations': CalibrationsTable;
  }
}
