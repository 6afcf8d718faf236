-- Sourcing module, part 1: suppliers, sites, destinations, materials, certificates, offers and their legs, deliveries,
-- audits, reference data (certification catalogue, FX rates, origin risk, emission factor sets, scoring parameters).
-- Enumerations are text with checks (spec §3.1), so adding a value is a check change rather than an enum migration.
create extension if not exists pg_trgm;
create schema if not exists sourcing;

create table sourcing.suppliers (
  id uuid primary key default platform.uuid_v7(),
  name varchar(200) not null,
  legal_name varchar(200),
  country char(2) not null check (country ~ '^[A-Z]{2}$'),
  address jsonb,
  website text,
  contact jsonb,
  status text not null default 'active' check (status in ('active', 'on_hold', 'blocked', 'archived')),
  status_reason text,
  risk_allowance_pct numeric(5,2) not null default 0 check (risk_allowance_pct between 0 and 50),
  ecovadis jsonb,
  next_review_on date,
  notes text,
  archived_at timestamptz,
  created_by uuid not null references platform.users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create unique index suppliers_name_country_uq on sourcing.suppliers (lower(name), country) where archived_at is null;
create index suppliers_name_trgm on sourcing.suppliers using gin (name gin_trgm_ops);
create index suppliers_status_country_idx on sourcing.suppliers (status, country);

create table sourcing.supplier_sites (
  id uuid primary key default platform.uuid_v7(),
  supplier_id uuid not null references sourcing.suppliers(id),
  name varchar(200),
  country char(2) not null check (country ~ '^[A-Z]{2}$'),
  region text,
  latitude numeric(8,5) not null check (latitude between -90 and 90),
  longitude numeric(8,5) not null check (longitude between -180 and 180),
  renewable_energy_pct numeric(5,2) check (renewable_energy_pct between 0 and 100),
  origin_risk text check (origin_risk in ('low', 'medium', 'high')),
  is_primary boolean not null default false,
  created_by uuid not null references platform.users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create index supplier_sites_supplier_idx on sourcing.supplier_sites (supplier_id);
create index supplier_sites_coords_idx on sourcing.supplier_sites (latitude, longitude);
create unique index supplier_sites_primary_uq on sourcing.supplier_sites (supplier_id) where is_primary;

create table sourcing.destinations (
  id uuid primary key default platform.uuid_v7(),
  name varchar(200) not null,
  country char(2) not null check (country ~ '^[A-Z]{2}$'),
  latitude numeric(8,5) not null check (latitude between -90 and 90),
  longitude numeric(8,5) not null check (longitude between -180 and 180),
  cold_storage boolean not null default false,
  active boolean not null default true,
  created_by uuid not null references platform.users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);

create table sourcing.materials (
  id uuid primary key default platform.uuid_v7(),
  name varchar(200) not null,
  category text,
  unit text not null check (unit in ('kg', 't', 'l', 'unit')),
  mass_kg_per_unit numeric(12,6) check (mass_kg_per_unit > 0),
  requires_cold_chain boolean not null default false,
  defect_handling_cost_per_unit numeric(18,6) not null default 0 check (defect_handling_cost_per_unit >= 0),
  description text,
  status text not null default 'active' check (status in ('active', 'archived')),
  created_by uuid not null references platform.users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  check (unit in ('kg', 't') or mass_kg_per_unit is not null)
);
create unique index materials_name_uq on sourcing.materials (lower(name)) where status = 'active';

create table sourcing.certification_catalogue (
  code text primary key check (code ~ '^[a-z0-9_]{2,40}$'),
  name text not null,
  pillar text not null check (pillar in ('food_safety', 'quality_management', 'environmental', 'other')),
  gfsi_recognised boolean not null default false,
  points numeric(5,2) not null default 0,
  active boolean not null default true,
  updated_at timestamptz not null default now()
);
insert into sourcing.certification_catalogue (code, name, pillar, gfsi_recognised, points) values
  ('fssc_22000', 'FSSC 22000', 'food_safety', true, 90),
  ('brcgs_food', 'BRCGS Food Safety', 'food_safety', true, 90),
  ('ifs_food', 'IFS Food', 'food_safety', true, 90),
  ('sqf', 'SQF Food Safety', 'food_safety', true, 90),
  ('iso_22000', 'ISO 22000', 'food_safety', false, 75),
  ('haccp', 'HACCP', 'food_safety', false, 50),
  ('iso_9001', 'ISO 9001', 'quality_management', false, 10),
  ('iso_14001', 'ISO 14001', 'environmental', false, 60),
  ('iso_50001', 'ISO 50001', 'environmental', false, 20),
  ('iso_45001', 'ISO 45001', 'other', false, 0);

create table sourcing.supplier_certifications (
  id uuid primary key default platform.uuid_v7(),
  supplier_id uuid not null references sourcing.suppliers(id),
  site_id uuid references sourcing.supplier_sites(id),
  code text not null references sourcing.certification_catalogue(code),
  certificate_number text,
  issuer text,
  valid_from date not null,
  valid_until date not null,
  grade text,
  evidence_url text,
  verified_by uuid references platform.users(id),
  verified_at timestamptz,
  created_by uuid not null references platform.users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  check (valid_until >= valid_from)
);
create index supplier_certifications_lookup_idx on sourcing.supplier_certifications (supplier_id, code, valid_until);
create index supplier_certifications_until_idx on sourcing.supplier_certifications (valid_until);

create table sourcing.offers (
  id uuid primary key default platform.uuid_v7(),
  supplier_id uuid not null references sourcing.suppliers(id),
  site_id uuid not null references sourcing.supplier_sites(id),
  material_id uuid not null references sourcing.materials(id),
  destination_id uuid not null references sourcing.destinations(id),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  price numeric(18,6) not null check (price > 0),
  moq numeric(18,3) not null default 0 check (moq >= 0),
  lead_time_days smallint not null check (lead_time_days between 0 and 365),
  capacity_per_year numeric(18,3) not null check (capacity_per_year > 0),
  incoterm text check (incoterm in ('EXW', 'FCA', 'FAS', 'FOB', 'CFR', 'CIF', 'CPT', 'CIP', 'DAP', 'DPU', 'DDP')),
  freight_cost_per_unit numeric(18,6) check (freight_cost_per_unit >= 0),
  duty_rate_pct numeric(5,2) not null default 0 check (duty_rate_pct between 0 and 100),
  payment_terms text check (payment_terms in ('net_30', 'net_60', 'net_90', 'advance', 'letter_of_credit')),
  volume_discounts jsonb not null default '[]',
  packaging jsonb,
  valid_from date not null,
  valid_until date,
  status text not null default 'active' check (status in ('active', 'expired', 'withdrawn')),
  notes text,
  created_by uuid not null references platform.users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  check (valid_until is null or valid_until >= valid_from)
);
create index offers_material_status_idx on sourcing.offers (material_id, status);
create index offers_supplier_idx on sourcing.offers (supplier_id);

create table sourcing.offer_legs (
  offer_id uuid not null references sourcing.offers(id) on delete cascade,
  seq smallint not null check (seq between 1 and 10),
  mode text not null check (mode in ('road', 'road_refrigerated', 'rail', 'sea_container', 'sea_general_cargo', 'sea_bulk',
    'sea_refrigerated', 'air_long_haul', 'air_long_haul_no_rf', 'air_short_haul', 'air_short_haul_no_rf', 'van')),
  distance_km numeric(10,1) not null check (distance_km > 0),
  distance_source text not null check (distance_source in ('entered', 'estimated')),
  from_label text,
  to_label text,
  primary key (offer_id, seq)
);

create table sourcing.deliveries (
  id uuid primary key default platform.uuid_v7(),
  supplier_id uuid not null references sourcing.suppliers(id),
  material_id uuid not null references sourcing.materials(id),
  offer_id uuid references sourcing.offers(id),
  po_number text not null,
  ordered_on date not null,
  promised_on date not null,
  delivered_on date,
  quantity_ordered numeric(18,3) not null check (quantity_ordered > 0),
  quantity_delivered numeric(18,3) check (quantity_delivered >= 0),
  quantity_accepted numeric(18,3) check (quantity_accepted >= 0),
  units_inspected numeric(18,0) check (units_inspected >= 0),
  defective_units numeric(18,0) check (defective_units >= 0),
  created_by uuid not null references platform.users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  check (promised_on >= ordered_on),
  check (delivered_on is null or delivered_on >= ordered_on),
  check (quantity_accepted is null or quantity_delivered is null or quantity_accepted <= quantity_delivered),
  check (defective_units is null or units_inspected is null or defective_units <= units_inspected)
);
create unique index deliveries_po_uq on sourcing.deliveries (supplier_id, po_number, material_id);
create index deliveries_supplier_material_idx on sourcing.deliveries (supplier_id, material_id, delivered_on desc);
create index deliveries_supplier_promised_idx on sourcing.deliveries (supplier_id, promised_on);

create table sourcing.audits (
  id uuid primary key default platform.uuid_v7(),
  supplier_id uuid not null references sourcing.suppliers(id),
  site_id uuid references sourcing.supplier_sites(id),
  audited_on date not null,
  kind text check (kind in ('second_party', 'third_party', 'internal', 'certification')),
  score_pct numeric(5,2) not null check (score_pct between 0 and 100),
  critical_findings smallint not null default 0 check (critical_findings >= 0),
  major_findings smallint not null default 0 check (major_findings >= 0),
  minor_findings smallint not null default 0 check (minor_findings >= 0),
  open_major_findings smallint not null default 0 check (open_major_findings >= 0),
  auditor text,
  report_url text,
  notes text,
  created_by uuid not null references platform.users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create index audits_supplier_idx on sourcing.audits (supplier_id, audited_on desc);

create table sourcing.fx_rates (
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  as_of date not null,
  rate_to_base numeric(18,8) not null check (rate_to_base > 0),
  source text not null,
  primary key (currency, as_of)
);

create table sourcing.origin_risk_by_country (
  country char(2) primary key check (country ~ '^[A-Z]{2}$'),
  level text not null check (level in ('low', 'medium', 'high')),
  source text not null,
  updated_at timestamptz not null default now()
);

create table sourcing.emission_factor_sets (
  id uuid primary key default platform.uuid_v7(),
  name text not null,
  source text not null,
  publication_year smallint not null,
  version text not null,
  basis text not null,
  status text not null default 'draft' check (status in ('draft', 'active', 'retired')),
  verified_by uuid references platform.users(id),
  verified_at timestamptz,
  notes text,
  created_by uuid references platform.users(id),
  created_at timestamptz not null default now(),
  unique (name, version)
);
create unique index emission_factor_sets_active_uq on sourcing.emission_factor_sets (status) where status = 'active';

create table sourcing.emission_factors (
  set_id uuid not null references sourcing.emission_factor_sets(id) on delete cascade,
  mode text not null,
  kg_co2e_per_tkm numeric(10,6) not null check (kg_co2e_per_tkm > 0),
  label text,
  notes text,
  primary key (set_id, mode)
);

-- Seeded active but unverified: the values must be checked against the official DESNZ 2025 file before an admin records verification.
with s as (
  insert into sourcing.emission_factor_sets (name, source, publication_year, version, basis, status, notes)
  values ('UK DESNZ GHG conversion factors 2025, freighting goods', 'UK Department for Energy Security and Net Zero, GHG conversion factors for company reporting 2025 (freighting goods)',
          2025, '2025.1', 'kg CO2e per tonne-km', 'active', 'Seeded from the sourcing specification §5.4.2; not yet verified against the official file.')
  returning id)
insert into sourcing.emission_factors (set_id, mode, kg_co2e_per_tkm, label)
select s.id, f.mode, f.factor, f.label from s, (values
  ('road', 0.10163, 'HGV, all diesel, average laden'), ('road_refrigerated', 0.11894, 'HGV refrigerated, average laden'),
  ('rail', 0.02779, 'Freight train'), ('air_long_haul', 0.89939, 'Air long-haul, with RF'), ('air_long_haul_no_rf', 0.5313, 'Air long-haul, without RF'),
  ('van', 0.63, 'Van up to 3.5 t (approximate)'), ('sea_container', 0.01612, 'Container ship, average'),
  ('sea_general_cargo', 0.01321, 'General cargo, average'), ('sea_bulk', 0.00353, 'Bulk carrier, average'),
  ('sea_refrigerated', 0.01306, 'Refrigerated cargo ship'), ('air_short_haul', 1.27835, 'Air short-haul, with RF'),
  ('air_short_haul_no_rf', 0.75539, 'Air short-haul, without RF')) as f(mode, factor, label);

create table sourcing.scoring_parameters (
  id uuid primary key default platform.uuid_v7(),
  version integer unique not null,
  params jsonb not null,
  status text not null default 'active' check (status in ('active', 'retired')),
  created_by uuid references platform.users(id),
  created_at timestamptz not null default now()
);
create unique index scoring_parameters_active_uq on sourcing.scoring_parameters (status) where status = 'active';
-- Version 1 holds no overrides: the engine's defaults (spec §5) apply.
insert into sourcing.scoring_parameters (version, params) values (1, '{}');
