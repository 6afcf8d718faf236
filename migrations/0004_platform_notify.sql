-- Notifications: the outbox (one row per message, recipient and channel), the in-app inbox,
-- per-category channel preferences and push device tokens.

create table platform.notification_outbox (
  id uuid primary key default platform.uuid_v7(),
  -- One notify.send() to one recipient; the rows of its channels share it (and one inbox copy at most).
  message_id uuid not null,
  user_id uuid references platform.users(id) on delete cascade,
  -- Email, E.164 number or URL for recipients that are not users; for users, read from the profile at delivery.
  address text,
  recipient_key text not null,
  channel text not null check (channel in ('inapp', 'email', 'sms', 'whatsapp', 'push', 'webhook', 'discord')),
  category text not null check (category ~ '^[a-z][a-z0-9_.-]{0,62}$'),
  template text not null check (template ~ '^[a-z][a-z0-9_.-]{0,62}$'),
  data jsonb not null default '{}',
  locale text not null default 'en' check (locale in ('en', 'fr')),
  dedup_key text not null check (length(dedup_key) between 1 and 300),
  critical boolean not null default false,
  status text not null default 'pending' check (status in (
    'pending', 'deferred', 'sending', 'sent', 'delivered', 'failed', 'not_configured', 'suppressed')),
  attempts integer not null default 0,
  deliver_after timestamptz not null default now(),
  -- Set when a delivery job was enqueued; the sweeper enqueues again when it is old and the row still pending.
  dispatched_at timestamptz,
  provider_id text,
  provider_status text,
  error_code text,
  error_message text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  sent_at timestamptz,
  delivered_at timestamptz,
  check (user_id is not null or address is not null),
  -- The same key never sends twice to the same recipient on the same channel.
  unique (dedup_key, recipient_key, channel)
);
create index notification_outbox_due_idx on platform.notification_outbox (deliver_after)
  where status in ('pending', 'deferred');
create index notification_outbox_sending_idx on platform.notification_outbox (updated_at) where status = 'sending';
create unique index notification_outbox_provider_idx on platform.notification_outbox (channel, provider_id)
  where provider_id is not null and channel in ('sms', 'whatsapp', 'email');
create index notification_outbox_user_idx on platform.notification_outbox (user_id, id desc);
create index notification_outbox_created_idx on platform.notification_outbox using brin (created_at);

create table platform.inbox_messages (
  id uuid primary key default platform.uuid_v7(),
  user_id uuid not null references platform.users(id) on delete cascade,
  message_id uuid not null,
  category text not null,
  template text not null,
  title text not null,
  body text not null,
  link text,
  data jsonb not null default '{}',
  critical boolean not null default false,
  created_at timestamptz not null default now(),
  read_at timestamptz,
  unique (user_id, message_id)
);
create index inbox_messages_user_idx on platform.inbox_messages (user_id, id desc);
create index inbox_messages_unread_idx on platform.inbox_messages (user_id) where read_at is null;

create table platform.notification_preferences (
  user_id uuid not null references platform.users(id) on delete cascade,
  category text not null check (category ~ '^[a-z][a-z0-9_.-]{0,62}$'),
  channels text[] not null check (channels <@ array['inapp', 'email', 'sms', 'whatsapp', 'push']::text[]),
  updated_at timestamptz not null default now(),
  primary key (user_id, category)
);

create table platform.push_devices (
  id uuid primary key default platform.uuid_v7(),
  user_id uuid not null references platform.users(id) on delete cascade,
  token text not null unique check (length(token) between 10 and 4096),
  platform text not null check (platform in ('android', 'ios', 'web')),
  label text check (length(label) <= 100),
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now()
);
create index push_devices_user_idx on platform.push_devices (user_id);
