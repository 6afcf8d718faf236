import { bandOf, clamp, type Band, type QualityWeights, type ScoringParams } from './params.js';

export interface Certificate { code: string; validFrom: string; validUntil: string; grade?: string | null }

export interface QualitySupplier {
  id: string;
  certifications: Certificate[];
  otifPct?: number | null;
  ppm?: number | null;
  deliveriesCount?: number | null;
  leadTimesDays?: number[];
  leadTime?: { meanDays: number; sdDays: number; n: number } | null;
  audit?: { scorePct: number; auditedOn: string; criticalFindings?: number; openMajorFindings?: number } | null;
}

export type QualityPart = keyof QualityWeights;

export interface QualityResult {
  id: string; score: number; band: Band;
  parts: {
    certification: { score: number; basis: string[] };
    defects: { score: number; ppm: number | null };
    otif: { score: number; otifPct: number | null };
    audit: { score: number; auditedOn: string | null };
    leadTimeStability: { score: number; cv: number | null };
  };
  missing: QualityPart[];
  recommendations: string[];
}

const GFSI = new Set(['fssc_22000', 'brcgs_food', 'ifs_food', 'sqf']);
const FOOD_SAFETY = new Set([...GFSI, 'iso_22000', 'haccp']);

export const isValidOn = (c: { validFrom: string; validUntil: string }, asOf: string) => c.validFrom <= asOf && asOf <= c.validUntil;
const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

/** Sample statistics of lead times (n − 1); CV needs at least `minN` values (spec §5.1). */
export function leadTimeStats(days: number[], minN = 3) {
  const n = days.length;
  if (n < minN || n < 2) return null;
  const mean = days.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(days.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1));
  return { meanDays: mean, sdDays: sd, n, cv: mean > 0 ? sd / mean : null };
}

/** Certification part C (spec §5.3): best food-safety scheme less its grade deduction, plus ISO 9001; valid certificates only. */
export function certificationScore(certs: Certificate[], asOf: string, p: ScoringParams) {
  const q = p.quality;
  const valid = certs.filter((c) => isValidOn(c, asOf));
  let base = 0;
  let best: string | null = null;
  for (const c of valid) {
    if (!FOOD_SAFETY.has(c.code)) continue;
    const deduction = c.grade ? (q.gradeDeductions[`${c.code}:${c.grade.replace('+', '')}`] ?? 0) : 0;
    const value = (q.points[c.code] ?? 0) - deduction;
    if (value > base) { base = value; best = c.grade ? `${c.code} grade ${c.grade} (${q.points[c.code]} − ${deduction})` : `${c.code} (${value})`; }
  }
  const bonus = valid.some((c) => c.code === 'iso_9001') ? (q.points.iso_9001 ?? 0) : 0;
  const basis = [best ?? 'no valid food-safety certificate (0)'];
  if (bonus) basis.push(`iso_9001 (+${bonus})`);
  return { score: Math.min(100, base + bonus), basis, valid };
}

/** Quality pillar (spec §5.3): certification, defects, OTIF, audit, lead-time stability; missing parts get the neutral value. */
export function scoreQuality(s: QualitySupplier, asOf: string, p: ScoringParams, weights: QualityWeights = p.quality.weights): QualityResult {
  const q = p.quality;
  const missing: QualityPart[] = [];
  const recommendations: string[] = [];

  const cert = certificationScore(s.certifications, asOf, p);
  if (!cert.valid.some((c) => GFSI.has(c.code))) recommendations.push('No valid GFSI-recognised food-safety certificate.');
  if (cert.valid.some((c) => daysBetween(asOf, c.validUntil) <= 60)) recommendations.push('A certificate expires within 60 days.');

  const ppm = s.ppm ?? null;
  let defects = q.neutral;
  if (ppm === null) missing.push('defects');
  else {
    defects = 100 * Math.max(0, 1 - ppm / q.ppmMax);
    if (ppm > 10_000) recommendations.push('Defect rate above 10,000 PPM.');
  }

  const otifPct = s.otifPct ?? null;
  let otif = q.neutral;
  if (otifPct === null) missing.push('otif');
  else {
    otif = 100 * clamp((otifPct - q.otifMinPct) / (100 - q.otifMinPct), 0, 1);
    if (otifPct < 95) recommendations.push('OTIF below 95 %.');
  }

  let audit = q.neutral;
  const a = s.audit;
  const cutoff = new Date(Date.parse(asOf));
  cutoff.setUTCMonth(cutoff.getUTCMonth() - q.auditMonths);
  if (!a || a.auditedOn > asOf || a.auditedOn < cutoff.toISOString().slice(0, 10)) {
    missing.push('audit');
    recommendations.push('No audit within 24 months.');
  } else {
    audit = (a.criticalFindings ?? 0) > 0 ? 0 : clamp(a.scorePct - q.auditOpenMajorPenalty * (a.openMajorFindings ?? 0), 0, 100);
    if ((a.openMajorFindings ?? 0) > 0) recommendations.push('Open major audit findings.');
  }

  const lt = s.leadTime ?? (s.leadTimesDays ? leadTimeStats(s.leadTimesDays, p.kpi.minDeliveries) : null);
  const cv = lt && lt.n >= p.kpi.minDeliveries && lt.meanDays > 0 ? lt.sdDays / lt.meanDays : null;
  let stability = q.neutral;
  if (cv === null) missing.push('leadTimeStability');
  else {
    stability = 100 * clamp(1 - cv / q.cvMax, 0, 1);
    if (cv > 0.25) recommendations.push('Lead-time coefficient of variation above 0.25.');
  }

  const score = weights.certification * cert.score + weights.defects * defects + weights.otif * otif
    + weights.audit * audit + weights.leadTimeStability * stability;
  return {
    id: s.id, score, band: bandOf(score, p),
    parts: {
      certification: { score: cert.score, basis: cert.basis },
      defects: { score: defects, ppm },
      otif: { score: otif, otifPct },
      audit: { score: audit, auditedOn: missing.includes('audit') ? null : a!.auditedOn },
      leadTimeStability: { score: stability, cv },
    },
    missing, recommendations,
  };
}
