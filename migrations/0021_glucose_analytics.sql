-- Glucose analytics (§3.7, §4.7, §5.10): detected patterns with their evidence, and the indexes the analytics
-- reads need. Per-day aggregates (glucose.daily_stats) come with the readings (0011); the rollup job fills them.

create table glucose.insights (
  id uuid primary key default platform.uuid_v7(),
  patient_id uuid not null references platform.users(id) on delete cascade,
  type text not null check (type in ('dawn_phenomenon', 'nocturnal_hypoglycemia', 'postprandial_peaks')),
  range_from timestamptz not null,
  range_to timestamptz not null,
  evidence jsonb not null check (jsonb_typeof(evidence) = 'object'),
  first_detected_at timestamptz not null default now(),
  last_detected_at timestamptz not null default now(),
  notified_at timestamptz,
  check (range_from < range_to),
  check (last_detected_at >= first_detected_at),
  unique (patient_id, type, range_to)
);
create index insights_patient_idx on glucose.insights (patient_id, type, last_detected_at desc);

-- The risk list counts open alerts of every visible patient.
create index alerts_open_patient_idx on glucose.alerts (patient_id, severity) where status <> 'resolved';
