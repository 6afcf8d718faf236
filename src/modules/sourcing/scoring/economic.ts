import { bandOf, familyOf, type Band, type ScoringParams, type TransportMode } from './params.js';

/** One offer as the economic calculator sees it (spec §5.2.1); money in offer currency unless named "base". */
export interface EconomicOffer {
  id: string;
  price: number;
  currency?: string;
  fxRateToBase: number;
  moq?: number;
  leadTimeDays: number;
  leadTimeSdDays?: number | null;
  /** Base currency per unit; null → estimated from legs and the freight rates. */
  freightCostPerUnit?: number | null;
  dutyRatePct?: number;
  otifPct?: number | null;
  ppm?: number | null;
  riskAllowancePct?: number;
  defectHandlingCostPerUnit?: number;
  otherCostPerUnit?: number;
  volumeDiscounts?: { minQuantityPerYear: number; pct: number }[];
  capacityPerYear?: number;
  /** For the freight estimate. */
  massTonnesPerUnit?: number;
  legs?: { mode: TransportMode; distanceKm: number }[];
}

export interface EconomicBreakdown {
  price: number; freight: number; duty: number; carrying: number; quality: number; expedite: number; admin: number; risk: number; other: number;
}

export interface EconomicResult {
  id: string;
  tcoPerUnit: number; annualTco: number; landedCostPerUnit: number;
  effectivePrice: number; discountPct: number; freightEstimated: boolean;
  orderQuantity: number; ordersPerYear: number; safetyStock: number; averageInventory: number; leadTimeSdDays: number;
  breakdown: EconomicBreakdown;
  score: number; band: Band; warnings: string[];
}

/** TCO per unit of one offer (spec §5.2.2); the score needs the whole set, see scoreEconomic. */
export function tcoOf(o: EconomicOffer, Q: number, p: ScoringParams): Omit<EconomicResult, 'score' | 'band'> {
  const e = p.economic;
  const warnings: string[] = [];
  const tiers = (o.volumeDiscounts ?? []).filter((t) => t.minQuantityPerYear <= Q);
  const discountPct = tiers.length ? tiers.reduce((a, b) => (b.minQuantityPerYear > a.minQuantityPerYear ? b : a)).pct : 0;
  const P = o.price * o.fxRateToBase * (1 - discountPct / 100);
  let F = o.freightCostPerUnit;
  let freightEstimated = false;
  if (F === null || F === undefined) {
    F = (o.massTonnesPerUnit ?? 0) * (o.legs ?? []).reduce((s, l) => s + l.distanceKm * e.freightRates[familyOf(l.mode)], 0);
    freightEstimated = true;
    warnings.push('freight_estimated');
  }
  const D = ((o.dutyRatePct ?? 0) / 100) * (P + F);
  const L = P + F + D;
  const moq = o.moq ?? 0;
  const q = Math.max(moq, Q / e.ordersPerYear);
  const n = Q / q;
  const daily = Q / 365;
  const sdL = o.leadTimeSdDays ?? o.leadTimeDays * e.defaultLeadTimeCv;
  const SS = e.serviceLevelZ * daily * sdL;
  const avgInv = q / 2 + SS;
  const otif = o.otifPct ?? e.defaultOtifPct;
  const breakdown: EconomicBreakdown = {
    price: P,
    freight: F,
    duty: D,
    carrying: (avgInv * L * (e.carryingRatePct / 100)) / Q,
    quality: ((o.ppm ?? 0) / 1e6) * (L + (o.defectHandlingCostPerUnit ?? 0)),
    expedite: ((1 - otif / 100) * e.expediteCostPerLateOrder * n) / Q,
    admin: (n * e.costPerOrder) / Q,
    risk: ((o.riskAllowancePct ?? 0) / 100) * P,
    other: o.otherCostPerUnit ?? 0,
  };
  const tco = L + breakdown.carrying + breakdown.quality + breakdown.expedite + breakdown.admin + breakdown.risk + breakdown.other;
  if (o.capacityPerYear !== undefined && o.capacityPerYear < Q) warnings.push('insufficient_capacity');
  if (moq > Q) warnings.push('moq_exceeds_need');
  return {
    id: o.id, tcoPerUnit: tco, annualTco: tco * Q, landedCostPerUnit: L, effectivePrice: P, discountPct, freightEstimated,
    orderQuantity: q, ordersPerYear: n, safetyStock: SS, averageInventory: avgInv, leadTimeSdDays: sdL, breakdown, warnings,
  };
}

/** Economic pillar (spec §5.2.3): S_i = 100 × min TCO / TCO_i over the offers given; one offer alone scores 100. */
export function scoreEconomic(offers: EconomicOffer[], annualQuantity: number, p: ScoringParams) {
  const rows = offers.map((o) => tcoOf(o, annualQuantity, p));
  const minTco = Math.min(...rows.map((r) => r.tcoPerUnit));
  const results: EconomicResult[] = rows.map((r) => {
    const score = (100 * minTco) / r.tcoPerUnit;
    return { ...r, score, band: bandOf(score, p) };
  });
  return { results, minTcoPerUnit: minTco };
}
