-- Glucose III A (§3.4): medication plans, their generated dose occurrences, stock and stock movements.

create table glucose.medication_plans (
  id uuid primary key default platform.uuid_v7(),
  patient_id uuid not null references platform.users(id) on delete cascade,
  name text not null check (length(name) between 1 and 120),
  kind text not null check (kind in ('insulin_rapid', 'insulin_ultra_rapid', 'insulin_long', 'insulin_intermediate',
    'insulin_premixed', 'oral', 'glp1', 'other')),
  dose_amount numeric(8,3) not null check (dose_amount > 0 and dose_amount <= 1000),
  dose_unit text not null check (dose_unit in ('mg', 'mcg', 'ml', 'units', 'tablet', 'capsule', 'puff', 'drop')),
  -- {type: fixed_times, times: ["08:00"], daysOfWeek?: [1..7]} | {type: interval, firstDoseAt, intervalHours} | {type: as_needed}
  schedule jsonb not null check (schedule->>'type' in ('fixed_times', 'interval', 'as_needed')),
  start_date date not null,
  end_date date,
  instructions text check (length(instructions) <= 500),
  prescribed_by uuid references platform.users(id) on delete set null,
  active boolean not null default true,
  stock_tracking boolean not null default false,
  created_by uuid references platform.users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  check (end_date is null or end_date >= start_date)
);
create index medication_plans_patient_idx on glucose.medication_plans (patient_id, active);

create table glucose.medication_doses (
  id uuid primary key default platform.uuid_v7(),
  plan_id uuid not null references glucose.medication_plans(id) on delete cascade,
  patient_id uuid not null references platform.users(id) on delete cascade,
  scheduled_at timestamptz not null,
  original_scheduled_at timestamptz not null,
  status text not null default 'scheduled' check (status in ('scheduled', 'taken', 'skipped', 'missed', 'cancelled')),
  -- as-needed intakes have no schedule: they are recorded directly as taken
  as_needed boolean not null default false,
  amount numeric(8,3) check (amount > 0 and amount <= 1000),
  taken_at timestamptz,
  out_of_window boolean not null default false,
  delay_reason text check (length(delay_reason) <= 200),
  skip_reason text check (length(skip_reason) <= 200),
  notes text check (length(notes) <= 500),
  reschedule_count smallint not null default 0 check (reschedule_count between 0 and 2),
  reminders_sent smallint not null default 0 check (reminders_sent between 0 and 2),
  recorded_by uuid references platform.users(id) on delete set null,
  recorded_at timestamptz,
  unique (plan_id, original_scheduled_at),
  check ((status = 'taken') = (taken_at is not null))
);
create index medication_doses_patient_idx on glucose.medication_doses (patient_id, scheduled_at);
create index medication_doses_scheduled_idx on glucose.medication_doses (scheduled_at) where status = 'scheduled';

alter table glucose.insulin_doses add constraint insulin_doses_medication_dose_fk
  foreign key (medication_dose_id) references glucose.medication_doses(id) on delete set null;
create unique index insulin_doses_medication_uq on glucose.insulin_doses (medication_dose_id) where medication_dose_id is not null and deleted_at is null;

create table glucose.medication_stock (
  id uuid primary key default platform.uuid_v7(),
  plan_id uuid not null unique references glucose.medication_plans(id) on delete cascade,
  patient_id uuid not null references platform.users(id) on delete cascade,
  units_remaining numeric(10,2) not null default 0 check (units_remaining >= 0),
  warning_days smallint not null default 10,
  critical_days smallint not null default 7,
  status text not null default 'unknown' check (status in ('ok', 'warning', 'critical', 'unknown')),
  status_changed_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (1 <= critical_days and critical_days < warning_days and warning_days <= 60)
);
create index medication_stock_patient_idx on glucose.medication_stock (patient_id);

create table glucose.stock_movements (
  id uuid primary key default platform.uuid_v7(),
  stock_id uuid not null references glucose.medication_stock(id) on delete cascade,
  delta numeric(10,2) not null,
  reason text not null check (reason in ('refill', 'intake', 'intake_reverted', 'correction', 'loss')),
  dose_id uuid references glucose.medication_doses(id) on delete set null,
  actor uuid references platform.users(id) on delete set null,
  created_at timestamptz not null default now()
);
create index stock_movements_stock_idx on glucose.stock_movements (stock_id, created_at);
