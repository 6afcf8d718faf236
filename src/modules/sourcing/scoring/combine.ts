import type { EconomicResult } from './economic.js';
import type { QualityResult } from './quality.js';
import type { EnvironmentalResult } from './environmental.js';
import type { EnvironmentalWeights, PillarWeights, QualityWeights } from './params.js';
import { topsis, weightedSum, type Criterion } from './topsis.js';

export type SubKey =
  | 'tco' | 'certification' | 'defects' | 'otif' | 'audit' | 'leadTimeStability'
  | 'transport' | 'envCertifications' | 'packaging' | 'origin' | 'renewable';

export const SUB_KEYS: SubKey[] = ['tco', 'certification', 'defects', 'otif', 'audit', 'leadTimeStability', 'transport', 'envCertifications', 'packaging', 'origin', 'renewable'];

export interface WeightSet { pillars: PillarWeights; quality: QualityWeights; environmental: EnvironmentalWeights }
export type RankingMethod = 'topsis' | 'weighted_sum';

/** Global weight = pillar weight × local weight (spec §5.5.1); the eleven sum to 1. */
export function globalWeights(w: WeightSet): Record<SubKey, number> {
  const q = w.quality;
  const e = w.environmental;
  return {
    tco: w.pillars.economic,
    certification: w.pillars.quality * q.certification, defects: w.pillars.quality * q.defects, otif: w.pillars.quality * q.otif,
    audit: w.pillars.quality * q.audit, leadTimeStability: w.pillars.quality * q.leadTimeStability,
    transport: w.pillars.environmental * e.transport, envCertifications: w.pillars.environmental * e.certifications,
    packaging: w.pillars.environmental * e.packaging, origin: w.pillars.environmental * e.origin, renewable: w.pillars.environmental * e.renewable,
  };
}

export interface ScoredOffer {
  id: string;
  economic: EconomicResult; quality: QualityResult; environmental: EnvironmentalResult;
}

export function subScores(o: ScoredOffer): Record<SubKey, number> {
  const q = o.quality.parts;
  const e = o.environmental;
  return {
    tco: o.economic.score,
    certification: q.certification.score, defects: q.defects.score, otif: q.otif.score, audit: q.audit.score, leadTimeStability: q.leadTimeStability.score,
    transport: e.transport.score, envCertifications: e.certifications.score, packaging: e.packaging.score, origin: e.origin.score, renewable: e.renewable.score,
  };
}

export interface RankedOffer { id: string; weightedScore: number; closeness: number | null; rank: number; subScores: Record<SubKey, number> }

/** The decision matrix of spec §5.6.2: eleven benefit sub-scores with global weights, ranked by TOPSIS or weighted sum. */
export function rankOffers(offers: { id: string; subScores: Record<SubKey, number> }[], weights: WeightSet, method: RankingMethod): RankedOffer[] {
  const g = globalWeights(weights);
  const criteria: Criterion[] = SUB_KEYS.map((key) => ({ key, weight: g[key], direction: 'benefit' }));
  const alternatives = offers.map((o) => ({ id: o.id, values: o.subScores }));
  const sums = weightedSum(criteria, alternatives);
  if (method === 'weighted_sum') {
    return offers.map((o, i) => ({ id: o.id, subScores: o.subScores, weightedScore: sums[i]!.score, closeness: null, rank: sums[i]!.rank }));
  }
  const t = topsis(criteria, alternatives).results;
  return offers.map((o, i) => ({ id: o.id, subScores: o.subScores, weightedScore: sums[i]!.score, closeness: t[i]!.closeness, rank: t[i]!.rank }));
}

/** First place of a full ranking, ties broken by weighted score then id (spec §5.6.1 display order). */
export function leaderOf(ranked: RankedOffer[]): string {
  return [...ranked].sort((a, b) => a.rank - b.rank || b.weightedScore - a.weightedScore || a.id.localeCompare(b.id))[0]!.id;
}

type Pillar = keyof PillarWeights;
const PILLARS: Pillar[] = ['economic', 'quality', 'environmental'];

export function withPillarWeight(w: WeightSet, k: Pillar, t: number): WeightSet {
  const w0 = w.pillars[k];
  const others = PILLARS.filter((p) => p !== k);
  const pillars = { ...w.pillars, [k]: t } as PillarWeights;
  for (const p of others) pillars[p] = w0 === 1 ? (1 - t) / 2 : (w.pillars[p] * (1 - t)) / (1 - w0);
  return { ...w, pillars };
}

/**
 * Leader finder for repeated re-ranking of one matrix (the 303 of a sensitivity run). TOPSIS normalisation does not depend
 * on the weights and, weights being non-negative, the ideal of a column is its weight times the column's best normalised
 * value: squared gaps are computed once, and each re-ranking costs m × 11 multiply-adds.
 */
export function leaderFinder(offers: { id: string; subScores: Record<SubKey, number> }[], method: RankingMethod) {
  const m = offers.length;
  const k = SUB_KEYS.length;
  const X = new Float64Array(m * k);
  offers.forEach((o, i) => SUB_KEYS.forEach((key, j) => { X[i * k + j] = o.subScores[key] ?? 0; }));
  const dPlus = new Float64Array(m * k);
  const dMinus = new Float64Array(m * k);
  for (let j = 0; j < k; j++) {
    let norm = 0;
    for (let i = 0; i < m; i++) norm += X[i * k + j]! ** 2;
    norm = Math.sqrt(norm);
    let max = -Infinity;
    let min = Infinity;
    const r = new Float64Array(m);
    for (let i = 0; i < m; i++) { r[i] = norm === 0 ? 0 : X[i * k + j]! / norm; if (r[i]! > max) max = r[i]!; if (r[i]! < min) min = r[i]!; }
    for (let i = 0; i < m; i++) { dPlus[i * k + j] = (r[i]! - max) ** 2; dMinus[i * k + j] = (r[i]! - min) ** 2; }
  }
  return (w: WeightSet): string => {
    const g = globalWeights(w);
    const total = SUB_KEYS.reduce((s, key) => s + g[key], 0);
    const gw = SUB_KEYS.map((key) => (total > 0 ? g[key] / total : 0));
    const g2 = gw.map((x) => x * x);
    let best = -1;
    let bestC = -Infinity;
    let bestW = -Infinity;
    for (let i = 0; i < m; i++) {
      let ws = 0;
      let sp = 0;
      let sm = 0;
      for (let j = 0; j < k; j++) { ws += gw[j]! * X[i * k + j]!; sp += g2[j]! * dPlus[i * k + j]!; sm += g2[j]! * dMinus[i * k + j]!; }
      let c = ws;
      if (method === 'topsis') { const a = Math.sqrt(sp); const b = Math.sqrt(sm); c = a + b === 0 ? 0.5 : b / (a + b); }
      const tie = Math.abs(c - bestC) < 1e-9;
      if ((!tie && c > bestC) || (tie && (ws > bestW || (ws === bestW && offers[i]!.id < offers[best]!.id)))) { best = i; bestC = c; bestW = ws; }
    }
    return offers[best]!.id;
  };
}

/** Sensitivity per pillar (spec §5.6.3): t = 0.00 … 1.00, others rescaled; stable interval of the current leader and switch points. */
export function sensitivity(offers: { id: string; subScores: Record<SubKey, number> }[], w: WeightSet, method: RankingMethod) {
  const leader = leaderFinder(offers, method);
  const currentLeader = leader(w);
  const out = {} as Record<Pillar, { current: number; stableFrom: number; stableTo: number; switches: { at: number; leaderOfferId: string }[] }>;
  for (const k of PILLARS) {
    const leaders: string[] = [];
    for (let s = 0; s <= 100; s++) leaders.push(leader(withPillarWeight(w, k, s / 100)));
    const current = w.pillars[k];
    const switches: { at: number; leaderOfferId: string }[] = [];
    for (let s = 1; s <= 100; s++) if (leaders[s] !== leaders[s - 1]) switches.push({ at: s / 100, leaderOfferId: leaders[s]! });
    // Grid points on either side of the current weight, walked outwards while the current leader stays first.
    let lo = Math.floor(current * 100 + 1e-9);
    let hi = Math.ceil(current * 100 - 1e-9);
    let stableFrom = current;
    let stableTo = current;
    while (lo >= 0 && leaders[lo] === currentLeader) { stableFrom = lo / 100; lo--; }
    while (hi <= 100 && leaders[hi] === currentLeader) { stableTo = hi / 100; hi++; }
    out[k] = { current, stableFrom, stableTo, switches };
  }
  return { leaderOfferId: currentLeader, pillars: out };
}

/** Offers not dominated on the three pillar scores (spec §5.6.3). */
export function paretoFront(offers: { id: string; pillars: [number, number, number] }[]): string[] {
  return offers.filter((a) => !offers.some((b) => b !== a && b.pillars.every((x, i) => x >= a.pillars[i]!) && b.pillars.some((x, i) => x > a.pillars[i]!))).map((a) => a.id);
}

/**
 * Pair metrics (spec §5.6.3): abatement cost of choosing i over j = (TCO_i − TCO_j) / ((e_j − e_i)/1000),
 * base currency per tonne CO2e, only when i costs more and emits less.
 */
export function pairMetrics(a: { id: string; tcoPerUnit: number; kgCo2ePerUnit: number; quality: number },
  b: { id: string; tcoPerUnit: number; kgCo2ePerUnit: number; quality: number }) {
  const dCost = a.tcoPerUnit - b.tcoPerUnit;
  const dEmission = a.kgCo2ePerUnit - b.kgCo2ePerUnit;
  return {
    a: a.id, b: b.id, deltaTcoPerUnit: dCost, deltaKgCo2ePerUnit: dEmission, deltaQuality: a.quality - b.quality,
    abatementCostPerTonneCo2e: dCost > 0 && dEmission < 0 ? dCost / (-dEmission / 1000) : null,
  };
}
