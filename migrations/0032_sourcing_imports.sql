-- Sourcing CSV imports (spec §3.2 import_jobs, §4.9, §6 sourcing.import): the file, its status and its per-row report.
create table sourcing.import_jobs (
  id uuid primary key default platform.uuid_v7(),
  kind text not null check (kind in ('suppliers', 'sites', 'materials', 'offers', 'deliveries', 'audits', 'certifications')),
  status text not null default 'pending' check (status in ('pending', 'running', 'completed', 'failed')),
  content bytea not null check (octet_length(content) <= 10485760),
  file_name text,
  partial boolean not null default false,
  rows_total integer check (rows_total >= 0),
  rows_ok integer check (rows_ok >= 0 and rows_ok <= rows_total),
  errors jsonb not null default '[]',
  requested_by uuid not null references platform.users(id),
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  check ((status in ('completed', 'failed')) = (finished_at is not null))
);
create index import_jobs_requested_by on sourcing.import_jobs (requested_by, created_at desc);
