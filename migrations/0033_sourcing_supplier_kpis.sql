-- Sourcing supplier KPIs (spec §3.2 supplier_kpis, §5.1, §6 sourcing.recompute-kpis): the 12-month delivery KPIs per
-- supplier, for all materials (material_id null) and per material, recomputed by a job after delivery writes and nightly.
create table sourcing.supplier_kpis (
  supplier_id uuid not null references sourcing.suppliers(id),
  material_id uuid references sourcing.materials(id),
  window_from date not null,
  window_to date not null,
  deliveries_count integer not null check (deliveries_count >= 0),
  otd_pct numeric(7,4) check (otd_pct between 0 and 100),
  otif_pct numeric(7,4) check (otif_pct between 0 and 100),
  ppm numeric(12,2) check (ppm >= 0),
  lead_time_mean_days numeric(10,3) check (lead_time_mean_days >= 0),
  lead_time_sd_days numeric(10,3) check (lead_time_sd_days >= 0),
  lead_time_cv numeric(10,6) check (lead_time_cv >= 0),
  computed_at timestamptz not null default now(),
  check (window_to >= window_from)
);
create unique index supplier_kpis_uq on sourcing.supplier_kpis (supplier_id, coalesce(material_id, '00000000-0000-0000-0000-000000000000'::uuid));
