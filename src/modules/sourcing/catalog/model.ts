import { Type } from 'typebox';
import { resource } from '../http/resource.js';
import { Country, Nullable } from '../http/schemas.js';

export const materials = resource('sourcing.materials', 'sourcing.material', 'material', {
  name: ['name', 'text'], category: ['category', 'text'], unit: ['unit', 'text'], massKgPerUnit: ['mass_kg_per_unit', 'number'],
  requiresColdChain: ['requires_cold_chain', 'bool'], defectHandlingCostPerUnit: ['defect_handling_cost_per_unit', 'number'],
  description: ['description', 'text'], status: ['status', 'text'],
});

export const destinations = resource('sourcing.destinations', 'sourcing.destination', 'destination', {
  name: ['name', 'text'], country: ['country', 'text'], latitude: ['latitude', 'number'], longitude: ['longitude', 'number'],
  coldStorage: ['cold_storage', 'bool'], active: ['active', 'bool'],
});

export const MaterialUnit = Type.Union([Type.Literal('kg'), Type.Literal('t'), Type.Literal('l'), Type.Literal('unit')]);
export const MaterialFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  category: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  unit: MaterialUnit,
  massKgPerUnit: Type.Optional(Nullable(Type.Number())),
  requiresColdChain: Type.Optional(Type.Boolean()),
  defectHandlingCostPerUnit: Type.Optional(Type.Number()),
  description: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
};

export const DestinationBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }), country: Country, latitude: Type.Number(), longitude: Type.Number(),
  coldStorage: Type.Optional(Type.Boolean()), active: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

/** Tonnes per material unit (spec §5.4.1): kg → 0.001, t → 1, l and unit → mass_kg_per_unit / 1000. */
export function tonnesPerUnit(unit: string, massKgPerUnit: number | null): number | null {
  if (unit === 'kg') return 0.001;
  if (unit === 't') return 1;
  return massKgPerUnit ? massKgPerUnit / 1000 : null;
}
