import { Type } from 'typebox';
import { resource } from '../http/resource.js';
import { Currency, DateOnly, Id, Nullable, TransportModeSchema } from '../http/schemas.js';

export const offers = resource('sourcing.offers', 'sourcing.offer', 'offer', {
  supplierId: ['supplier_id', 'uuid'], siteId: ['site_id', 'uuid'], materialId: ['material_id', 'uuid'], destinationId: ['destination_id', 'uuid'],
  currency: ['currency', 'text'], price: ['price', 'number'], moq: ['moq', 'number'], leadTimeDays: ['lead_time_days', 'number'],
  capacityPerYear: ['capacity_per_year', 'number'], incoterm: ['incoterm', 'text'], freightCostPerUnit: ['freight_cost_per_unit', 'number'],
  dutyRatePct: ['duty_rate_pct', 'number'], paymentTerms: ['payment_terms', 'text'], volumeDiscounts: ['volume_discounts', 'json'],
  packaging: ['packaging', 'json'], validFrom: ['valid_from', 'date'], validUntil: ['valid_until', 'date'], status: ['status', 'text'], notes: ['notes', 'text'],
});

export const LegBody = Type.Object({
  mode: Type.String({ maxLength: 40, description: 'A transport mode key (road, rail, sea_container, …); unknown → 422 unknown_mode' }),
  distanceKm: Type.Optional(Nullable(Type.Number())),
  fromLabel: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  toLabel: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
}, { additionalProperties: false });

export const OfferFields = {
  supplierId: Id, siteId: Id, materialId: Id, destinationId: Id, currency: Currency, price: Type.Number(),
  moq: Type.Optional(Type.Number()), leadTimeDays: Type.Integer(), capacityPerYear: Type.Number(),
  incoterm: Type.Optional(Nullable(Type.Union(['EXW', 'FCA', 'FAS', 'FOB', 'CFR', 'CIF', 'CPT', 'CIP', 'DAP', 'DPU', 'DDP'].map((x) => Type.Literal(x))))),
  freightCostPerUnit: Type.Optional(Nullable(Type.Number())), dutyRatePct: Type.Optional(Type.Number()),
  paymentTerms: Type.Optional(Nullable(Type.Union(['net_30', 'net_60', 'net_90', 'advance', 'letter_of_credit'].map((x) => Type.Literal(x))))),
  volumeDiscounts: Type.Optional(Type.Array(Type.Object({ minQuantityPerYear: Type.Number({ minimum: 0 }), pct: Type.Number() }, { additionalProperties: false }), { maxItems: 20 })),
  packaging: Type.Optional(Nullable(Type.Object({ type: Type.Optional(Type.String({ maxLength: 100 })), recyclablePct: Type.Optional(Type.Number()), reusable: Type.Optional(Type.Boolean()) }, { additionalProperties: false }))),
  legs: Type.Optional(Type.Array(LegBody, { minItems: 1, maxItems: 10 })),
  validFrom: DateOnly, validUntil: Type.Optional(Nullable(DateOnly)), notes: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
};
export { TransportModeSchema };
