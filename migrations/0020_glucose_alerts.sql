-- Glucose alerts (§3.3): one open alert per patient and family, its action log, who receives which patient's
-- alerts, and the patient's emergency contacts (recipients of escalation and of call_contact).
create table glucose.alerts (
  id uuid primary key default platform.uuid_v7(),
  patient_id uuid not null references platform.users(id) on delete cascade,
  family text not null check (family in ('low', 'high', 'rapid', 'predicted_low', 'stale')),
  type text not null check (type in ('urgent_low', 'low', 'high', 'urgent_high', 'rapid_fall', 'rapid_rise', 'predicted_low', 'stale_data')),
  severity text not null check (severity in ('warning', 'critical')),
  status text not null default 'pending' check (status in ('pending', 'acknowledged', 'snoozed', 'escalated', 'resolved')),
  trigger_reading_id uuid,
  trigger_value numeric(5,1),
  threshold numeric(6,1),
  trigger_rate numeric(5,2),
  forecast jsonb,
  triggered_at timestamptz not null,
  last_value numeric(5,1),
  last_value_at timestamptz,
  acknowledged_at timestamptz,
  acknowledged_by uuid references platform.users(id) on delete set null,
  silence_until timestamptz,
  snoozed_until timestamptz,
  snooze_count smallint not null default 0,
  escalation_level smallint not null default 0 check (escalation_level between 0 and 5),
  next_escalation_at timestamptz,
  next_renotify_at timestamptz,
  follow_up_at timestamptz,
  resolved_at timestamptz,
  resolved_reason text check (resolved_reason in ('condition_cleared', 'superseded', 'sensor_ended', 'admin_closed')),
  -- counts re-notifications and reopenings so that each gets its own notification dedup key
  renotify_count int not null default 0,
  reopen_count int not null default 0,
  -- bumped whenever escalation restarts at level 1: a delayed job of an earlier round finds it changed and does nothing
  escalation_round int not null default 0,
  version int not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((status = 'resolved') = (resolved_at is not null))
);
create unique index alerts_open_family_uq on glucose.alerts (patient_id, family) where status <> 'resolved';
create index alerts_patient_time_idx on glucose.alerts (patient_id, triggered_at desc);
create index alerts_escalation_idx on glucose.alerts (next_escalation_at) where status in ('pending', 'escalated');
create index alerts_snoozed_idx on glucose.alerts (snoozed_until) where status = 'snoozed';

create table glucose.alert_actions (
  id uuid primary key default platform.uuid_v7(),
  alert_id uuid references glucose.alerts(id) on delete cascade, -- null: a quick action taken without an alert
  patient_id uuid not null,
  action text not null check (action in ('raised', 'notified', 'upgraded', 'acknowledged', 'snoozed', 'snooze_ended', 'escalated',
    'renotified', 'treat_hypo', 'already_treated', 'call_contact', 'recheck_due', 'reopened', 'resolved')),
  actor_user_id uuid references platform.users(id) on delete set null,
  actor_role text,
  payload jsonb,
  created_at timestamptz not null default now()
);
create index alert_actions_alert_idx on glucose.alert_actions (alert_id, created_at);

create table glucose.alert_subscriptions (
  user_id uuid not null references platform.users(id) on delete cascade,
  patient_id uuid not null references platform.users(id) on delete cascade,
  level text not null check (level in ('all', 'critical', 'none')),
  updated_at timestamptz not null default now(),
  primary key (user_id, patient_id)
);
create index alert_subscriptions_patient_idx on glucose.alert_subscriptions (patient_id);

create table glucose.emergency_contacts (
  id uuid primary key default platform.uuid_v7(),
  patient_id uuid not null references platform.users(id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  phone_e164 text not null check (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
  email text check (length(email) <= 254),
  whatsapp boolean not null default false,
  relation text check (length(relation) <= 50),
  priority smallint not null default 1 check (priority between 1 and 9),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index emergency_contacts_patient_idx on glucose.emergency_contacts (patient_id, priority);
