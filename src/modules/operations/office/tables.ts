import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** numeric columns arrive as strings from pg. */
type Numeric = ColumnType<string, number | string, number | string>;
/** date columns: pg's default parser gives a local-midnight Date; rows go through `isoDate()` (office/model.ts). */
type DateOnly = ColumnType<Date | string, string, string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export type QuoteStatus = 'draft' | 'issued' | 'accepted' | 'rejected' | 'paid' | 'cancelled';
export type ProjectStatus = 'planned' | 'active' | 'on_hold' | 'done' | 'cancelled';

export interface Address { line1?: string; line2?: string; postalCode?: string; city?: string; country?: string }

export interface OrganizationTable {
  id: Generated<string>;
  name: string;
  legal_name: string | null;
  code: string;
  address: Json<Address> | null;
  vat_number: string | null;
  default_currency: Generated<string>;
  locale: Generated<string>;
  timezone: Generated<string>;
  archived_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
  version: Generated<number>;
}

export interface OrganizationMemberTable {
  organization_id: string;
  user_id: string;
  created_at: CreatedAt;
}

export interface ClientTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  contact_first_name: string | null;
  contact_last_name: string | null;
  email: string | null;
  phone: string | null;
  team: string | null;
  notes: string | null;
  archived_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
  version: Generated<number>;
}

export interface ProjectTable {
  id: Generated<string>;
  organization_id: string;
  number: string;
  name: string;
  client_id: string | null;
  team: string | null;
  type: string | null;
  description: string | null;
  status: Generated<ProjectStatus>;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
  version: Generated<number>;
}

export interface QuoteTemplateTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  is_default: Generated<boolean>;
  current_version_id: string | null;
  archived_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
  version: Generated<number>;
}

export interface QuoteTemplateVersionTable {
  id: Generated<string>;
  template_id: string;
  version: number;
  body: Json<Record<string, unknown>>;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface QuoteTable {
  id: Generated<string>;
  organization_id: string;
  project_id: string | null;
  client_id: string;
  number: string | null;
  title: string;
  amount: Numeric;
  currency: string;
  responsible_user_id: string;
  start_date: DateOnly | null;
  due_date: DateOnly | null;
  status: Generated<QuoteStatus>;
  template_version_id: string | null;
  issued_at: NullableTimestamp;
  accepted_at: NullableTimestamp;
  rejected_at: NullableTimestamp;
  paid_at: NullableTimestamp;
  cancelled_at: NullableTimestamp;
  cancel_reason: string | null;
  notes: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
  version: Generated<number>;
}

export interface QuoteLineTable {
  id: Generated<string>;
  quote_id: string;
  position: number;
  description: string;
  quantity: Numeric;
  unit_price: Numeric;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
}

export interface QuoteCounterTable {
  organization_id: string;
  scope_key: string;
  last_value: number;
  updated_at: DefaultedTimestamp;
}

export interface AttachmentTable {
  id: Generated<string>;
  organization_id: string;
  owner_type: 'quote' | 'project' | 'template';
  owner_id: string;
  file_name: string;
  mime_type: string;
  size_bytes: ColumnType<string, number | string, number | string>;
  sha256: string;
  storage_key: string;
  uploaded_by: string | null;
  deleted_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
}

declare module '../../../platform/db/schema.js' {
  interface Database {
    'operations.organization': OrganizationTable;
    'operations.organization_member': OrganizationMemberTable;
    'operations.client': ClientTable;
    'operations.project': ProjectTable;
    'operations.quote_template': QuoteTemplateTable;
    'operations.quote_template_version': QuoteTemplateVersionTable;
    'operations.quote': QuoteTable;
    'operations.quote_line': QuoteLineTable;
    'operations.quote_counter': QuoteCounterTable;
    'operations.attachment': AttachmentTable;
  }
}
