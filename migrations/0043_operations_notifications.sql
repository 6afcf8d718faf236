-- Operations module, notifications and housekeeping (spec operations.md §3.2, §3.4, §3.5): per-organisation
-- notification settings, the quote notification ledger whose unique dedup key makes every event send exactly once,
-- ops alerts with their per-channel delivery, the ops settings singleton and the temp-file registry of the cleanup job.
create schema if not exists operations;

create table operations.notification_setting (
  organization_id uuid primary key references operations.organization(id),
  timezone text not null default 'Europe/Paris' check (length(timezone) between 1 and 64),
  webhook_enabled boolean not null default false,
  -- Sealed (AES-256-GCM) by the platform secret facility; never returned by the API.
  discord_webhook_url_secret text,
  email_enabled boolean not null default false,
  email_recipients text[] not null default '{}' check (cardinality(email_recipients) <= 50),
  notify_responsible boolean not null default true,
  notify_statuses text[] not null default '{issued,accepted}'
    check (notify_statuses <@ array['draft', 'issued', 'accepted', 'rejected', 'paid', 'cancelled']::text[]),
  notifications_enabled_from date not null default current_date,
  locale text not null default 'fr-FR' check (locale in ('fr-FR', 'en-GB', 'en-US')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  check (not webhook_enabled or discord_webhook_url_secret is not null)
);

create table operations.quote_notification (
  id uuid primary key default platform.uuid_v7(),
  -- Kept for the life of the quote (§3.5); only draft quotes can be deleted and drafts never notify.
  quote_id uuid not null references operations.quote(id) on delete cascade,
  organization_id uuid not null references operations.organization(id),
  kind text not null check (kind in ('period_started', 'deadline_reached')),
  event_date date not null,
  dedup_key text not null unique check (dedup_key like 'operations:quote:%'),
  resend_no smallint not null default 0 check (resend_no >= 0),
  status text not null check (status in ('queued', 'delivered', 'failed', 'skipped')),
  skip_reason text check (skip_reason in ('before_enable_date')),
  late_by_days integer not null check (late_by_days >= 0),
  channels jsonb not null default '{}',
  detected_at timestamptz not null default now(),
  delivered_at timestamptz,
  last_error text check (length(last_error) <= 2000),
  requeued_at timestamptz,
  requested_by uuid references platform.users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (quote_id, kind, event_date, resend_no),
  check ((status = 'skipped') = (skip_reason is not null)),
  check ((status = 'delivered') = (delivered_at is not null))
);
create index quote_notification_status_idx on operations.quote_notification (status, detected_at);
create index quote_notification_org_idx on operations.quote_notification (organization_id, detected_at desc, id desc);
create index quote_notification_quote_idx on operations.quote_notification (quote_id, detected_at desc);

create table operations.ops_alert (
  id uuid primary key default platform.uuid_v7(),
  kind text not null check (kind in ('job_dead_lettered', 'schedule_missed', 'backup_failed', 'checksum_mismatch', 'backup_missing',
    'restore_verify_failed', 'notification_undelivered', 'backup_key_missing', 'partition_missing', 'self_check_failed')),
  severity text not null check (severity in ('critical', 'high', 'medium', 'low')),
  dedup_key text not null unique check (length(dedup_key) between 1 and 300),
  title text not null check (length(title) between 1 and 300),
  details jsonb not null default '{}',
  raised_at timestamptz not null default now(),
  delivery jsonb not null default '{}',
  acknowledged_at timestamptz,
  acknowledged_by uuid references platform.users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((acknowledged_at is null) = (acknowledged_by is null))
);
create index ops_alert_raised_idx on operations.ops_alert (raised_at desc, id desc);
create index ops_alert_open_idx on operations.ops_alert (raised_at desc) where acknowledged_at is null;

create table operations.ops_setting (
  id smallint primary key default 1 check (id = 1),
  discord_webhook_secret text,
  email_recipients text[] not null default '{}' check (cardinality(email_recipients) <= 50),
  in_app_roles text[] not null default '{admin}' check (in_app_roles <@ array['admin', 'manager']::text[]),
  external_heartbeat_url text check (external_heartbeat_url is null or external_heartbeat_url ~ '^https?://'),
  run_retention_days integer not null default 400 check (run_retention_days between 7 and 3650),
  failure_retention_days integer not null default 90 check (failure_retention_days between 7 and 3650),
  alert_retention_days integer not null default 400 check (alert_retention_days between 7 and 3650),
  log_compress_days integer not null default 7 check (log_compress_days between 1 and 365),
  log_delete_days integer not null default 30 check (log_delete_days between 1 and 3650),
  step_up_minutes integer not null default 10 check (step_up_minutes between 1 and 120),
  updated_by uuid references platform.users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  check (log_delete_days > log_compress_days)
);
insert into operations.ops_setting (id) values (1) on conflict do nothing;

create table operations.temp_file (
  path text primary key check (path !~ '(^/|\.\.)'),
  category text not null check (category in ('export', 'upload', 'restore', 'decrypted')),
  owner_run_id uuid,
  size_bytes bigint check (size_bytes >= 0),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index temp_file_expires_idx on operations.temp_file (expires_at);

-- Quotes whose dates or status changed since the last pass of the per-minute single-quote scan (spec §4.2: a quote
-- entered today with past dates is notified within about a minute, not the next morning). Filled by a trigger, so
-- every writer of operations.quote is covered.
create table operations.notification_scan_request (
  quote_id uuid primary key references operations.quote(id) on delete cascade,
  requested_at timestamptz not null default now()
);

create function operations.request_quote_notification_scan() returns trigger language plpgsql as $$
begin
  if new.status in ('issued', 'accepted', 'rejected', 'paid')
     and (new.start_date <= current_date + 1 or new.due_date <= current_date + 1)
     and (tg_op = 'INSERT' or new.start_date is distinct from old.start_date or new.due_date is distinct from old.due_date
          or new.status is distinct from old.status) then
    insert into operations.notification_scan_request (quote_id) values (new.id)
      on conflict (quote_id) do update set requested_at = excluded.requested_at;
  end if;
  return null;
end $$;
create trigger quote_notification_scan_request after insert or update on operations.quote
  for each row execute function operations.request_quote_notification_scan();
