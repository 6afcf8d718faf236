-- Per-user dashboard layout (§4.4): a grid of 4 columns; the API validates widgets, sizes, grid bounds and
-- overlaps against the widget catalog; the database holds the shape and the optimistic-lock version.
create table glucose.dashboard_layouts (
  user_id uuid primary key references platform.users(id) on delete cascade,
  layout jsonb not null check (jsonb_typeof(layout) = 'array' and jsonb_array_length(layout) between 1 and 10),
  version integer not null default 1 check (version >= 1),
  updated_at timestamptz not null default now()
);
