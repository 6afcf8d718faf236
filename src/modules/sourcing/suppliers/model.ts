import { Type } from 'typebox';
import { resource } from '../http/resource.js';
import { Country, DateOnly, Nullable } from '../http/schemas.js';

export const suppliers = resource('sourcing.suppliers', 'sourcing.supplier', 'supplier', {
  name: ['name', 'text'], legalName: ['legal_name', 'text'], country: ['country', 'text'], address: ['address', 'json'],
  website: ['website', 'text'], contact: ['contact', 'json'], status: ['status', 'text'], statusReason: ['status_reason', 'text'],
  riskAllowancePct: ['risk_allowance_pct', 'number'], ecovadis: ['ecovadis', 'json'], nextReviewOn: ['next_review_on', 'date'],
  notes: ['notes', 'text'], archivedAt: ['archived_at', 'timestamp'],
});

export const sites = resource('sourcing.supplier_sites', 'sourcing.site', 'site', {
  supplierId: ['supplier_id', 'uuid'], name: ['name', 'text'], country: ['country', 'text'], region: ['region', 'text'],
  latitude: ['latitude', 'number'], longitude: ['longitude', 'number'], renewableEnergyPct: ['renewable_energy_pct', 'number'],
  originRisk: ['origin_risk', 'text'], isPrimary: ['is_primary', 'bool'],
});

export const SupplierStatus = Type.Union([Type.Literal('active'), Type.Literal('on_hold'), Type.Literal('blocked')]);

export const SiteBody = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 200 })),
  country: Country,
  region: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  // Out-of-range coordinates are impossible values (422), not schema errors: checked in the route.
  latitude: Type.Number(),
  longitude: Type.Number(),
  renewableEnergyPct: Type.Optional(Nullable(Type.Number())),
  originRisk: Type.Optional(Nullable(Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]))),
  isPrimary: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

export const SupplierFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  legalName: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  country: Country,
  address: Type.Optional(Nullable(Type.Object({
    line1: Type.Optional(Type.String()), line2: Type.Optional(Type.String()), city: Type.Optional(Type.String()),
    postalCode: Type.Optional(Type.String()), region: Type.Optional(Type.String()),
  }, { additionalProperties: false }))),
  website: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  contact: Type.Optional(Nullable(Type.Object({
    name: Type.Optional(Type.String()), email: Type.Optional(Type.String({ format: 'email' })), phone: Type.Optional(Type.String()),
  }, { additionalProperties: false }))),
  status: Type.Optional(SupplierStatus),
  statusReason: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  riskAllowancePct: Type.Optional(Type.Number()),
  ecovadis: Type.Optional(Nullable(Type.Object({
    score: Type.Number({ minimum: 0, maximum: 100 }), medal: Type.Optional(Type.String()), assessedOn: Type.Optional(DateOnly),
  }, { additionalProperties: false }))),
  nextReviewOn: Type.Optional(Nullable(DateOnly)),
  notes: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
};
