import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Numeric = ColumnType<string, number | string, number | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export type PlanKind = 'insulin_rapid' | 'insulin_ultra_rapid' | 'insulin_long' | 'insulin_intermediate' | 'insulin_premixed' | 'oral' | 'glp1' | 'other';
export type DoseUnit = 'mg' | 'mcg' | 'ml' | 'units' | 'tablet' | 'capsule' | 'puff' | 'drop';
export type DoseStatus = 'scheduled' | 'taken' | 'skipped' | 'missed' | 'cancelled';
export type StockStatus = 'ok' | 'warning' | 'critical' | 'unknown';

export type Schedule =
  | { type: 'fixed_times'; times: string[]; daysOfWeek?: number[] }
  | { type: 'interval'; firstDoseAt: string; intervalHours: number }
  | { type: 'as_needed' };

export interface MedicationPlansTable {
  id: Generated<string>;
  patient_id: string;
  name: string;
  kind: PlanKind;
  dose_amount: Numeric;
  dose_unit: DoseUnit;
  schedule: Json<Schedule>;
  start_date: ColumnType<Date, string, string>;
  end_date: ColumnType<Date | null, string | null, string | null>;
  instructions: string | null;
  prescribed_by: string | null;
  active: Generated<boolean>;
  stock_tracking: Generated<boolean>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
  deleted_at: Timestamp | null;
}

export interface MedicationDosesTable {
  id: Generated<string>;
  plan_id: string;
  patient_id: string;
  scheduled_at: Timestamp;
  original_scheduled_at: Timestamp;
  status: Generated<DoseStatus>;
  as_needed: Generated<boolean>;
  amount: Numeric | null;
  taken_at: Timestamp | null;
  out_of_window: Generated<boolean>;
  delay_reason: string | null;
  skip_reason: string | null;
  notes: string | null;
  reschedule_count: Generated<number>;
  reminders_sent: Generated<number>;
  recorded_by: string | null;
  recorded_at: Timestamp | null;
}

export interface MedicationStockTable {
  id: Generated<string>;
  plan_id: string;
  patient_id: string;
  units_remaining: ColumnType<string, number | string | undefined, number | string>;
  warning_days: Generated<number>;
  critical_days: Generated<number>;
  status: Generated<StockStatus>;
  status_changed_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface StockMovementsTable {
  id: Generated<string>;
  stock_id: string;
  delta: Numeric;
  reason: 'refill' | 'intake' | 'intake_reverted' | 'correction' | 'loss';
  dose_id: string | null;
  actor: string | null;
  created_at: CreatedAt;
}

declare module '../../../platform/db/schema.js' {
  interface Database {
    'glucose.medication_plans': MedicationPlansTable;
    'glucose.medication_doses': MedicationDosesTable;
    'glucose.medication_stock': MedicationStockTable;
    'glucose.stock_movements': StockMovementsTable;
  }
}
