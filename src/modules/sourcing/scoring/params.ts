/** Every "configurable; default X" of spec §5, as one versioned object (scoring_parameters.params). */
export const ENGINE_VERSION = '1.0.0';

export type TransportMode =
  | 'road' | 'road_refrigerated' | 'rail' | 'sea_container' | 'sea_general_cargo' | 'sea_bulk' | 'sea_refrigerated'
  | 'air_long_haul' | 'air_long_haul_no_rf' | 'air_short_haul' | 'air_short_haul_no_rf' | 'van';

export const TRANSPORT_MODES: TransportMode[] = [
  'road', 'road_refrigerated', 'rail', 'sea_container', 'sea_general_cargo', 'sea_bulk', 'sea_refrigerated',
  'air_long_haul', 'air_long_haul_no_rf', 'air_short_haul', 'air_short_haul_no_rf', 'van',
];

export interface QualityWeights { certification: number; defects: number; otif: number; audit: number; leadTimeStability: number }
export interface EnvironmentalWeights { transport: number; certifications: number; packaging: number; origin: number; renewable: number }
export interface PillarWeights { economic: number; quality: number; environmental: number }

export interface ScoringParams {
  bands: { high: number; medium: number };
  economic: {
    carryingRatePct: number; serviceLevelZ: number; ordersPerYear: number; costPerOrder: number; expediteCostPerLateOrder: number;
    defaultLeadTimeCv: number; defaultOtifPct: number;
    /** Base currency per tonne-km, by mode family. */
    freightRates: { road: number; rail: number; sea: number; air: number };
  };
  quality: {
    ppmMax: number; otifMinPct: number; auditMonths: number; auditOpenMajorPenalty: number; cvMax: number; neutral: number;
    /** Points per certification code (catalogue); deductions per grade. */
    points: Record<string, number>;
    gradeDeductions: Record<string, number>;
    weights: QualityWeights;
  };
  environmental: {
    eRefKgPerTonne: number; neutral: number; airWithoutRf: boolean;
    certificationPoints: Record<string, number>;
    weights: EnvironmentalWeights;
    detour: { road: number; rail: number; sea: number; air: number };
  };
  pillars: PillarWeights;
  kpi: { windowDays: number; earlyToleranceDays: number; lateToleranceDays: number; inFullTolerancePct: number; minDeliveries: number };
  excludeInsufficientCapacity: boolean;
}

export const DEFAULT_PARAMS: ScoringParams = {
  bands: { high: 80, medium: 60 },
  economic: {
    carryingRatePct: 25, serviceLevelZ: 1.65, ordersPerYear: 12, costPerOrder: 50, expediteCostPerLateOrder: 200,
    defaultLeadTimeCv: 0.25, defaultOtifPct: 95,
    freightRates: { road: 0.10, rail: 0.05, sea: 0.01, air: 1.00 },
  },
  quality: {
    ppmMax: 10_000, otifMinPct: 80, auditMonths: 24, auditOpenMajorPenalty: 10, cvMax: 0.5, neutral: 50,
    points: { fssc_22000: 90, brcgs_food: 90, ifs_food: 90, sqf: 90, iso_22000: 75, haccp: 50, iso_9001: 10 },
    gradeDeductions: { 'brcgs_food:AA': 0, 'brcgs_food:A': 5, 'brcgs_food:B': 10, 'brcgs_food:C': 20, 'brcgs_food:D': 30, 'ifs_food:foundation': 10, 'ifs_food:higher': 0 },
    weights: { certification: 0.30, defects: 0.25, otif: 0.25, audit: 0.10, leadTimeStability: 0.10 },
  },
  environmental: {
    eRefKgPerTonne: 500, neutral: 50, airWithoutRf: false,
    certificationPoints: { iso_14001: 60, iso_50001: 20 },
    weights: { transport: 0.40, certifications: 0.20, packaging: 0.15, origin: 0.15, renewable: 0.10 },
    detour: { road: 1.2, rail: 1.2, sea: 1.0, air: 1.0 },
  },
  pillars: { economic: 0.40, quality: 0.40, environmental: 0.20 },
  kpi: { windowDays: 365, earlyToleranceDays: 2, lateToleranceDays: 0, inFullTolerancePct: 0, minDeliveries: 3 },
  excludeInsufficientCapacity: false,
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type ParamsOverride = DeepPartial<ScoringParams>;

/** Overrides merged into the base parameters (objects merge key by key; values replace). */
export function mergeParams(base: ScoringParams, override?: ParamsOverride): ScoringParams {
  if (!override) return base;
  const merge = (a: any, b: any): any => {
    if (b === undefined) return a;
    if (a && typeof a === 'object' && !Array.isArray(a) && b && typeof b === 'object' && !Array.isArray(b)) {
      const out: any = { ...a };
      for (const k of Object.keys(b)) out[k] = merge(a[k], b[k]);
      return out;
    }
    return b;
  };
  return merge(base, override);
}

export type Band = 'high' | 'medium' | 'low';
export const bandOf = (score: number, p: ScoringParams = DEFAULT_PARAMS): Band =>
  score >= p.bands.high ? 'high' : score >= p.bands.medium ? 'medium' : 'low';

export const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
export const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round((x + Number.EPSILON * Math.sign(x)) * f) / f;
};

export type ModeFamily = 'road' | 'rail' | 'sea' | 'air';
export const familyOf = (mode: TransportMode): ModeFamily =>
  mode.startsWith('sea') ? 'sea' : mode.startsWith('air') ? 'air' : mode === 'rail' ? 'rail' : 'road';
