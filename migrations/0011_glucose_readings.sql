-- Glucose module, part 2: readings (one table, range-partitioned by month), the latest reading per patient,
-- upload batches and the per-day aggregates that ingestion marks dirty.

-- Creates the missing monthly partitions (glucose.<parent>_YYYYMM, UTC months) covering [from_ts, to_ts].
-- Called at start, by ingestion before it writes into a month, and by the daily maintenance job.
create function glucose.ensure_month_partitions(parent text, from_ts timestamptz, to_ts timestamptz) returns integer
language plpgsql as $$
declare
  month date := date_trunc('month', from_ts at time zone 'UTC')::date;
  last_month date := date_trunc('month', to_ts at time zone 'UTC')::date;
  created integer := 0;
  part text;
begin
  if parent not in ('readings', 'device_status') then
    raise exception 'glucose.% is not a monthly partitioned table', parent;
  end if;
  if last_month - month > 3660 then
    raise exception 'refusing to create partitions over more than ten years (% to %)', from_ts, to_ts;
  end if;
  perform pg_advisory_xact_lock(hashtextextended('glucose.partitions', 0));
  while month <= last_month loop
    part := parent || '_' || to_char(month, 'YYYYMM');
    if to_regclass('glucose.' || part) is null then
      execute format('create table glucose.%I partition of glucose.%I for values from (%L) to (%L)',
        part, parent, month::timestamp at time zone 'UTC', (month + interval '1 month')::timestamp at time zone 'UTC');
      created := created + 1;
    end if;
    month := (month + interval '1 month')::date;
  end loop;
  return created;
end $$;

-- Drops the monthly partitions that end on or before `before_ts` (retention); answers their names.
create function glucose.drop_month_partitions_before(parent text, before_ts timestamptz) returns setof text
language plpgsql as $$
declare
  part record;
  month date;
begin
  if parent not in ('readings', 'device_status') then
    raise exception 'glucose.% is not a monthly partitioned table', parent;
  end if;
  perform pg_advisory_xact_lock(hashtextextended('glucose.partitions', 0));
  for part in
    select c.relname from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_class p on p.oid = i.inhparent
    join pg_namespace n on n.oid = p.relnamespace
    where n.nspname = 'glucose' and p.relname = parent and c.relname ~ ('^' || parent || '_[0-9]{6}$')
  loop
    month := to_date(right(part.relname, 6), 'YYYYMM');
    if (month + interval '1 month')::timestamp at time zone 'UTC' <= before_ts then
      execute format('drop table glucose.%I', part.relname);
      return next part.relname;
    end if;
  end loop;
end $$;

create table glucose.readings (
  -- UUIDv7 whose 48-bit timestamp is measured_at in ms, so an id alone finds its partition
  id uuid not null,
  patient_id uuid not null,
  measured_at timestamptz not null check (measured_at = date_trunc('second', measured_at)),
  source text not null check (source in ('cgm', 'meter', 'manual')),
  value_mgdl numeric(5,1) not null,
  direction text check (direction in ('DoubleUp', 'SingleUp', 'FortyFiveUp', 'Flat', 'FortyFiveDown', 'SingleDown',
    'DoubleDown', 'NOT COMPUTABLE', 'RATE OUT OF RANGE', 'NONE')),
  trend_rate numeric(5,2),
  context text check (context in ('fasting', 'preprandial', 'postprandial_1h', 'postprandial_2h', 'bedtime', 'exercise', 'stress', 'correction')),
  notes text check (length(notes) <= 500),
  sensor_id uuid,
  device text check (length(device) <= 100),
  noise smallint check (noise between 0 and 4),
  utc_offset_min smallint check (utc_offset_min between -840 and 840),
  flags text[] not null default '{}'
    check (flags <@ array['below_sensor_range', 'above_sensor_range', 'suspect', 'outlier_confirmed', 'warmup']),
  raw jsonb,
  entered_by uuid,
  upload_batch_id uuid,
  client_id text check (length(client_id) <= 64),
  received_at timestamptz not null default now(),
  deleted_at timestamptz,
  deleted_by uuid,
  delete_reason text check (length(delete_reason) <= 500),
  check (case when source = 'cgm' then value_mgdl between 39 and 600 else value_mgdl between 20 and 600 end),
  check (context is null or source = 'manual'),
  -- the exact deduplication key; a soft-deleted reading keeps it, so a re-upload stays deleted
  primary key (patient_id, measured_at, source) include (value_mgdl)
) partition by range (measured_at);
-- No foreign keys here: they are row triggers, and bulk ingestion must not pay one per reading.
create index readings_id_idx on glucose.readings (id);
create index readings_received_idx on glucose.readings (patient_id, received_at);
create index readings_client_id_idx on glucose.readings (patient_id, client_id) where client_id is not null;
create index readings_measured_brin on glucose.readings using brin (measured_at);

select glucose.ensure_month_partitions('readings', now() - interval '1 month', now() + interval '3 months');

create table glucose.latest_readings (
  patient_id uuid primary key references platform.users(id) on delete cascade,
  reading_id uuid not null,
  measured_at timestamptz not null,
  value_mgdl numeric(5,1) not null,
  source text not null check (source in ('cgm', 'meter', 'manual')),
  direction text,
  trend_rate numeric(5,2),
  delta5 numeric(5,1),
  flags text[] not null default '{}',
  sensor_id uuid,
  last_cgm_at timestamptz,
  updated_at timestamptz not null default now()
);

create table glucose.upload_batches (
  id uuid primary key default platform.uuid_v7(),
  patient_id uuid not null references platform.users(id) on delete cascade,
  channel text not null check (channel in ('api', 'nightscout_v1', 'nightscout_v3')),
  app text check (length(app) <= 200),
  received_at timestamptz not null default now(),
  item_count integer not null check (item_count >= 0),
  inserted integer not null check (inserted >= 0),
  duplicates integer not null check (duplicates >= 0),
  rejected integer not null check (rejected >= 0),
  first_measured_at timestamptz,
  last_measured_at timestamptz
);
create index upload_batches_patient_idx on glucose.upload_batches (patient_id, received_at desc);

create table glucose.daily_stats (
  patient_id uuid not null references platform.users(id) on delete cascade,
  local_date date not null,
  basis text not null check (basis in ('cgm', 'all')),
  n integer not null default 0,
  sum float8 not null default 0,
  sum_sq float8 not null default 0,
  min numeric(5,1),
  max numeric(5,1),
  n_lt54 integer not null default 0,
  n_lt70 integer not null default 0,
  n_70_180 integer not null default 0,
  n_gt180 integer not null default 0,
  n_gt250 integer not null default 0,
  lbgi_sum float8 not null default 0,
  hbgi_sum float8 not null default 0,
  slots_covered integer not null default 0,
  dt0_min smallint,
  first_at timestamptz,
  last_at timestamptz,
  dirty boolean not null default true,
  updated_at timestamptz not null default now(),
  primary key (patient_id, local_date, basis)
);
create index daily_stats_dirty_idx on glucose.daily_stats (patient_id) where dirty;
