-- Operations module, backups (spec operations.md §3.3): backup configurations, key catalogue (never key material),
-- the backup catalogue, the canary row written before each snapshot, and restore details per run.
create schema if not exists operations;

create table operations.backup_config (
  id uuid primary key default platform.uuid_v7(),
  name text not null unique check (length(name) between 1 and 100),
  enabled boolean not null default true,
  format text not null default 'pg_dump_custom' check (format in ('pg_dump_custom', 'logical_csv')),
  scope jsonb not null default '{"schemas":"all","excludeSchemas":["pgboss"]}',
  include_files boolean not null default true,
  compression_level smallint not null default 6 check (compression_level between 0 and 9),
  storage jsonb not null check (storage ? 'kind' and storage->>'kind' in ('local', 's3')),
  secondary_storage jsonb check (secondary_storage is null or storage->>'kind' in ('local', 's3')),
  cron text not null default '0 4 * * *',
  timezone text not null default 'Europe/Paris',
  keep_daily smallint not null default 7 check (keep_daily between 0 and 1000),
  keep_weekly smallint not null default 4 check (keep_weekly between 0 and 1000),
  keep_monthly smallint not null default 12 check (keep_monthly between 0 and 1000),
  keep_yearly smallint not null default 0 check (keep_yearly between 0 and 1000),
  verify_after_write boolean not null default true,
  is_default boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create unique index backup_config_one_default on operations.backup_config (is_default) where is_default;

create table operations.backup_key (
  key_id text primary key check (key_id ~ '^[a-z0-9-]{3,40}$'),
  fingerprint char(32) not null check (fingerprint ~ '^[0-9a-f]{32}$'),
  status text not null default 'pending' check (status in ('pending', 'active', 'decrypt_only', 'retired')),
  escrow_confirmed_at timestamptz,
  escrow_confirmed_by uuid references platform.users(id),
  activated_at timestamptz,
  retired_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (status <> 'active' or escrow_confirmed_at is not null)
);
create unique index backup_key_one_active on operations.backup_key (status) where status = 'active';

create table operations.backup (
  id uuid primary key default platform.uuid_v7(),
  config_id uuid not null references operations.backup_config(id),
  trigger text not null check (trigger in ('schedule', 'manual', 'catch_up', 'pre_restore', 'imported')),
  status text not null default 'running' check (status in ('running', 'completed', 'failed', 'corrupt', 'missing', 'deleted')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  taken_at timestamptz,
  format text not null check (format in ('pg_dump_custom', 'logical_csv')),
  storage_kind text not null check (storage_kind in ('local', 's3')),
  storage_key text not null,
  size_bytes bigint check (size_bytes >= 0),
  sha256 char(64) check (sha256 ~ '^[0-9a-f]{64}$'),
  plain_sha256 char(64) check (plain_sha256 ~ '^[0-9a-f]{64}$'),
  key_id text not null references operations.backup_key(key_id),
  server_version text,
  dump_tool_version text,
  migration_versions jsonb,
  table_row_counts jsonb,
  file_count integer not null default 0,
  pinned boolean not null default false,
  last_checksum_at timestamptz,
  last_checksum_ok boolean,
  last_restore_verify_at timestamptz,
  restore_verify_status text not null default 'never' check (restore_verify_status in ('never', 'passed', 'failed')),
  deleted_at timestamptz,
  delete_reason text check (delete_reason in ('retention', 'admin', 'failed_cleanup')),
  error jsonb,
  run_id uuid references platform.operation_run(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (status <> 'completed' or (sha256 is not null and plain_sha256 is not null and taken_at is not null and size_bytes is not null)),
  check ((status = 'deleted') = (deleted_at is not null))
);
create index backup_config_taken_idx on operations.backup (config_id, taken_at desc);
create index backup_completed_idx on operations.backup (config_id) where status = 'completed';
create unique index backup_one_running_per_config on operations.backup (config_id) where status = 'running';

create table operations.backup_canary (
  id smallint primary key check (id = 1),
  backup_id uuid not null,
  written_at timestamptz not null default now()
);

create table operations.restore_detail (
  run_id uuid primary key references platform.operation_run(id),
  backup_id uuid not null references operations.backup(id),
  mode text not null check (mode in ('verify', 'new_database', 'in_place_schema')),
  target_database text,
  schemas text[],
  checks jsonb not null default '[]',
  rto_seconds integer,
  rpo_seconds integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index restore_detail_backup_idx on operations.restore_detail (backup_id);
