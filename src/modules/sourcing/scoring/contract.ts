import { Type } from 'typebox';
import { TransportModeSchema } from '../http/schemas.js';

/** Request bodies of the stateless scoring paths (spec §4.7): identical in process and in the scoring service. */
const Num = Type.Number();
const Opt = Type.Optional;
const Null = <T extends Parameters<typeof Type.Optional>[0]>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));
const Date_ = Type.String({ format: 'date' });
const Parameters = Opt(Type.Object({}, { additionalProperties: true, description: 'Overrides of the active scoring parameters (what-if)' }));
const Leg = Type.Object({ mode: TransportModeSchema, distanceKm: Type.Number({ exclusiveMinimum: 0 }), estimated: Opt(Type.Boolean()) }, { additionalProperties: false });
const Cert = Type.Object({ code: Type.String({ maxLength: 40 }), validFrom: Date_, validUntil: Date_, grade: Null(Type.String({ maxLength: 10 })) }, { additionalProperties: false });
export const FactorSetInput = Type.Object({
  id: Opt(Type.String()), source: Type.String(), year: Type.Integer(), version: Type.String(),
  factors: Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 })),
}, { additionalProperties: false });

export const EconomicRequest = Type.Object({
  baseCurrency: Opt(Type.String({ pattern: '^[A-Z]{3}$' })), annualQuantity: Type.Number({ exclusiveMinimum: 0 }), parameters: Parameters,
  offers: Type.Array(Type.Object({
    id: Type.String({ maxLength: 100 }), price: Type.Number({ exclusiveMinimum: 0 }), currency: Opt(Type.String()), fxRateToBase: Type.Number({ exclusiveMinimum: 0 }),
    moq: Opt(Type.Number({ minimum: 0 })), leadTimeDays: Type.Number({ minimum: 0, maximum: 365 }), leadTimeSdDays: Null(Type.Number({ minimum: 0 })),
    freightCostPerUnit: Null(Type.Number({ minimum: 0 })), dutyRatePct: Opt(Type.Number({ minimum: 0, maximum: 100 })),
    otifPct: Null(Type.Number({ minimum: 0, maximum: 100 })), ppm: Null(Type.Number({ minimum: 0, maximum: 1e6 })),
    riskAllowancePct: Opt(Type.Number({ minimum: 0, maximum: 50 })), defectHandlingCostPerUnit: Opt(Type.Number({ minimum: 0 })),
    otherCostPerUnit: Opt(Type.Number({ minimum: 0 })), capacityPerYear: Opt(Type.Number({ exclusiveMinimum: 0 })),
    volumeDiscounts: Opt(Type.Array(Type.Object({ minQuantityPerYear: Type.Number({ minimum: 0 }), pct: Type.Number({ minimum: 0, maximum: 50 }) }), { maxItems: 20 })),
    massTonnesPerUnit: Opt(Type.Number({ minimum: 0 })), legs: Opt(Type.Array(Leg, { maxItems: 10 })),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 1000 }),
}, { additionalProperties: false });

const QualityWeightsSchema = Type.Object({ certification: Num, defects: Num, otif: Num, audit: Num, leadTimeStability: Num }, { additionalProperties: false });
const EnvWeightsSchema = Type.Object({ transport: Num, certifications: Num, packaging: Num, origin: Num, renewable: Num }, { additionalProperties: false });

export const QualityRequest = Type.Object({
  asOf: Date_, parameters: Parameters, weights: Opt(QualityWeightsSchema),
  suppliers: Type.Array(Type.Object({
    id: Type.String({ maxLength: 100 }), certifications: Type.Array(Cert, { maxItems: 100 }),
    otifPct: Null(Type.Number({ minimum: 0, maximum: 100 })), ppm: Null(Type.Number({ minimum: 0, maximum: 1e6 })), deliveriesCount: Null(Type.Integer({ minimum: 0 })),
    leadTimesDays: Opt(Type.Array(Type.Number({ minimum: 0 }), { maxItems: 10_000 })),
    leadTime: Null(Type.Object({ meanDays: Type.Number({ minimum: 0 }), sdDays: Type.Number({ minimum: 0 }), n: Type.Integer({ minimum: 0 }) })),
    audit: Null(Type.Object({ scorePct: Type.Number({ minimum: 0, maximum: 100 }), auditedOn: Date_, criticalFindings: Opt(Type.Integer({ minimum: 0 })), openMajorFindings: Opt(Type.Integer({ minimum: 0 })) })),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 1000 }),
}, { additionalProperties: false });

export const EnvironmentalRequest = Type.Object({
  asOf: Opt(Date_), parameters: Parameters, weights: Opt(EnvWeightsSchema), factorSet: Opt(FactorSetInput),
  offers: Type.Array(Type.Object({
    id: Type.String({ maxLength: 100 }), massTonnesPerUnit: Type.Number({ minimum: 0 }), legs: Type.Array(Leg, { minItems: 1, maxItems: 10 }),
    requiresColdChain: Opt(Type.Boolean()), certifications: Opt(Type.Array(Cert, { maxItems: 100 })),
    packaging: Null(Type.Object({ recyclablePct: Null(Type.Number({ minimum: 0, maximum: 100 })), reusable: Null(Type.Boolean()) })),
    originRisk: Null(Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')])),
    renewableEnergyPct: Null(Type.Number({ minimum: 0, maximum: 100 })),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 1000 }),
}, { additionalProperties: false });

export const TransportRequest = Type.Object({
  massTonnes: Type.Number({ exclusiveMinimum: 0 }), legs: Type.Array(Leg, { minItems: 1, maxItems: 10 }), requiresColdChain: Opt(Type.Boolean()),
  factorSet: Opt(FactorSetInput), parameters: Parameters,
}, { additionalProperties: false });

export const AhpRequest = Type.Object({
  criteria: Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { minItems: 2, maxItems: 10 }),
  matrix: Opt(Type.Array(Type.Array(Type.Number()), { maxItems: 10 })),
  comparisons: Opt(Type.Array(Type.Object({ a: Type.String(), b: Type.String(), value: Type.Number({ exclusiveMinimum: 0 }) }), { maxItems: 45 })),
}, { additionalProperties: false });

export const RankRequest = Type.Object({
  method: Type.Union([Type.Literal('topsis'), Type.Literal('weighted_sum')]),
  criteria: Type.Array(Type.Object({ key: Type.String({ maxLength: 60 }), weight: Type.Number({ minimum: 0 }), direction: Type.Union([Type.Literal('benefit'), Type.Literal('cost')]) }), { minItems: 1, maxItems: 30 }),
  alternatives: Type.Array(Type.Object({ id: Type.String({ maxLength: 100 }), values: Type.Record(Type.String(), Type.Number()) }), { minItems: 1, maxItems: 1000 }),
}, { additionalProperties: false });

export const SERVICE_PATHS = {
  '/economic/calculate': EconomicRequest,
  '/quality/assess': QualityRequest,
  '/environmental/calculate': EnvironmentalRequest,
  '/transport/emissions': TransportRequest,
  '/weights/ahp': AhpRequest,
  '/rank': RankRequest,
} as const;
export type ServicePath = keyof typeof SERVICE_PATHS;
