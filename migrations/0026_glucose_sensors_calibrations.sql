-- Glucose module: sensor lifecycle and calibrations (§3.6, §4.9). The sensors and sensor_events tables come from
-- 0012; this adds what the lifecycle needs on top of them.

-- A sensor reaches each lifecycle milestone once: the per-minute lifecycle job may run twice (retry, two workers)
-- and must not notify twice.
create unique index sensor_events_milestone_uq on glucose.sensor_events (sensor_id, event)
  where event in ('warmup_complete', 'expiring_24h', 'expiring_2h', 'expired', 'battery_low');

-- The time a sensor was started is never after it ends or expires.
alter table glucose.sensors add constraint sensors_started_before_expiry check (started_at is null or expires_at is null or expires_at > started_at);
alter table glucose.sensors add constraint sensors_warmup_after_start check (started_at is null or warmup_ends_at is null or warmup_ends_at >= started_at);
alter table glucose.sensors add constraint sensors_terminal_has_end check (status not in ('ended', 'failed', 'expired') or ended_at is not null);

create table glucose.calibrations (
  id uuid primary key default platform.uuid_v7(),
  sensor_id uuid not null references glucose.sensors(id) on delete cascade,
  patient_id uuid not null references platform.users(id) on delete cascade,
  reference_mgdl numeric(5,1) not null check (reference_mgdl between 40 and 400),
  recorded_at timestamptz not null,
  -- the patient's local calendar day of recorded_at: the daily limit counts per local day
  local_date date not null,
  steps_completed text[] not null default '{}' check (steps_completed <@ array['wash_hands', 'finger_prick', 'enter_value']),
  status text not null check (status in ('accepted', 'rejected')),
  reject_reason text check (length(reject_reason) <= 100),
  source text not null default 'manual' check (source in ('manual', 'nightscout')),
  performed_by uuid references platform.users(id) on delete set null,
  notes text check (length(notes) <= 500),
  reading_id uuid,
  created_at timestamptz not null default now(),
  check ((status = 'rejected') = (reject_reason is not null))
);
create index calibrations_sensor_idx on glucose.calibrations (sensor_id, recorded_at);
create index calibrations_patient_idx on glucose.calibrations (patient_id, recorded_at);
