-- Glucose module, part 3: devices as far as ingestion needs them (models, sensors, sensor events, uploader
-- status) and the raw Nightscout documents (treatments, device status, profiles, deletions for API v3).

create table glucose.device_models (
  key text primary key check (key ~ '^[a-z0-9_]{2,40}$'),
  manufacturer text not null,
  name text not null,
  kind text not null check (kind in ('cgm', 'meter', 'pump')),
  lifetime_hours integer check (lifetime_hours > 0),
  grace_hours integer not null default 0 check (grace_hours >= 0),
  warmup_minutes integer not null default 0 check (warmup_minutes >= 0),
  calibration_policy text not null default 'none' check (calibration_policy in ('none', 'optional', 'required')),
  sampling_minutes integer check (sampling_minutes > 0)
);
insert into glucose.device_models (key, manufacturer, name, kind, lifetime_hours, grace_hours, warmup_minutes, calibration_policy, sampling_minutes) values
  ('dexcom_g6', 'Dexcom', 'Dexcom G6', 'cgm', 240, 0, 120, 'optional', 5),
  ('dexcom_g7', 'Dexcom', 'Dexcom G7', 'cgm', 240, 12, 30, 'optional', 5),
  ('libre_2', 'Abbott', 'FreeStyle Libre 2', 'cgm', 336, 0, 60, 'none', 1),
  ('libre_3', 'Abbott', 'FreeStyle Libre 3', 'cgm', 336, 0, 60, 'none', 1),
  ('guardian_4', 'Medtronic', 'Guardian 4', 'cgm', 168, 0, 120, 'optional', 5),
  ('other_cgm', 'Other', 'Other CGM', 'cgm', 336, 0, 60, 'optional', 5);

create table glucose.sensors (
  id uuid primary key default platform.uuid_v7(),
  patient_id uuid not null references platform.users(id) on delete cascade,
  model text not null references glucose.device_models(key),
  serial_number text check (length(serial_number) <= 40),
  transmitter_id text check (length(transmitter_id) <= 40),
  status text not null check (status in ('pairing', 'warming_up', 'active', 'disconnected', 'expired', 'ended', 'failed')),
  paired_at timestamptz not null default now(),
  started_at timestamptz,
  warmup_ends_at timestamptz,
  expires_at timestamptz,
  ended_at timestamptz,
  end_reason text check (end_reason in ('replaced', 'removed', 'failed', 'expired')),
  battery_pct smallint check (battery_pct between 0 and 100),
  signal_quality smallint check (signal_quality between 0 and 100),
  firmware_version text check (length(firmware_version) <= 40),
  last_reading_at timestamptz,
  calibration_policy text not null default 'none' check (calibration_policy in ('none', 'optional', 'required')),
  cal_slope numeric,
  cal_intercept numeric,
  cal_scale numeric,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index sensors_current_uq on glucose.sensors (patient_id) where status in ('warming_up', 'active', 'disconnected');
create index sensors_status_expiry_idx on glucose.sensors (status, expires_at);

create table glucose.sensor_events (
  id uuid primary key default platform.uuid_v7(),
  sensor_id uuid references glucose.sensors(id) on delete set null,
  patient_id uuid not null references platform.users(id) on delete cascade,
  at timestamptz not null,
  event text not null check (event in ('paired', 'started', 'warmup_complete', 'disconnected', 'reconnected', 'expiring_24h',
    'expiring_2h', 'expired', 'ended', 'failed', 'error_code', 'battery_low')),
  payload jsonb
);
create index sensor_events_patient_idx on glucose.sensor_events (patient_id, at);
-- an uploader re-sending the same special value must not record it twice
create unique index sensor_events_error_code_uq on glucose.sensor_events (patient_id, at, event) where event = 'error_code';

create table glucose.device_status (
  id uuid not null,
  patient_id uuid not null,
  created_at timestamptz not null,
  device text not null default '' check (length(device) <= 100),
  client_id text check (length(client_id) <= 64),
  app text check (length(app) <= 200),
  doc jsonb not null,
  received_at timestamptz not null default now(),
  unique (patient_id, created_at, device)
) partition by range (created_at);
create index device_status_id_idx on glucose.device_status (id);
create index device_status_received_idx on glucose.device_status (patient_id, received_at);
select glucose.ensure_month_partitions('device_status', now() - interval '1 month', now() + interval '3 months');

create table glucose.uploader_status (
  patient_id uuid primary key references platform.users(id) on delete cascade,
  device text,
  uploader_battery_pct smallint check (uploader_battery_pct between 0 and 100),
  pump_reservoir_u numeric(6,2),
  pump_battery_pct smallint check (pump_battery_pct between 0 and 100),
  loop_iob_u numeric(6,2),
  loop_cob_g numeric(6,1),
  loop_reported_at timestamptz,
  reported_at timestamptz not null
);

create table glucose.ns_treatments (
  id uuid primary key default platform.uuid_v7(),
  patient_id uuid not null references platform.users(id) on delete cascade,
  client_id text check (length(client_id) <= 64),
  created_at timestamptz not null,
  event_type text not null check (length(event_type) <= 100),
  doc jsonb not null,
  -- ids of the Atrium records made from this document, by kind: {"readings": [...], "sensors": [...], ...}
  derived jsonb not null default '{}',
  app text check (length(app) <= 200),
  srv_created timestamptz not null default now(),
  srv_modified timestamptz not null default now(),
  is_valid boolean not null default true
);
create unique index ns_treatments_client_uq on glucose.ns_treatments (patient_id, client_id) where client_id is not null;
create unique index ns_treatments_time_uq on glucose.ns_treatments (patient_id, created_at, event_type) where client_id is null;
create index ns_treatments_created_idx on glucose.ns_treatments (patient_id, created_at desc);
create index ns_treatments_modified_idx on glucose.ns_treatments (patient_id, srv_modified);

create table glucose.ns_profiles (
  id uuid primary key default platform.uuid_v7(),
  patient_id uuid not null references platform.users(id) on delete cascade,
  client_id text check (length(client_id) <= 64),
  start_date timestamptz not null,
  doc jsonb not null,
  srv_created timestamptz not null default now(),
  srv_modified timestamptz not null default now(),
  is_valid boolean not null default true
);
create unique index ns_profiles_client_uq on glucose.ns_profiles (patient_id, client_id) where client_id is not null;
create index ns_profiles_start_idx on glucose.ns_profiles (patient_id, start_date desc);
create index ns_profiles_modified_idx on glucose.ns_profiles (patient_id, srv_modified);

-- Deletions made through the Nightscout APIs, for API v3 history (`isValid: false`).
create table glucose.ns_tombstones (
  patient_id uuid not null references platform.users(id) on delete cascade,
  collection text not null check (collection in ('entries', 'treatments', 'devicestatus', 'profile')),
  identifier text not null check (length(identifier) <= 64),
  deleted_at timestamptz not null default now(),
  primary key (patient_id, collection, identifier)
);
create index ns_tombstones_deleted_idx on glucose.ns_tombstones (patient_id, deleted_at);
