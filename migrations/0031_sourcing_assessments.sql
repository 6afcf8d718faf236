-- Sourcing module, part 2: weight profiles, assessments, selected offers and their scored items (spec §3.2).
create table sourcing.weight_profiles (
  id uuid primary key default platform.uuid_v7(),
  name varchar(120) not null,
  owner_id uuid not null references platform.users(id),
  shared boolean not null default false,
  is_default boolean not null default false,
  method text not null check (method in ('ahp', 'direct')),
  pillar_weights jsonb not null,
  sub_weights jsonb not null,
  ahp_matrices jsonb,
  consistency jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create unique index weight_profiles_default_uq on sourcing.weight_profiles (is_default) where is_default and shared;

create table sourcing.assessments (
  id uuid primary key default platform.uuid_v7(),
  title varchar(200) not null,
  material_id uuid not null references sourcing.materials(id),
  destination_id uuid references sourcing.destinations(id),
  annual_quantity numeric(18,3) not null check (annual_quantity > 0),
  assessment_date date not null,
  status text not null default 'draft' check (status in ('draft', 'scored', 'submitted', 'approved', 'archived')),
  ranking_method text not null default 'topsis' check (ranking_method in ('topsis', 'weighted_sum')),
  weight_profile_id uuid references sourcing.weight_profiles(id),
  weights jsonb not null,
  factor_set_id uuid not null references sourcing.emission_factor_sets(id),
  parameters_version integer not null,
  fx_as_of date not null,
  engine_version text,
  stale boolean not null default false,
  scored_at timestamptz,
  submitted_at timestamptz,
  approved_at timestamptz,
  approved_by uuid references platform.users(id),
  return_comment text,
  next_review_on date,
  notes text,
  created_by uuid not null references platform.users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create index assessments_material_idx on sourcing.assessments (material_id, status, approved_at desc);

create table sourcing.assessment_offers (
  assessment_id uuid not null references sourcing.assessments(id) on delete cascade,
  offer_id uuid not null references sourcing.offers(id),
  primary key (assessment_id, offer_id)
);

create table sourcing.assessment_items (
  assessment_id uuid not null references sourcing.assessments(id) on delete cascade,
  offer_id uuid not null references sourcing.offers(id),
  supplier_id uuid not null references sourcing.suppliers(id),
  included boolean not null,
  exclusion_reason text,
  inputs jsonb not null,
  economic jsonb,
  quality jsonb,
  environmental jsonb,
  economic_score numeric(6,2),
  quality_score numeric(6,2),
  environmental_score numeric(6,2),
  weighted_score numeric(6,2),
  closeness numeric(9,6),
  rank smallint,
  warnings text[] not null default '{}',
  completeness_pct numeric(5,2),
  primary key (assessment_id, offer_id)
);
create index assessment_items_supplier_idx on sourcing.assessment_items (supplier_id, assessment_id);
