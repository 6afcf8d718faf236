import { Type } from 'typebox';

/** API shapes and row mappers of office data (JSON camelCase; money as decimal strings; dates 'YYYY-MM-DD'). */

/** pg gives `date` columns as local-midnight Dates; take the local calendar parts back. */
export function isoDate(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.slice(0, 10);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${value.getFullYear()}-${p(value.getMonth() + 1)}-${p(value.getDate())}`;
}
export const iso = (value: Date | string | null | undefined) => (value === null || value === undefined ? null : new Date(value).toISOString());

export const Uuid = Type.String({ format: 'uuid' });
export const NullableUuid = Type.Union([Uuid, Type.Null()]);
export const DateOnly = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
export const NullableDate = Type.Union([DateOnly, Type.Null()]);
export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
export const Money = Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,3})?$', description: 'decimal string, e.g. "1250.00"' });
export const Quantity = Type.String({ pattern: '^\\d{1,9}(\\.\\d{1,3})?$', description: 'decimal string, up to 3 decimals' });
export const UnitPrice = Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,2})?$', description: 'decimal string, up to 2 decimals' });
export const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
export const Version = Type.Integer({ minimum: 1, description: 'the version you read (optimistic concurrency)' });
export const IdParams = Type.Object({ id: Uuid });
export const NullableText = (max: number) => Type.Union([Type.String({ maxLength: max }), Type.Null()]);

export const QUOTE_STATUSES = ['draft', 'issued', 'accepted', 'rejected', 'paid', 'cancelled'] as const;
export const QuoteStatus = Type.Union([Type.Literal('draft'), Type.Literal('issued'), Type.Literal('accepted'), Type.Literal('rejected'), Type.Literal('paid'), Type.Literal('cancelled')]);
export const PROJECT_STATUSES = ['planned', 'active', 'on_hold', 'done', 'cancelled'] as const;
export const ProjectStatus = Type.Union([Type.Literal('planned'), Type.Literal('active'), Type.Literal('on_hold'), Type.Literal('done'), Type.Literal('cancelled')]);

export const Address = Type.Object({
  line1: Type.Optional(Type.String({ maxLength: 200 })), line2: Type.Optional(Type.String({ maxLength: 200 })),
  postalCode: Type.Optional(Type.String({ maxLength: 20 })), city: Type.Optional(Type.String({ maxLength: 100 })),
  country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
}, { additionalProperties: false });

export const Organization = Type.Object({
  id: Uuid, name: Type.String(), legalName: Type.Union([Type.String(), Type.Null()]), code: Type.String(),
  address: Type.Union([Address, Type.Null()]), vatNumber: Type.Union([Type.String(), Type.Null()]),
  defaultCurrency: Type.String(), locale: Type.String(), timezone: Type.String(),
  archivedAt: NullableTimestamp, createdAt: Timestamp, updatedAt: Timestamp, version: Type.Integer(),
});

export const organizationOut = (r: any) => ({
  id: r.id, name: r.name, legalName: r.legal_name, code: r.code, address: r.address ?? null, vatNumber: r.vat_number,
  defaultCurrency: String(r.default_currency).trim(), locale: r.locale, timezone: r.timezone,
  archivedAt: iso(r.archived_at), createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!, version: r.version,
});

export const Client = Type.Object({
  id: Uuid, organizationId: Uuid, name: Type.String(), contactFirstName: Type.Union([Type.String(), Type.Null()]),
  contactLastName: Type.Union([Type.String(), Type.Null()]), email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]), team: Type.Union([Type.String(), Type.Null()]),
  notes: Type.Union([Type.String(), Type.Null()]), archivedAt: NullableTimestamp, createdAt: Timestamp, updatedAt: Timestamp, version: Type.Integer(),
});
export const clientOut = (r: any) => ({
  id: r.id, organizationId: r.organization_id, name: r.name, contactFirstName: r.contact_first_name, contactLastName: r.contact_last_name,
  email: r.email, phone: r.phone, team: r.team, notes: r.notes, archivedAt: iso(r.archived_at), createdAt: iso(r.created_at)!,
  updatedAt: iso(r.updated_at)!, version: r.version,
});

export const Project = Type.Object({
  id: Uuid, organizationId: Uuid, number: Type.String(), name: Type.String(), clientId: NullableUuid,
  clientName: Type.Union([Type.String(), Type.Null()]),
  team: Type.Union([Type.String(), Type.Null()]), type: Type.Union([Type.String(), Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()]), status: ProjectStatus, createdAt: Timestamp, updatedAt: Timestamp, version: Type.Integer(),
});
export const projectOut = (r: any) => ({
  id: r.id, organizationId: r.organization_id, number: r.number, name: r.name, clientId: r.client_id, clientName: r.client_name ?? null,
  team: r.team, type: r.type, description: r.description, status: r.status, createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!, version: r.version,
});

export const QuoteLine = Type.Object({ id: Uuid, position: Type.Integer(), description: Type.String(), quantity: Type.String(), unitPrice: Type.String(), total: Type.String() });

export const Quote = Type.Object({
  id: Uuid, organizationId: Uuid, projectId: NullableUuid, projectName: Type.Union([Type.String(), Type.Null()]),
  clientId: Uuid, clientName: Type.String(), number: Type.Union([Type.String(), Type.Null()]), title: Type.String(),
  amount: Type.String(), currency: Type.String(), responsibleUserId: Uuid, responsibleName: Type.String(),
  startDate: NullableDate, dueDate: NullableDate, status: QuoteStatus, templateVersionId: NullableUuid,
  issuedAt: NullableTimestamp, acceptedAt: NullableTimestamp, rejectedAt: NullableTimestamp, paidAt: NullableTimestamp,
  cancelledAt: NullableTimestamp, cancelReason: Type.Union([Type.String(), Type.Null()]), notes: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp, updatedAt: Timestamp, version: Type.Integer(),
});

export const quoteOut = (r: any) => ({
  id: r.id, organizationId: r.organization_id, projectId: r.project_id, projectName: r.project_name ?? null,
  clientId: r.client_id, clientName: r.client_name ?? '', number: r.number, title: r.title, amount: r.amount,
  currency: String(r.currency).trim(), responsibleUserId: r.responsible_user_id, responsibleName: r.responsible_name ?? '',
  startDate: isoDate(r.start_date), dueDate: isoDate(r.due_date), status: r.status, templateVersionId: r.template_version_id,
  issuedAt: iso(r.issued_at), acceptedAt: iso(r.accepted_at), rejectedAt: iso(r.rejected_at), paidAt: iso(r.paid_at),
  cancelledAt: iso(r.cancelled_at), cancelReason: r.cancel_reason, notes: r.notes,
  createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!, version: r.version,
});

export const Attachment = Type.Object({
  id: Uuid, organizationId: Uuid, ownerType: Type.String(), ownerId: Uuid, fileName: Type.String(), mimeType: Type.String(),
  sizeBytes: Type.Integer(), sha256: Type.String(), uploadedBy: NullableUuid, createdAt: Timestamp,
});
export const attachmentOut = (r: any) => ({
  id: r.id, organizationId: r.organization_id, ownerType: r.owner_type, ownerId: r.owner_id, fileName: r.file_name,
  mimeType: r.mime_type, sizeBytes: Number(r.size_bytes), sha256: r.sha256, uploadedBy: r.uploaded_by, createdAt: iso(r.created_at)!,
});
