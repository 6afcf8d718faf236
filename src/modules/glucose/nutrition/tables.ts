import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** numeric columns arrive as strings from pg; write numbers or strings. */
type Numeric = ColumnType<string, number | string, number | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export type InsulinKind = 'rapid' | 'ultra_rapid' | 'regular' | 'intermediate' | 'long' | 'premixed';
export type InsulinPurpose = 'meal' | 'correction' | 'basal' | 'other';
export type MealType = 'breakfast' | 'lunch' | 'dinner' | 'snack' | 'hypo_treatment' | 'other';
export type ActivityType = 'walking' | 'running' | 'cycling' | 'swimming' | 'strength' | 'yoga' | 'other';
export type Intensity = 'low' | 'moderate' | 'vigorous';

/** §3.4 insulin doses (migration 0024). IOB uses rapid/ultra_rapid rows not deleted and not flagged possible_duplicate. */
export interface InsulinDosesTable {
  id: Generated<string>;
  patient_id: string;
  administered_at: Timestamp;
  units: Numeric;
  insulin_kind: InsulinKind;
  purpose: Generated<InsulinPurpose>;
  source: Generated<'manual' | 'medication' | 'nightscout'>;
  medication_dose_id: string | null;
  ns_treatment_id: string | null;
  flags: ColumnType<string[], string[] | undefined, string[]>;
  notes: string | null;
  entered_by: string | null;
  created_at: CreatedAt;
  deleted_at: Timestamp | null;
}

export interface MealItem { foodItemId: string; portions: number }

/** §3.5 meals (migration 0024). COB uses rows not deleted: taken_at, carbs_g, absorption_minutes. */
export interface MealsTable {
  id: Generated<string>;
  patient_id: string;
  taken_at: Timestamp;
  meal_type: MealType;
  name: string | null;
  carbs_g: Numeric;
  protein_g: Numeric | null;
  fat_g: Numeric | null;
  fiber_g: Numeric | null;
  calories_kcal: number | null;
  absorption_minutes: number;
  items: Json<MealItem[]> | null;
  source: Generated<'manual' | 'nightscout' | 'quick_action'>;
  ns_treatment_id: string | null;
  notes: string | null;
  impact: Json<Record<string, unknown>> | null;
  impact_computed_at: Timestamp | null;
  entered_by: string | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
  deleted_at: Timestamp | null;
}

export interface FoodItemsTable {
  id: Generated<string>;
  name: string;
  category: string;
  portion_label: string;
  carbs_g: Numeric;
  protein_g: ColumnType<string, number | string | undefined, number | string>;
  fat_g: ColumnType<string, number | string | undefined, number | string>;
  calories_kcal: number;
  gi_category: 'low' | 'medium' | 'high';
  fast_acting: Generated<boolean>;
  locale: Generated<string>;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
}

export interface HydrationLogsTable {
  id: Generated<string>;
  patient_id: string;
  at: Timestamp;
  glasses: number;
  entered_by: string | null;
  created_at: CreatedAt;
}

export interface ActivitySessionsTable {
  id: Generated<string>;
  patient_id: string;
  activity_type: ActivityType;
  name: string | null;
  started_at: Timestamp;
  ended_at: Timestamp;
  intensity: Generated<Intensity>;
  calories_kcal: number | null;
  steps: number | null;
  heart_rate_avg: number | null;
  source: Generated<'manual' | 'wearable' | 'nightscout'>;
  ns_treatment_id: string | null;
  notes: string | null;
  entered_by: string | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
  deleted_at: Timestamp | null;
}

export interface DailyStepsTable {
  patient_id: string;
  local_date: ColumnType<Date, string, string>;
  source: string;
  steps: number;
  updated_at: DefaultedTimestamp;
}

export interface GoalsTable {
  patient_id: string;
  calories_kcal: Generated<number>;
  carbs_g: number | null;
  hydration_glasses: Generated<number>;
  steps: Generated<number>;
  active_minutes: Generated<number>;
  updated_by: string | null;
  updated_at: DefaultedTimestamp;
}

declare module '../../../platform/db/schema.js' {
  interface Database {
    'glucose.insulin_doses': InsulinDosesTable;
    'glucose.meals': MealsTable;
    'glucose.food_items': FoodItemsTable;
    'glucose.hydration_logs': HydrationLogsTable;
    'glucose.activity_sessions': ActivitySessionsTable;
    'glucose.daily_steps': DailyStepsTable;
    'glucose.goals': GoalsTable;
  }
}
