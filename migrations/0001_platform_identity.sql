-- Platform foundation: ids, settings, identity, sessions, audit, idempotency.
create extension if not exists citext;
create schema if not exists platform;

-- UUIDv7 (time-ordered) for PostgreSQL < 18, which has no built-in uuidv7().
create or replace function platform.uuid_v7() returns uuid
language plpgsql volatile as $$
declare
  ts bigint := floor(extract(epoch from clock_timestamp()) * 1000);
  bytes bytea := uuid_send(gen_random_uuid());
begin
  bytes := set_byte(bytes, 0, ((ts >> 40) & 255)::int);
  bytes := set_byte(bytes, 1, ((ts >> 32) & 255)::int);
  bytes := set_byte(bytes, 2, ((ts >> 24) & 255)::int);
  bytes := set_byte(bytes, 3, ((ts >> 16) & 255)::int);
  bytes := set_byte(bytes, 4, ((ts >> 8) & 255)::int);
  bytes := set_byte(bytes, 5, (ts & 255)::int);
  bytes := set_byte(bytes, 6, ((get_byte(bytes, 6) & 15) | 112));
  bytes := set_byte(bytes, 8, ((get_byte(bytes, 8) & 63) | 128));
  return encode(bytes, 'hex')::uuid;
end $$;

-- Instance-wide values generated once (e.g. the signing secret when none is configured).
create table platform.settings (
  key text primary key,
  value text not null,
  created_at timestamptz not null default now()
);

create table platform.users (
  id uuid primary key default platform.uuid_v7(),
  email citext not null unique check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  password_hash text not null,
  display_name text not null check (length(display_name) between 1 and 120),
  phone text check (phone ~ '^\+[1-9][0-9]{6,14}$'),
  locale text not null default 'en' check (locale in ('en', 'fr')),
  time_zone text not null default 'Europe/Paris',
  glucose_unit text not null default 'mg/dL' check (glucose_unit in ('mg/dL', 'mmol/L')),
  low_threshold_mgdl integer not null default 70 check (low_threshold_mgdl between 40 and 120),
  high_threshold_mgdl integer not null default 180 check (high_threshold_mgdl between 120 and 400),
  quiet_hours_start time,
  quiet_hours_end time,
  quiet_hours_allow_critical boolean not null default true,
  status text not null default 'active' check (status in ('active', 'locked')),
  failed_login_count integer not null default 0,
  locked_until timestamptz,
  totp_secret text,
  totp_enabled_at timestamptz,
  totp_last_step bigint,
  password_changed_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (low_threshold_mgdl < high_threshold_mgdl),
  check ((quiet_hours_start is null) = (quiet_hours_end is null))
);

create table platform.user_roles (
  user_id uuid not null references platform.users(id) on delete cascade,
  role text not null check (role in ('admin', 'patient', 'clinician', 'caregiver', 'buyer', 'staff', 'manager', 'supervisor', 'gaveur')),
  granted_by uuid references platform.users(id) on delete set null,
  granted_at timestamptz not null default now(),
  primary key (user_id, role)
);

-- One family per sign-in (a "session"); each refresh rotates the token within its family.
create table platform.sessions (
  id uuid primary key default platform.uuid_v7(),
  user_id uuid not null references platform.users(id) on delete cascade,
  user_agent text,
  ip text,
  totp_verified_at timestamptz,
  created_at timestamptz not null default now(),
  last_used_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  revoked_reason text
);
create index sessions_user_idx on platform.sessions (user_id) where revoked_at is null;

create table platform.refresh_tokens (
  token_hash text primary key,
  session_id uuid not null references platform.sessions(id) on delete cascade,
  created_at timestamptz not null default now(),
  used_at timestamptz
);
create index refresh_tokens_session_idx on platform.refresh_tokens (session_id);

create table platform.totp_recovery_codes (
  user_id uuid not null references platform.users(id) on delete cascade,
  code_hash text not null,
  used_at timestamptz,
  primary key (user_id, code_hash)
);

create table platform.password_reset_tokens (
  token_hash text primary key,
  user_id uuid not null references platform.users(id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);

create table platform.audit_events (
  id uuid primary key default platform.uuid_v7(),
  at timestamptz not null default now(),
  actor_id uuid,
  actor_email text,
  action text not null,
  entity text not null,
  entity_id text,
  ip text,
  request_id text,
  diff jsonb
);
create index audit_events_at_idx on platform.audit_events using brin (at);
create index audit_events_entity_idx on platform.audit_events (entity, entity_id, id desc);
create index audit_events_actor_idx on platform.audit_events (actor_id, id desc);

create table platform.idempotency_keys (
  scope text not null,
  key text not null check (length(key) between 1 and 255),
  request_hash text not null,
  state text not null default 'in_progress' check (state in ('in_progress', 'done')),
  status_code integer,
  response_body text,
  response_type text,
  created_at timestamptz not null default now(),
  primary key (scope, key)
);
create index idempotency_keys_created_idx on platform.idempotency_keys (created_at);
