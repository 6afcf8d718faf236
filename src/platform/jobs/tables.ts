import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** jsonb: read as a value, written as JSON text. */
type Json<T = unknown> = ColumnType<T, string, string>;

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';

export interface OperationRunTable {
  id: Generated<string>;
  kind: string;
  queue: string;
  job_id: string;
  attempt: number;
  schedule_key: string | null;
  scheduled_for: Timestamp | null;
  trigger: string;
  status: RunStatus;
  started_at: DefaultedTimestamp;
  finished_at: Timestamp | null;
  heartbeat_at: Timestamp | null;
  duration_ms: ColumnType<number | null, never, never>;
  summary: Json | null;
  error: Json<{ code: string; message: string; stack?: string }> | null;
  actor_user_id: string | null;
  resources: Json | null;
}

export interface ScheduleDefinitionTable {
  key: string;
  module: string;
  queue: string;
  cron: string;
  timezone: string;
  data: Json<Record<string, unknown>>;
  enabled: boolean;
  catch_up: 'none' | 'run_once';
  grace_minutes: number;
  accept_dst_shift: boolean;
  description: string | null;
  defaults_hash: string;
  last_started_at: Timestamp | null;
  last_finished_at: Timestamp | null;
  last_status: RunStatus | null;
  last_success_at: Timestamp | null;
  watermark: Timestamp | null;
  enabled_at: DefaultedTimestamp;
  updated_by: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: DefaultedTimestamp;
}

export interface ScheduleMissTable {
  id: Generated<string>;
  schedule_key: string;
  fire_time: Timestamp;
  reason: ColumnType<'missed' | 'stale', 'missed' | 'stale' | undefined, 'missed' | 'stale'>;
  detected_at: DefaultedTimestamp;
  catch_up_job_id: string | null;
  alert_id: string | null;
}

export interface QueueControlTable {
  queue: string;
  paused: boolean;
  paused_by: string | null;
  paused_at: Timestamp | null;
  reason: string | null;
  updated_at: DefaultedTimestamp;
}

export interface JobFailureTable {
  id: Generated<string>;
  queue: string;
  source_job_id: string;
  dead_letter_job_id: string;
  retry_count: number;
  retry_limit: number | null;
  error_message: string | null;
  error_stack: string | null;
  data: Json | null;
  failed_at: Timestamp;
  recorded_at: DefaultedTimestamp;
  redriven_at: Timestamp | null;
  redriven_by: string | null;
}

declare module '../db/schema.js' {
  interface Database {
    'platform.operation_run': OperationRunTable;
    'platform.schedule_definition': ScheduleDefinitionTable;
    'platform.schedule_miss': ScheduleMissTable;
    'platform.queue_control': QueueControlTable;
    'platform.job_failure': JobFailureTable;
  }
}
