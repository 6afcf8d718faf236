import { bandOf, clamp, familyOf, type Band, type EnvironmentalWeights, type ScoringParams, type TransportMode } from './params.js';
import { isValidOn, type Certificate } from './quality.js';
import { HttpError } from '../../../platform/http/errors.js';

export interface FactorSet { id?: string; source: string; year: number; version: string; factors: Partial<Record<TransportMode, number>> }
export interface Leg { mode: TransportMode; distanceKm: number; estimated?: boolean }

export const factorMissing = (modes: string[]) =>
  new HttpError(422, 'emission_factor_missing', `The factor set has no factor for ${modes.join(', ')}.`, modes.map((m) => ({ path: `factors.${m}`, message: 'is missing' })));

/** The mode whose factor applies (spec §5.4.1): cold chain switches road and container ship; air uses RF factors unless airWithoutRf. */
export function effectiveMode(mode: TransportMode, coldChain: boolean, p: ScoringParams): TransportMode {
  if (coldChain && mode === 'road') return 'road_refrigerated';
  if (coldChain && mode === 'sea_container') return 'sea_refrigerated';
  if (p.environmental.airWithoutRf && (mode === 'air_long_haul' || mode === 'air_short_haul')) return `${mode}_no_rf`;
  return mode;
}

/** Transport emissions (GHG Protocol Scope 3 cat. 4, distance-based): per tonne delivered e = Σ distance × EF(mode). */
export function transportEmissions(legs: Leg[], set: FactorSet, p: ScoringParams, coldChain = false) {
  const lacking = new Set<string>();
  const rows = legs.map((l) => {
    const mode = effectiveMode(l.mode, coldChain, p);
    const factor = set.factors[mode];
    if (factor === undefined) lacking.add(mode);
    return { mode, enteredMode: l.mode, distanceKm: l.distanceKm, factor: factor ?? 0, kgCo2ePerTonne: l.distanceKm * (factor ?? 0), estimated: l.estimated ?? false };
  });
  if (lacking.size) throw factorMissing([...lacking]);
  return { legs: rows, kgCo2ePerTonne: rows.reduce((s, r) => s + r.kgCo2ePerTonne, 0) };
}

const EARTH_RADIUS_KM = 6371.0088;
/** Great-circle distance (haversine) in km. */
export function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(h));
}
/** Estimated leg distance (spec §5.4.4): great circle × detour factor of the mode family. */
export const estimatedDistanceKm = (from: { lat: number; lon: number }, to: { lat: number; lon: number }, mode: TransportMode, p: ScoringParams) =>
  haversineKm(from, to) * p.environmental.detour[familyOf(mode)];

export type OriginRisk = 'low' | 'medium' | 'high';

export interface EnvironmentalOffer {
  id: string;
  massTonnesPerUnit: number;
  legs: Leg[];
  requiresColdChain?: boolean;
  certifications?: Certificate[];
  packaging?: { recyclablePct?: number | null; reusable?: boolean | null } | null;
  originRisk?: OriginRisk | null;
  renewableEnergyPct?: number | null;
}

export type EnvironmentalPart = keyof EnvironmentalWeights;

export interface EnvironmentalResult {
  id: string; score: number; band: Band;
  transport: { kgCo2ePerTonne: number; kgCo2ePerUnit: number; legs: ReturnType<typeof transportEmissions>['legs']; score: number };
  certifications: { score: number; codes: string[] };
  packaging: { score: number };
  origin: { score: number; level: OriginRisk | null };
  renewable: { score: number; pct: number | null };
  missing: EnvironmentalPart[];
  recommendations: string[];
}

const ORIGIN_SCORE: Record<OriginRisk, number> = { low: 100, medium: 50, high: 0 };

/** Environmental pillar (spec §5.4.5): transport, environmental certificates, packaging, origin risk, renewable energy. */
export function scoreEnvironmental(o: EnvironmentalOffer, set: FactorSet, asOf: string, p: ScoringParams,
  weights: EnvironmentalWeights = p.environmental.weights): EnvironmentalResult {
  const env = p.environmental;
  const missing: EnvironmentalPart[] = [];
  const recommendations: string[] = [];
  const t = transportEmissions(o.legs, set, p, o.requiresColdChain ?? false);
  const transport = 100 * clamp(1 - t.kgCo2ePerTonne / env.eRefKgPerTonne, 0, 1);

  let certs = env.neutral;
  let codes: string[] = [];
  if (o.certifications === undefined) missing.push('certifications');
  else {
    codes = [...new Set(o.certifications.filter((c) => isValidOn(c, asOf) && c.code in env.certificationPoints).map((c) => c.code))];
    certs = Math.min(100, codes.reduce((s, c) => s + env.certificationPoints[c]!, 0));
    if (!codes.includes('iso_14001')) recommendations.push('No valid ISO 14001 certificate.');
  }

  let packaging = env.neutral;
  if (o.packaging?.reusable) packaging = 100;
  else if (o.packaging?.recyclablePct !== undefined && o.packaging?.recyclablePct !== null) packaging = o.packaging.recyclablePct;
  else missing.push('packaging');

  const level = o.originRisk ?? null;
  const origin = level ? ORIGIN_SCORE[level] : env.neutral;
  if (!level) missing.push('origin');

  const pct = o.renewableEnergyPct ?? null;
  const renewable = pct ?? env.neutral;
  if (pct === null) missing.push('renewable');

  if (t.kgCo2ePerTonne > env.eRefKgPerTonne / 2) recommendations.push('Transport emissions above half the reference; consider rail or sea legs.');

  const score = weights.transport * transport + weights.certifications * certs + weights.packaging * packaging
    + weights.origin * origin + weights.renewable * renewable;
  return {
    id: o.id, score, band: bandOf(score, p),
    transport: { kgCo2ePerTonne: t.kgCo2ePerTonne, kgCo2ePerUnit: o.massTonnesPerUnit * t.kgCo2ePerTonne, legs: t.legs, score: transport },
    certifications: { score: certs, codes },
    packaging: { score: packaging },
    origin: { score: origin, level },
    renewable: { score: renewable, pct },
    missing, recommendations,
  };
}

/** The seeded default factor set (spec §5.4.2), kg CO2e per tonne-km. */
export const DESNZ_2025: FactorSet = {
  source: 'UK DESNZ GHG conversion factors 2025, freighting goods', year: 2025, version: '2025.1',
  factors: {
    road: 0.10163, road_refrigerated: 0.11894, rail: 0.02779, air_long_haul: 0.89939, air_long_haul_no_rf: 0.5313,
    van: 0.63, sea_container: 0.01612, sea_general_cargo: 0.01321, sea_bulk: 0.00353, sea_refrigerated: 0.01306,
    air_short_haul: 1.27835, air_short_haul_no_rf: 0.75539,
  },
};
