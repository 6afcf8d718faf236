-- Realtime bus: event payloads too large for NOTIFY (8,000-byte limit). The publisher stores the row and
-- notifies its id in the same statement; receivers fetch it; rows older than a minute are pruned.
-- Unlogged: a row lives seconds and is worthless after a crash, so it need not cost WAL.
create unlogged table platform.realtime_payloads (
  id uuid primary key,
  topic text not null check (length(topic) between 1 and 200),
  event text not null check (length(event) between 1 and 100),
  data jsonb not null,
  created_at timestamptz not null default now()
);
create index realtime_payloads_created_at on platform.realtime_payloads (created_at);
