-- Platform jobs (pg-boss runs in its own schema `pgboss`, created by pg-boss at start): the record of every
-- tracked attempt, schedules and their missed-run watchdog, queue pause switches, dead-letter snapshots.

create table platform.operation_run (
  id uuid primary key default platform.uuid_v7(),
  kind text not null check (kind in ('backup', 'restore', 'restore_verify', 'retention', 'checksum_verify', 'storage_reconcile',
    'cleanup_temp', 'cleanup_logs', 'runs_reconcile', 'quote_notify', 'notification_reconcile', 'export', 'key_rewrap', 'module_job')),
  queue text not null,
  job_id uuid not null,
  attempt integer not null check (attempt >= 1),
  schedule_key text,
  scheduled_for timestamptz,
  trigger text not null check (trigger in ('schedule', 'manual', 'catch_up', 'redrive', 'event')),
  status text not null check (status in ('running', 'succeeded', 'failed', 'cancelled', 'skipped')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  heartbeat_at timestamptz,
  duration_ms integer generated always as ((extract(epoch from (finished_at - started_at)) * 1000)::integer) stored,
  summary jsonb,
  error jsonb check (error is null or (error ? 'code' and error ? 'message')),
  actor_user_id uuid references platform.users(id) on delete set null,
  resources jsonb,
  unique (job_id, attempt),
  check ((status = 'running') = (finished_at is null))
);
create index operation_run_kind_idx on platform.operation_run (kind, started_at desc);
create index operation_run_schedule_idx on platform.operation_run (schedule_key, scheduled_for);
create index operation_run_running_idx on platform.operation_run (heartbeat_at) where status = 'running';

create table platform.schedule_definition (
  key text primary key check (length(key) between 1 and 200),
  module text not null,
  queue text not null,
  cron text not null check (array_length(regexp_split_to_array(btrim(cron), '\s+'), 1) = 5),
  timezone text not null default 'Europe/Paris',
  data jsonb not null default '{}',
  enabled boolean not null default true,
  catch_up text not null default 'run_once' check (catch_up in ('none', 'run_once')),
  grace_minutes integer not null default 10 check (grace_minutes between 0 and 1440),
  accept_dst_shift boolean not null default false,
  description text,
  -- Hash of the code's declaration: an admin's change wins until the code default itself changes.
  defaults_hash text not null,
  last_started_at timestamptz,
  last_finished_at timestamptz,
  last_status text check (last_status in ('running', 'succeeded', 'failed', 'cancelled', 'skipped')),
  last_success_at timestamptz,
  -- Missed-run detection has checked every fire time up to here.
  watermark timestamptz,
  -- Fire times before this (schedule disabled, or its cron changed) are never treated as missed.
  enabled_at timestamptz not null default now(),
  updated_by uuid references platform.users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table platform.schedule_miss (
  id uuid primary key default platform.uuid_v7(),
  schedule_key text not null,
  fire_time timestamptz not null,
  -- `missed`: a fire time with no run; `stale`: a frequent schedule (< 1 h) whose last start is too old.
  reason text not null default 'missed' check (reason in ('missed', 'stale')),
  detected_at timestamptz not null default now(),
  catch_up_job_id uuid,
  alert_id uuid,
  unique (schedule_key, fire_time)
);
create index schedule_miss_detected_idx on platform.schedule_miss (detected_at desc);

create table platform.queue_control (
  queue text primary key,
  paused boolean not null default false,
  paused_by uuid references platform.users(id) on delete set null,
  paused_at timestamptz,
  reason text check (length(reason) <= 500),
  updated_at timestamptz not null default now()
);

-- Every process listens on this channel and stops or restarts fetching from the queue (plus a 10 s poll).
create function platform.queue_control_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('operations_queue_control', coalesce(new.queue, old.queue));
  return null;
end $$;
create trigger queue_control_notify after insert or update or delete on platform.queue_control
  for each row execute function platform.queue_control_notify();

create table platform.job_failure (
  id uuid primary key default platform.uuid_v7(),
  queue text not null,
  source_job_id uuid not null unique,
  dead_letter_job_id uuid not null,
  retry_count integer not null,
  retry_limit integer,
  error_message text check (length(error_message) <= 4096),
  error_stack text check (length(error_stack) <= 16384),
  data jsonb,
  failed_at timestamptz not null,
  recorded_at timestamptz not null default now(),
  redriven_at timestamptz,
  redriven_by uuid references platform.users(id) on delete set null
);
create index job_failure_queue_idx on platform.job_failure (queue, failed_at desc);
create index job_failure_dead_letter_idx on platform.job_failure (dead_letter_job_id);
