-- Glucose module, part 1: the care team (who may see which patient), patient configuration, alert thresholds
-- (read by readings and the Nightscout routes; their API belongs to alerts), uploader credentials.
create schema if not exists glucose;

-- A caregiver or clinician following a patient. Active while ended_at is null.
create table glucose.care_links (
  id uuid primary key default platform.uuid_v7(),
  patient_id uuid not null references platform.users(id) on delete cascade,
  member_id uuid not null references platform.users(id) on delete cascade,
  relation text not null check (relation in ('caregiver', 'clinician')),
  via text not null check (via in ('invitation', 'admin')),
  created_by uuid references platform.users(id) on delete set null,
  created_at timestamptz not null default now(),
  ended_at timestamptz,
  ended_by uuid references platform.users(id) on delete set null,
  check (patient_id <> member_id)
);
create unique index care_links_active_uq on glucose.care_links (patient_id, member_id) where ended_at is null;
create index care_links_member_idx on glucose.care_links (member_id) where ended_at is null;

-- A caregiver or clinician asks to follow the patient with this email; the patient accepts or declines.
-- Kept by email (not user id) so that asking never reveals whether an account exists.
create table glucose.care_invitations (
  id uuid primary key default platform.uuid_v7(),
  inviter_id uuid not null references platform.users(id) on delete cascade,
  relation text not null check (relation in ('caregiver', 'clinician')),
  patient_email citext not null check (length(patient_email) <= 254),
  message text check (length(message) <= 500),
  status text not null default 'pending' check (status in ('pending', 'accepted', 'declined', 'cancelled')),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  responded_at timestamptz,
  link_id uuid references glucose.care_links(id) on delete set null
);
create unique index care_invitations_pending_uq on glucose.care_invitations (inviter_id, patient_email) where status = 'pending';
create index care_invitations_email_idx on glucose.care_invitations (patient_email) where status = 'pending';

create table glucose.patient_settings (
  patient_id uuid primary key references platform.users(id) on delete cascade,
  -- null: follow the time zone of the patient's profile (platform.users.time_zone), so there is one place to change it
  timezone text,
  diabetes_type text not null default 'unknown' check (diabetes_type in ('t1', 't2', 'gestational', 'other', 'unknown')),
  weight_kg numeric(5,1) check (weight_kg between 20 and 400),
  isf_schedule jsonb,
  carb_ratio_schedule jsonb,
  dia_hours numeric(3,1) not null default 5.0 check (dia_hours between 5.0 and 8.0),
  bolus_insulin_kind text not null default 'rapid' check (bolus_insulin_kind in ('rapid', 'ultra_rapid')),
  insulin_peak_minutes smallint check (insulin_peak_minutes between 35 and 120),
  carb_delay_minutes smallint not null default 15 check (carb_delay_minutes between 0 and 60),
  carb_absorption_minutes smallint not null default 180 check (carb_absorption_minutes between 60 and 480),
  use_uploader_profile boolean not null default false,
  expose_native_to_uploaders boolean not null default false,
  updated_by uuid references platform.users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (isf_schedule is null or jsonb_typeof(isf_schedule) = 'array'),
  check (carb_ratio_schedule is null or jsonb_typeof(carb_ratio_schedule) = 'array')
);

create table glucose.alert_settings (
  patient_id uuid primary key references platform.users(id) on delete cascade,
  urgent_low smallint not null default 54 check (urgent_low between 50 and 65),
  low smallint not null default 70 check (low between 60 and 100),
  high smallint not null default 180 check (high between 120 and 300),
  urgent_high smallint not null default 250 check (urgent_high between 180 and 400),
  rapid_rate numeric(3,1) not null default 2.0 check (rapid_rate between 1.0 and 5.0),
  stale_warning_min smallint not null default 15 check (stale_warning_min between 10 and 60),
  stale_urgent_min smallint not null default 30 check (stale_urgent_min between 20 and 120),
  hysteresis_mgdl smallint not null default 5 check (hysteresis_mgdl between 0 and 20),
  enabled jsonb not null default '{"low": true, "high": true, "urgent_high": true, "rapid_fall": true, "rapid_rise": true, "predicted_low": true, "stale_data": true}',
  renotify_critical_min smallint not null default 5 check (renotify_critical_min between 2 and 30),
  ack_silence_min smallint not null default 30 check (ack_silence_min between 10 and 120),
  ack_silence_urgent_low_min smallint not null default 15 check (ack_silence_urgent_low_min between 5 and 30),
  escalation jsonb not null default '{"types": ["urgent_low"], "firstDelayMinutes": 5, "repeatEveryMinutes": 2, "maxLevels": 3, "levels": [{"level": 1, "recipients": "caregivers", "channels": ["push", "inapp"]}, {"level": 2, "recipients": "caregivers", "channels": ["sms", "whatsapp"]}, {"level": 3, "recipients": "emergency_contacts", "channels": ["sms", "whatsapp"]}]}',
  updated_by uuid references platform.users(id) on delete set null,
  updated_at timestamptz not null default now(),
  check (urgent_low < low and low < high and high < urgent_high),
  check (low - urgent_low >= 5 and urgent_high - high >= 20),
  check (stale_urgent_min > stale_warning_min),
  -- urgent low alerts cannot be switched off: there is no key for them
  check (not (enabled ? 'urgent_low'))
);

-- Nightscout uploader credentials. Only keyed hashes are stored: HMAC-SHA256(pepper, lowercase SHA-1 hex of the
-- secret) — the value an uploader sends in `api-secret` — and the HMAC of the v3 access token.
create table glucose.upload_credentials (
  patient_id uuid primary key references platform.users(id) on delete cascade,
  secret_lookup bytea unique,
  previous_lookup bytea unique,
  previous_valid_until timestamptz,
  access_token_lookup bytea unique,
  created_at timestamptz not null default now(),
  rotated_at timestamptz,
  access_token_created_at timestamptz,
  last_used_at timestamptz,
  last_used_app text check (length(last_used_app) <= 200),
  check ((previous_lookup is null) = (previous_valid_until is null))
);
