-- Glucose module: forecasts 30 and 60 minutes ahead, their evaluation against the readings that followed,
-- feedback, and accuracy per model and horizon (§3.7, §4.10, §5.11).

-- Monthly partitions of glucose.predictions (kept 90 days, §3.8). Its own function: the readings' one only
-- knows the readings and device status tables.
create function glucose.ensure_prediction_partitions(from_ts timestamptz, to_ts timestamptz) returns integer
language plpgsql as $$
declare
  month date := date_trunc('month', from_ts at time zone 'UTC')::date;
  last_month date := date_trunc('month', to_ts at time zone 'UTC')::date;
  created integer := 0;
  part text;
begin
  if last_month - month > 400 then
    raise exception 'refusing to create prediction partitions over more than a year (% to %)', from_ts, to_ts;
  end if;
  perform pg_advisory_xact_lock(hashtextextended('glucose.partitions', 0));
  while month <= last_month loop
    part := 'predictions_' || to_char(month, 'YYYYMM');
    if to_regclass('glucose.' || part) is null then
      execute format('create table glucose.%I partition of glucose.predictions for values from (%L) to (%L)',
        part, month::timestamp at time zone 'UTC', (month + interval '1 month')::timestamp at time zone 'UTC');
      created := created + 1;
    end if;
    month := (month + interval '1 month')::date;
  end loop;
  return created;
end $$;

create function glucose.drop_prediction_partitions_before(before_ts timestamptz) returns setof text
language plpgsql as $$
declare
  part record;
  month date;
begin
  perform pg_advisory_xact_lock(hashtextextended('glucose.partitions', 0));
  for part in
    select c.relname from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_class p on p.oid = i.inhparent
    join pg_namespace n on n.oid = p.relnamespace
    where n.nspname = 'glucose' and p.relname = 'predictions' and c.relname ~ '^predictions_[0-9]{6}$'
  loop
    month := to_date(right(part.relname, 6), 'YYYYMM');
    if (month + interval '1 month')::timestamp at time zone 'UTC' <= before_ts then
      execute format('drop table glucose.%I', part.relname);
      return next part.relname;
    end if;
  end loop;
end $$;

create table glucose.predictions (
  id uuid not null default platform.uuid_v7(),
  patient_id uuid not null,
  base_reading_id uuid not null,
  base_time timestamptz not null,
  base_value numeric(5,1) not null check (base_value between 39 and 600),
  -- {points:[{minutesAhead, value}], ...}: 12 points 5..60 min; null when the model could not run
  ar2 jsonb,
  physio jsonb,
  external jsonb,
  primary_model text check (primary_model in ('external', 'physio', 'ar2')),
  fallback_reason text check (fallback_reason in ('insufficient_data', 'external_timeout', 'external_http_error', 'external_invalid_response',
    'external_low_confidence', 'external_insufficient_data', 'external_circuit_open', 'external_pending', 'external_not_called')),
  p_hypo_30 numeric(4,3) check (p_hypo_30 between 0 and 1),
  p_hyper_30 numeric(4,3) check (p_hyper_30 between 0 and 1),
  p_hypo_60 numeric(4,3) check (p_hypo_60 between 0 and 1),
  p_hyper_60 numeric(4,3) check (p_hyper_60 between 0 and 1),
  iob_u numeric(6,2),
  cob_g numeric(6,1),
  actual_30 numeric(5,1),
  actual_60 numeric(5,1),
  evaluated_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (patient_id, base_time, id),
  unique (patient_id, base_reading_id, base_time),
  -- the primary model is one whose result is stored
  check ((primary_model <> 'ar2' or ar2 is not null) and (primary_model <> 'physio' or physio is not null) and (primary_model <> 'external' or external is not null))
) partition by range (base_time);
create index predictions_unevaluated_idx on glucose.predictions (base_time) where evaluated_at is null;
create index predictions_id_idx on glucose.predictions (id);
select glucose.ensure_prediction_partitions(now() - interval '3 months', now() + interval '3 months');

create table glucose.prediction_feedback (
  id uuid primary key default platform.uuid_v7(),
  prediction_id uuid not null,
  patient_id uuid not null references platform.users(id) on delete cascade,
  user_id uuid not null references platform.users(id) on delete cascade,
  outcome text not null check (outcome in ('accurate', 'too_high', 'too_low', 'missed_event', 'false_alarm')),
  user_action text not null check (user_action in ('none', 'took_carbs', 'took_insulin', 'exercised', 'other')),
  notes text check (length(notes) <= 500),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (prediction_id, user_id)
);
create index prediction_feedback_patient_idx on glucose.prediction_feedback (patient_id, created_at);

create table glucose.prediction_accuracy_daily (
  patient_id uuid not null references platform.users(id) on delete cascade,
  local_date date not null,
  model text not null check (model in ('ar2', 'physio', 'external')),
  horizon smallint not null check (horizon in (30, 60)),
  n integer not null default 0 check (n >= 0),
  sum_sq_err float8 not null default 0,
  sum_abs_err float8 not null default 0,
  sum_abs_rel_err float8 not null default 0,
  sum_err float8 not null default 0,
  zone_a integer not null default 0, zone_b integer not null default 0, zone_c integer not null default 0,
  zone_d integer not null default 0, zone_e integer not null default 0,
  primary key (patient_id, local_date, model, horizon),
  check (zone_a + zone_b + zone_c + zone_d + zone_e = n)
);
