-- Operations module, office (spec operations.md §3.1): organisations and their members, clients, projects, quote
-- templates with immutable versions, quotes with lines and per-organisation number counters, attachments.
-- Money is numeric(14,2) as the spec says (JSON carries it as a decimal string). Cross-organisation references are
-- held by composite foreign keys (id, organization_id), so a quote can never point at another organisation's client,
-- project or responsible person, whatever the application does.
create extension if not exists pg_trgm;
create schema if not exists operations;

create table operations.organization (
  id uuid primary key default platform.uuid_v7(),
  name text not null check (length(name) between 1 and 200),
  legal_name text,
  code text not null unique check (code ~ '^[A-Z0-9]{2,8}$'),
  address jsonb,
  vat_number text,
  default_currency char(3) not null default 'EUR' check (default_currency ~ '^[A-Z]{3}$'),
  locale text not null default 'fr-FR',
  timezone text not null default 'Europe/Paris',
  archived_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);

create table operations.organization_member (
  organization_id uuid not null references operations.organization(id),
  user_id uuid not null references platform.users(id),
  created_at timestamptz not null default now(),
  primary key (organization_id, user_id)
);
create index organization_member_user_idx on operations.organization_member (user_id);

create table operations.client (
  id uuid primary key default platform.uuid_v7(),
  organization_id uuid not null references operations.organization(id),
  name text not null check (length(name) between 1 and 200),
  contact_first_name text,
  contact_last_name text,
  email text,
  phone text check (phone is null or phone ~ '^\+[1-9][0-9]{1,14}$'),
  team text,
  notes text,
  archived_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  unique (id, organization_id)
);
create index client_org_name_idx on operations.client (organization_id, lower(name));

create table operations.project (
  id uuid primary key default platform.uuid_v7(),
  organization_id uuid not null references operations.organization(id),
  number text not null check (length(number) between 1 and 50),
  name text not null check (length(name) between 1 and 200),
  client_id uuid,
  team text,
  type text,
  description text,
  status text not null default 'planned' check (status in ('planned', 'active', 'on_hold', 'done', 'cancelled')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  unique (organization_id, number),
  unique (id, organization_id),
  foreign key (client_id, organization_id) references operations.client(id, organization_id)
);
create index project_org_created_idx on operations.project (organization_id, created_at desc, id desc);

create table operations.quote_template (
  id uuid primary key default platform.uuid_v7(),
  organization_id uuid not null references operations.organization(id),
  name text not null check (length(name) between 1 and 200),
  is_default boolean not null default false,
  current_version_id uuid,
  archived_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  check (not (is_default and archived_at is not null))
);
create unique index quote_template_default_uq on operations.quote_template (organization_id)
  where is_default and archived_at is null;

-- Immutable: rows are only ever inserted (a new body is a new version).
create table operations.quote_template_version (
  id uuid primary key default platform.uuid_v7(),
  template_id uuid not null references operations.quote_template(id),
  version integer not null check (version >= 1),
  body jsonb not null,
  created_by uuid references platform.users(id),
  created_at timestamptz not null default now(),
  unique (template_id, version)
);
alter table operations.quote_template
  add foreign key (current_version_id) references operations.quote_template_version(id);

create function operations.quote_template_version_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'quote_template_version rows are immutable' using errcode = 'check_violation';
end $$;
create trigger quote_template_version_immutable before update on operations.quote_template_version
  for each row execute function operations.quote_template_version_immutable();

create table operations.quote (
  id uuid primary key default platform.uuid_v7(),
  organization_id uuid not null references operations.organization(id),
  project_id uuid,
  client_id uuid not null,
  number text check (number is null or length(number) between 1 and 60),
  title text not null check (length(title) between 1 and 200),
  amount numeric(14,2) not null check (amount >= 0),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  responsible_user_id uuid not null,
  start_date date,
  due_date date,
  status text not null default 'draft'
    check (status in ('draft', 'issued', 'accepted', 'rejected', 'paid', 'cancelled')),
  template_version_id uuid references operations.quote_template_version(id),
  issued_at timestamptz,
  accepted_at timestamptz,
  rejected_at timestamptz,
  paid_at timestamptz,
  cancelled_at timestamptz,
  cancel_reason text,
  notes text,
  created_by uuid references platform.users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  unique (organization_id, number),
  foreign key (client_id, organization_id) references operations.client(id, organization_id),
  foreign key (project_id, organization_id) references operations.project(id, organization_id),
  foreign key (organization_id, responsible_user_id) references operations.organization_member(organization_id, user_id),
  check (due_date is null or start_date is null or due_date >= start_date),
  -- a draft may be cancelled before it was ever issued: it then has neither number nor issued_at
  check (status in ('draft', 'cancelled') or (number is not null and issued_at is not null)),
  check (status <> 'cancelled' or (cancel_reason is not null and length(btrim(cancel_reason)) > 0))
);
create index quote_org_status_due_idx on operations.quote (organization_id, status, due_date);
create index quote_org_created_idx on operations.quote (organization_id, created_at desc, id desc);
-- the list's other keyset orders: due date (none last) and amount (spec §4.2 sort=dueDate|amount)
create index quote_org_due_sort_idx on operations.quote (organization_id, (coalesce(due_date, date '9999-12-31')), id);
create index quote_org_amount_idx on operations.quote (organization_id, amount desc, id desc);
create index quote_start_open_idx on operations.quote (start_date) where status in ('issued', 'accepted');
create index quote_due_open_idx on operations.quote (due_date) where status in ('issued', 'accepted');
create index quote_client_idx on operations.quote (client_id);
create index quote_project_idx on operations.quote (project_id) where project_id is not null;
create index quote_title_trgm on operations.quote using gin (title gin_trgm_ops);
create index quote_number_trgm on operations.quote using gin (number gin_trgm_ops);
create index client_name_trgm on operations.client using gin (name gin_trgm_ops);

create table operations.quote_line (
  id uuid primary key default platform.uuid_v7(),
  quote_id uuid not null references operations.quote(id) on delete cascade,
  position smallint not null check (position >= 1),
  description text not null check (length(description) between 1 and 500),
  quantity numeric(12,3) not null check (quantity > 0),
  unit_price numeric(14,2) not null check (unit_price >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (quote_id, position) deferrable initially deferred
);

create table operations.quote_counter (
  organization_id uuid not null references operations.organization(id),
  scope_key text not null,
  last_value integer not null check (last_value >= 0),
  updated_at timestamptz not null default now(),
  primary key (organization_id, scope_key)
);

create table operations.attachment (
  id uuid primary key default platform.uuid_v7(),
  organization_id uuid not null references operations.organization(id),
  owner_type text not null check (owner_type in ('quote', 'project', 'template')),
  owner_id uuid not null,
  file_name text not null check (length(file_name) between 1 and 255 and file_name !~ '[/\\]'),
  mime_type text not null,
  size_bytes bigint not null check (size_bytes >= 0),
  sha256 char(64) not null check (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key text not null unique,
  uploaded_by uuid references platform.users(id),
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index attachment_owner_idx on operations.attachment (owner_type, owner_id);
