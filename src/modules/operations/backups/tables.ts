import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;
type DefaultedJson<T = unknown> = ColumnType<T, string | undefined, string>;

export type BackupStatus = 'running' | 'completed' | 'failed' | 'corrupt' | 'missing' | 'deleted';
export type BackupTrigger = 'schedule' | 'manual' | 'catch_up' | 'pre_restore' | 'imported';
export type KeyStatus = 'pending' | 'active' | 'decrypt_only' | 'retired';

export interface BackupConfigTable {
  id: Generated<string>;
  name: string;
  enabled: Generated<boolean>;
  format: Generated<'pg_dump_custom' | 'logical_csv'>;
  scope: DefaultedJson<{ schemas: 'all' | string[]; excludeSchemas?: string[] }>;
  include_files: Generated<boolean>;
  compression_level: Generated<number>;
  storage: Json<Record<string, unknown> & { kind: 'local' | 's3' }>;
  secondary_storage: Json<Record<string, unknown> & { kind: 'local' | 's3' }> | null;
  cron: Generated<string>;
  timezone: Generated<string>;
  keep_daily: Generated<number>;
  keep_weekly: Generated<number>;
  keep_monthly: Generated<number>;
  keep_yearly: Generated<number>;
  verify_after_write: Generated<boolean>;
  is_default: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
  version: Generated<number>;
}

export interface BackupKeyTable {
  key_id: string;
  fingerprint: string;
  status: Generated<KeyStatus>;
  escrow_confirmed_at: Timestamp | null;
  escrow_confirmed_by: string | null;
  activated_at: Timestamp | null;
  retired_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
}

export interface BackupTable {
  id: Generated<string>;
  config_id: string;
  trigger: BackupTrigger;
  status: Generated<BackupStatus>;
  started_at: DefaultedTimestamp;
  finished_at: Timestamp | null;
  taken_at: Timestamp | null;
  format: 'pg_dump_custom' | 'logical_csv';
  storage_kind: 'local' | 's3';
  storage_key: string;
  size_bytes: number | null;
  sha256: string | null;
  plain_sha256: string | null;
  key_id: string;
  server_version: string | null;
  dump_tool_version: string | null;
  migration_versions: Json<Record<string, string>> | null;
  table_row_counts: Json<Record<string, number>> | null;
  file_count: Generated<number>;
  pinned: Generated<boolean>;
  last_checksum_at: Timestamp | null;
  last_checksum_ok: boolean | null;
  last_restore_verify_at: Timestamp | null;
  restore_verify_status: Generated<'never' | 'passed' | 'failed'>;
  deleted_at: Timestamp | null;
  delete_reason: 'retention' | 'admin' | 'failed_cleanup' | null;
  error: Json<{ code: string; message: string }> | null;
  run_id: string | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
}

export interface BackupCanaryTable {
  id: number;
  backup_id: string;
  written_at: DefaultedTimestamp;
}

export interface RestoreDetailTable {
  run_id: string;
  backup_id: string;
  mode: 'verify' | 'new_database' | 'in_place_schema';
  target_database: string | null;
  schemas: string[] | null;
  checks: DefaultedJson<{ name: string; expected: unknown; actual: unknown; ok: boolean }[]>;
  rto_seconds: number | null;
  rpo_seconds: number | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
}

declare module '../../../platform/db/schema.js' {
  interface Database {
    'operations.backup_config': BackupConfigTable;
    'operations.backup_key': BackupKeyTable;
    'operations.backup': BackupTable;
    'operations.backup_canary': BackupCanaryTable;
    'operations.restore_detail': RestoreDetailTable;
  }
}
