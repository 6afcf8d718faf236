/** Shapes of the sourcing API answers the pages use (the OpenAPI types leave these records open) and small helpers. */
import type { MessageKey } from '../../platform/i18n';

export type Band = 'high' | 'medium' | 'low';
export type SupplierStatus = 'active' | 'on_hold' | 'blocked' | 'archived';

export interface LatestScores { economic: number; quality: number; environmental: number; weighted: number; assessmentId: string; approvedAt: string }

export interface SupplierItem {
  id: string; name: string; country: string; status: SupplierStatus; updatedAt: string; version: number;
  primarySite: { lat: number; lon: number } | null; materials: string[]; validCertifications: string[]; expiringCertifications: string[];
  latestScores: LatestScores | null; latestBand: Band | null; otifPct: number | null;
}

export interface Site { id: string; name: string | null; country: string; region: string | null; latitude: number; longitude: number; renewableEnergyPct: number | null; originRisk: string | null; isPrimary: boolean }
export interface Certificate { id: string; code: string; siteId: string | null; certificateNumber: string | null; issuer: string | null; validFrom: string; validUntil: string; grade: string | null; verifiedAt: string | null; validOnToday: boolean; expiresInDays: number; version: number }
export interface Kpis { deliveriesCount: number; otdPct: number | null; otifPct: number | null; ppm: number | null; leadTime: { meanDays: number | null; sdDays: number | null; cv: number | null } }

export interface SupplierDetail extends Omit<SupplierItem, 'primarySite' | 'materials' | 'validCertifications' | 'expiringCertifications' | 'latestBand' | 'otifPct'> {
  legalName: string | null; website: string | null; contact: { name?: string; email?: string; phone?: string } | null;
  address: { line1?: string; line2?: string; city?: string; postalCode?: string; region?: string } | null;
  ecovadis: { score: number; medal?: string; assessedOn?: string } | null; nextReviewOn: string | null; statusReason: string | null; notes: string | null;
  sites: Site[]; certifications: Certificate[]; kpis: Kpis; offersCount: number; activeOffersCount: number;
}

export interface Material { id: string; name: string; unit: string; category: string | null; requiresColdChain: boolean; status: string }
export interface Destination { id: string; name: string; country: string; latitude: number; longitude: number; active: boolean }

export interface Offer {
  id: string; supplierId: string; siteId: string; materialId: string; destinationId: string; currency: string; price: number; moq: number;
  leadTimeDays: number; capacityPerYear: number; incoterm: string | null; freightCostPerUnit: number | null; validFrom: string; validUntil: string | null;
  status: 'active' | 'expired' | 'withdrawn'; supplierName?: string; supplierStatus?: SupplierStatus; siteName?: string | null;
}

export interface Delivery { id: string; materialId: string; poNumber: string; orderedOn: string; promisedOn: string; deliveredOn: string | null; quantityOrdered: number; quantityDelivered: number | null; quantityAccepted: number | null; unitsInspected: number | null; defectiveUnits: number | null }
export interface Audit { id: string; auditedOn: string; kind: string | null; scorePct: number; criticalFindings: number; majorFindings: number; minorFindings: number; openMajorFindings: number; auditor: string | null }

export interface HistoryPoint {
  assessmentId: string; title: string; assessmentDate: string; approvedAt: string; economicScore: number; qualityScore: number; environmentalScore: number;
  weightedScore: number; rank: number; offersCompared: number; tcoPerUnit: number | null; kgCo2ePerUnit: number | null;
  factorSet: { source: string; year: number; version: string }; superseded: boolean;
}

export interface Weights {
  method: 'direct' | 'ahp';
  pillars: { economic: number; quality: number; environmental: number };
  quality: Record<string, number>; environmental: Record<string, number>;
  matrices?: Record<string, number[][]> | null; consistency?: Record<string, number> | null;
}

export type AssessmentStatus = 'draft' | 'scored' | 'submitted' | 'approved' | 'archived';
export interface Assessment {
  id: string; title: string; materialId: string; destinationId: string | null; annualQuantity: number; assessmentDate: string; status: AssessmentStatus;
  rankingMethod: 'topsis' | 'weighted_sum'; weights: Weights; stale: boolean; scoredAt: string | null; approvedAt: string | null; createdBy: string;
  returnComment: string | null; version: number; offerIds: string[]; counts: { offers: number; items: number; included: number }; createdAt: string; updatedAt: string;
}

export interface ResultItem {
  offerId: string; supplierId: string; supplierName: string; siteName: string | null; included: boolean; exclusionReason: string | null; rank: number | null;
  closeness: number | null; weightedScore: number | null; pillars: { economic: number; quality: number; environmental: number } | null;
  subScores: Record<string, number> | null;
  economic: { tcoPerUnit: number; annualTco: number; breakdown: Record<string, number> } | null;
  environmental: { kgCo2ePerUnit: number; annualKgCo2e: number; legs: { mode: string; factor: number; distanceKm: number; estimated: boolean; kgCo2ePerTonne: number }[] } | null;
  quality: { parts: Record<string, { score: number } & Record<string, unknown>>; recommendations: string[] } | null;
  capacityCoveragePct: number | null; warnings: string[]; completenessPct: number | null; missing: string[];
}

export interface Comparison {
  axes: { key: string; label: string; unit: string }[];
  offers: { offerId: string; name: string; values: Record<string, number | null>; raw: Record<string, unknown> }[];
}

export interface Tradeoff {
  weights: Weights; rankingMethod: string;
  ranking: { offerId: string; rank: number; weightedScore: number; closeness: number | null }[];
  sensitivity: Record<'economic' | 'quality' | 'environmental', { current: number; stableFrom: number; stableTo: number; switches: { at: number; leaderOfferId: string }[] }>;
  paretoFront: string[];
  pairs: { a: string; b: string; deltaTcoPerUnit: number; deltaKgCo2ePerUnit: number; deltaQuality: number; abatementCostPerTonneCo2e: number | null }[];
}

export interface Page<T> { items: T[]; nextCursor: string | null }

export const PILLARS = ['economic', 'quality', 'environmental'] as const;
export type Pillar = (typeof PILLARS)[number];
export const QUALITY_KEYS = ['certification', 'defects', 'otif', 'audit', 'leadTimeStability'] as const;
export const ENV_KEYS = ['transport', 'certifications', 'packaging', 'origin', 'renewable'] as const;

export const BAND_COLOUR: Record<Band | 'none', string> = { high: '#1f9d6b', medium: '#d48a00', low: '#c8372d', none: '#8a94a3' };
export const MODE_COLOUR: Record<string, string> = {
  road: '#5470c6', road_refrigerated: '#3ba0c9', rail: '#8d6e63', van: '#7e57c2', sea_container: '#00897b', sea_general_cargo: '#26a69a',
  sea_bulk: '#4db6ac', sea_refrigerated: '#009688', air_long_haul: '#e53935', air_long_haul_no_rf: '#ef5350', air_short_haul: '#f4511e', air_short_haul_no_rf: '#ff7043',
};

export function bandOf(score: number | null | undefined): Band | null {
  if (score === null || score === undefined) return null;
  return score >= 80 ? 'high' : score >= 60 ? 'medium' : 'low';
}

export const BAND_TONE = { high: 'success', medium: 'warning', low: 'danger' } as const;
export const STATUS_TONE = { active: 'success', on_hold: 'warning', blocked: 'danger', archived: 'neutral' } as const;
export const ASSESSMENT_TONE = { draft: 'neutral', scored: 'info', submitted: 'primary', approved: 'success', archived: 'neutral' } as const;

export const statusKey = (s: SupplierStatus) => `sourcing.status.${s}` as MessageKey;
export const assessmentStatusKey = (s: AssessmentStatus) => `sourcing.assessmentStatus.${s}` as MessageKey;
export const pillarKey = (p: Pillar) => `sourcing.pillar.${p}` as MessageKey;

export function fmt(n: number | null | undefined, locale: string, digits = 1): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(n);
}

export function money(n: number | null | undefined, locale: string, currency = 'EUR', digits = 4): string {
  if (n === null || n === undefined) return '—';
  return new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { style: 'currency', currency, maximumFractionDigits: digits, minimumFractionDigits: Math.min(2, digits) }).format(n);
}

export function certLabel(code: string): string {
  const names: Record<string, string> = {
    iso_9001: 'ISO 9001', iso_22000: 'ISO 22000', fssc_22000: 'FSSC 22000', brcgs_food: 'BRCGS Food', ifs_food: 'IFS Food', sqf: 'SQF', haccp: 'HACCP',
    iso_14001: 'ISO 14001', iso_50001: 'ISO 50001', iso_45001: 'ISO 45001',
  };
  return names[code] ?? code.toUpperCase().replace(/_/g, ' ');
}

/** Moving one pillar slider rescales the other two proportionally so the three always sum to 100 % (spec §9). */
export function rebalance(weights: Record<Pillar, number>, changed: Pillar, value: number): Record<Pillar, number> {
  const v = Math.min(1, Math.max(0, value));
  const others = PILLARS.filter((p) => p !== changed);
  const rest = others.reduce((s, p) => s + weights[p], 0);
  const out = { ...weights, [changed]: v } as Record<Pillar, number>;
  for (const p of others) out[p] = rest > 0 ? (weights[p] / rest) * (1 - v) : (1 - v) / others.length;
  return out;
}

export const sourcingKeys = {
  all: ['sourcing'] as const,
  suppliers: (f: unknown) => ['sourcing', 'suppliers', f] as const,
  supplier: (id: string) => ['sourcing', 'supplier', id] as const,
  map: ['sourcing', 'map'] as const,
  materials: ['sourcing', 'materials'] as const,
  destinations: ['sourcing', 'destinations'] as const,
  assessments: (f: unknown) => ['sourcing', 'assessments', f] as const,
  assessment: (id: string) => ['sourcing', 'assessment', id] as const,
  results: (id: string) => ['sourcing', 'assessment', id, 'results'] as const,
};
