-- Glucose III A (§3.4 insulin doses, §3.5 nutrition and activity, §3.1 goals).
-- glucose.insulin_doses and glucose.meals are also read by the prediction model (insulin and carbs on board):
--   insulin on board = insulin_doses where deleted_at is null, insulin_kind in ('rapid','ultra_rapid')
--                      and not ('possible_duplicate' = any(flags)), by administered_at and units;
--   carbs on board   = meals where deleted_at is null, by taken_at, carbs_g and absorption_minutes.

create table glucose.insulin_doses (
  id uuid primary key default platform.uuid_v7(),
  patient_id uuid not null references platform.users(id) on delete cascade,
  administered_at timestamptz not null,
  units numeric(5,2) not null check (units between 0.05 and 100),
  insulin_kind text not null check (insulin_kind in ('rapid', 'ultra_rapid', 'regular', 'intermediate', 'long', 'premixed')),
  purpose text not null default 'other' check (purpose in ('meal', 'correction', 'basal', 'other')),
  source text not null default 'manual' check (source in ('manual', 'medication', 'nightscout')),
  -- the medication dose whose intake created this row (foreign key added with medication_doses in 0025)
  medication_dose_id uuid,
  ns_treatment_id uuid references glucose.ns_treatments(id) on delete set null,
  flags text[] not null default '{}' check (flags <@ array['possible_duplicate']::text[]),
  notes text check (length(notes) <= 500),
  entered_by uuid references platform.users(id) on delete set null,
  created_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index insulin_doses_patient_idx on glucose.insulin_doses (patient_id, administered_at);
create unique index insulin_doses_ns_uq on glucose.insulin_doses (ns_treatment_id) where ns_treatment_id is not null and deleted_at is null;

create table glucose.food_items (
  id uuid primary key default platform.uuid_v7(),
  name text not null check (length(name) between 1 and 120),
  category text not null check (category ~ '^[a-z_]{2,40}$'),
  portion_label text not null check (length(portion_label) between 1 and 60),
  carbs_g numeric(5,1) not null check (carbs_g between 0 and 500),
  protein_g numeric(5,1) not null default 0 check (protein_g between 0 and 300),
  fat_g numeric(5,1) not null default 0 check (fat_g between 0 and 300),
  calories_kcal integer not null check (calories_kcal between 0 and 5000),
  gi_category text not null check (gi_category in ('low', 'medium', 'high')),
  fast_acting boolean not null default false,
  locale text not null default 'en' check (locale ~ '^[a-z]{2}$'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (locale, name)
);
create index food_items_category_idx on glucose.food_items (category, name);

create table glucose.meals (
  id uuid primary key default platform.uuid_v7(),
  patient_id uuid not null references platform.users(id) on delete cascade,
  taken_at timestamptz not null,
  meal_type text not null check (meal_type in ('breakfast', 'lunch', 'dinner', 'snack', 'hypo_treatment', 'other')),
  name text check (length(name) <= 120),
  carbs_g numeric(5,1) not null check (carbs_g between 0 and 500),
  protein_g numeric(5,1) check (protein_g between 0 and 300),
  fat_g numeric(5,1) check (fat_g between 0 and 300),
  fiber_g numeric(5,1) check (fiber_g between 0 and 300),
  calories_kcal integer check (calories_kcal between 0 and 5000),
  absorption_minutes smallint not null check (absorption_minutes between 60 and 480),
  -- [{foodItemId, portions}] the macros were filled from
  items jsonb check (items is null or jsonb_typeof(items) = 'array'),
  source text not null default 'manual' check (source in ('manual', 'nightscout', 'quick_action')),
  ns_treatment_id uuid references glucose.ns_treatments(id) on delete set null,
  notes text check (length(notes) <= 500),
  impact jsonb,
  impact_computed_at timestamptz,
  entered_by uuid references platform.users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index meals_patient_idx on glucose.meals (patient_id, taken_at);
create unique index meals_ns_uq on glucose.meals (ns_treatment_id) where ns_treatment_id is not null and deleted_at is null;

create table glucose.hydration_logs (
  id uuid primary key default platform.uuid_v7(),
  patient_id uuid not null references platform.users(id) on delete cascade,
  at timestamptz not null,
  glasses smallint not null check (glasses between 1 and 10),
  entered_by uuid references platform.users(id) on delete set null,
  created_at timestamptz not null default now()
);
create index hydration_logs_patient_idx on glucose.hydration_logs (patient_id, at);

create table glucose.activity_sessions (
  id uuid primary key default platform.uuid_v7(),
  patient_id uuid not null references platform.users(id) on delete cascade,
  activity_type text not null check (activity_type in ('walking', 'running', 'cycling', 'swimming', 'strength', 'yoga', 'other')),
  name text check (length(name) <= 120),
  started_at timestamptz not null,
  ended_at timestamptz not null,
  intensity text not null default 'moderate' check (intensity in ('low', 'moderate', 'vigorous')),
  calories_kcal integer check (calories_kcal between 0 and 10000),
  steps integer check (steps between 0 and 100000),
  heart_rate_avg smallint check (heart_rate_avg between 30 and 230),
  source text not null default 'manual' check (source in ('manual', 'wearable', 'nightscout')),
  ns_treatment_id uuid references glucose.ns_treatments(id) on delete set null,
  notes text check (length(notes) <= 500),
  entered_by uuid references platform.users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  check (ended_at > started_at and ended_at - started_at <= interval '12 hours')
);
create index activity_sessions_patient_idx on glucose.activity_sessions (patient_id, started_at);
create unique index activity_sessions_ns_uq on glucose.activity_sessions (ns_treatment_id) where ns_treatment_id is not null and deleted_at is null;

create table glucose.daily_steps (
  patient_id uuid not null references platform.users(id) on delete cascade,
  local_date date not null,
  source text not null check (length(source) between 1 and 40),
  steps integer not null check (steps between 0 and 100000),
  updated_at timestamptz not null default now(),
  primary key (patient_id, local_date, source)
);

create table glucose.goals (
  patient_id uuid primary key references platform.users(id) on delete cascade,
  calories_kcal smallint not null default 1800 check (calories_kcal between 800 and 5000),
  carbs_g smallint check (carbs_g between 20 and 600),
  hydration_glasses smallint not null default 8 check (hydration_glasses between 1 and 20),
  steps integer not null default 8000 check (steps between 1000 and 50000),
  active_minutes smallint not null default 30 check (active_minutes between 5 and 300),
  updated_by uuid references platform.users(id) on delete set null,
  updated_at timestamptz not null default now()
);

-- Food catalog seed (admins may edit). Values per portion, rounded from common nutrition tables.
insert into glucose.food_items (name, category, portion_label, carbs_g, protein_g, fat_g, calories_kcal, gi_category, fast_acting) values
  ('Glucose tablets', 'hypo_treatment', '4 tablets', 16, 0, 0, 64, 'high', true),
  ('Orange juice', 'drinks', '150 ml glass', 15, 1, 0, 66, 'medium', true),
  ('Regular cola', 'drinks', '150 ml', 16, 0, 0, 63, 'high', true),
  ('Honey', 'hypo_treatment', '1 tablespoon', 17, 0, 0, 64, 'medium', true),
  ('Jelly beans', 'hypo_treatment', '15 pieces', 15, 0, 0, 60, 'high', true),
  ('Banana', 'fruit', '1 medium', 27, 1, 0, 105, 'medium', false),
  ('Apple', 'fruit', '1 medium', 25, 0, 0, 95, 'low', false),
  ('Berries', 'fruit', '1 cup', 14, 1, 0, 60, 'low', false),
  ('Whole-grain bread', 'grains', '1 slice', 12, 4, 1, 80, 'medium', false),
  ('White bread', 'grains', '1 slice', 14, 3, 1, 75, 'high', false),
  ('Rolled oats', 'grains', '40 g dry', 27, 5, 3, 150, 'low', false),
  ('Brown rice', 'grains', '150 g cooked', 35, 4, 1, 165, 'medium', false),
  ('Whole-wheat pasta', 'grains', '180 g cooked', 45, 9, 2, 230, 'low', false),
  ('Lentils', 'legumes', '150 g cooked', 30, 13, 1, 175, 'low', false),
  ('Chickpeas', 'legumes', '150 g cooked', 40, 13, 4, 245, 'low', false),
  ('Greek yogurt, plain', 'dairy', '170 g', 6, 17, 5, 140, 'low', false),
  ('Milk', 'dairy', '250 ml', 12, 8, 8, 150, 'low', false),
  ('Almonds', 'snacks', '30 g', 6, 6, 15, 170, 'low', false),
  ('Hummus with carrots', 'snacks', '1 small plate', 15, 5, 8, 150, 'low', false),
  ('Cheese and crackers', 'snacks', '4 crackers', 16, 7, 9, 180, 'medium', false),
  ('Grilled chicken salad', 'meals', '1 plate', 12, 35, 14, 320, 'low', false),
  ('Salmon, quinoa and vegetables', 'meals', '1 plate', 45, 35, 18, 480, 'low', false),
  ('Vegetable omelette with toast', 'meals', '1 plate', 30, 22, 18, 380, 'medium', false),
  ('Bean and vegetable soup', 'meals', '1 bowl', 35, 14, 5, 240, 'low', false),
  ('Water', 'drinks', '1 glass', 0, 0, 0, 0, 'low', false);
