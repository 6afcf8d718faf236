import { Type } from 'typebox';
import { resource } from '../http/resource.js';
import { DateOnly, Id, Nullable } from '../http/schemas.js';

export const certifications = resource('sourcing.supplier_certifications', 'sourcing.certification', 'certification', {
  supplierId: ['supplier_id', 'uuid'], siteId: ['site_id', 'uuid'], code: ['code', 'text'], certificateNumber: ['certificate_number', 'text'],
  issuer: ['issuer', 'text'], validFrom: ['valid_from', 'date'], validUntil: ['valid_until', 'date'], grade: ['grade', 'text'],
  evidenceUrl: ['evidence_url', 'text'], verifiedBy: ['verified_by', 'uuid'], verifiedAt: ['verified_at', 'timestamp'],
});

export const deliveries = resource('sourcing.deliveries', 'sourcing.delivery', 'delivery', {
  supplierId: ['supplier_id', 'uuid'], materialId: ['material_id', 'uuid'], offerId: ['offer_id', 'uuid'], poNumber: ['po_number', 'text'],
  orderedOn: ['ordered_on', 'date'], promisedOn: ['promised_on', 'date'], deliveredOn: ['delivered_on', 'date'],
  quantityOrdered: ['quantity_ordered', 'number'], quantityDelivered: ['quantity_delivered', 'number'], quantityAccepted: ['quantity_accepted', 'number'],
  unitsInspected: ['units_inspected', 'number'], defectiveUnits: ['defective_units', 'number'],
});

export const audits = resource('sourcing.audits', 'sourcing.audit', 'audit', {
  supplierId: ['supplier_id', 'uuid'], siteId: ['site_id', 'uuid'], auditedOn: ['audited_on', 'date'], kind: ['kind', 'text'],
  scorePct: ['score_pct', 'number'], criticalFindings: ['critical_findings', 'number'], majorFindings: ['major_findings', 'number'],
  minorFindings: ['minor_findings', 'number'], openMajorFindings: ['open_major_findings', 'number'], auditor: ['auditor', 'text'],
  reportUrl: ['report_url', 'text'], notes: ['notes', 'text'],
});

export const CertificationBody = Type.Object({
  code: Type.String({ minLength: 2, maxLength: 40 }), siteId: Type.Optional(Nullable(Id)),
  certificateNumber: Type.Optional(Nullable(Type.String({ maxLength: 200 }))), issuer: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  validFrom: DateOnly, validUntil: DateOnly, grade: Type.Optional(Nullable(Type.String({ maxLength: 10 }))),
  evidenceUrl: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
}, { additionalProperties: false });

const Qty = Type.Number();
export const DeliveryBody = Type.Object({
  materialId: Id, offerId: Type.Optional(Nullable(Id)), poNumber: Type.String({ minLength: 1, maxLength: 100 }),
  orderedOn: DateOnly, promisedOn: DateOnly, deliveredOn: Type.Optional(Nullable(DateOnly)),
  quantityOrdered: Qty, quantityDelivered: Type.Optional(Nullable(Qty)), quantityAccepted: Type.Optional(Nullable(Qty)),
  unitsInspected: Type.Optional(Nullable(Type.Integer())), defectiveUnits: Type.Optional(Nullable(Type.Integer())),
}, { additionalProperties: false });

const Count = Type.Integer({ minimum: 0, maximum: 10_000 });
export const AuditBody = Type.Object({
  siteId: Type.Optional(Nullable(Id)), auditedOn: DateOnly,
  kind: Type.Optional(Nullable(Type.Union(['second_party', 'third_party', 'internal', 'certification'].map((k) => Type.Literal(k))))),
  scorePct: Type.Number(), criticalFindings: Type.Optional(Count), majorFindings: Type.Optional(Count), minorFindings: Type.Optional(Count),
  openMajorFindings: Type.Optional(Count), auditor: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  reportUrl: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))), notes: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
}, { additionalProperties: false });
