-- Glucose reports and exports (§3.7, §4.8): one row per requested AGP PDF or data export, rendered by the job
-- glucose.reports.generate; the rendered file is kept in the database (report_files) for 7 days so every API
-- and worker process of an install can serve it, then deleted by glucose.reports.cleanup (row → expired).
create table glucose.report_jobs (
  id uuid primary key default platform.uuid_v7(),
  patient_id uuid not null references platform.users(id) on delete cascade,
  requested_by uuid not null references platform.users(id) on delete cascade,
  kind text not null check (kind in ('agp', 'export')),
  format text not null check (format in ('pdf', 'csv', 'xlsx')),
  range_from timestamptz not null,
  range_to timestamptz not null,
  unit text not null check (unit in ('mg/dL', 'mmol/L')),
  paper text not null default 'a4' check (paper in ('a4', 'letter')),
  include text[] not null default '{}'
    check (include <@ array['readings', 'meals', 'insulin', 'medications', 'activity', 'alerts', 'metrics']),
  -- the request's identity for "an identical request within 10 min returns the existing job"
  request_hash text not null,
  status text not null default 'queued' check (status in ('queued', 'running', 'ready', 'failed', 'expired')),
  progress smallint not null default 0 check (progress between 0 and 100),
  error_code text check (error_code in ('render_failed', 'timeout', 'no_data')),
  error_message text check (length(error_message) <= 1000),
  file_key text,
  file_name text,
  content_type text,
  file_bytes integer check (file_bytes >= 0),
  sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
  attempts smallint not null default 0,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  completed_at timestamptz,
  expires_at timestamptz,
  check (range_to > range_from and range_to - range_from <= interval '90 days'),
  check ((kind = 'agp' and format = 'pdf') or (kind = 'export' and format in ('csv', 'xlsx'))),
  check (status <> 'ready' or (file_key is not null and file_bytes is not null and sha256 is not null and completed_at is not null and expires_at is not null)),
  check (status <> 'failed' or error_code is not null)
);
create index report_jobs_requester_idx on glucose.report_jobs (requested_by, created_at desc);
create index report_jobs_patient_idx on glucose.report_jobs (patient_id, created_at desc);
create index report_jobs_status_idx on glucose.report_jobs (status);

create table glucose.report_files (
  job_id uuid primary key references glucose.report_jobs(id) on delete cascade,
  content bytea not null,
  created_at timestamptz not null default now()
);
