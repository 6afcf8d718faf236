import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { conflict } from '../../../platform/http/errors.js';
import type { ApiRow } from '../http/resource.js';
import { pairMetrics, paretoFront, rankOffers, sensitivity, subScores, type RankingMethod, type SubKey, type WeightSet } from '../scoring/combine.js';

interface ItemRow {
  offer_id: string; supplier_id: string; supplier_name: string; site_name: string | null; included: boolean; exclusion_reason: string | null; inputs: any;
  economic: any; quality: any; environmental: any; economic_score: string | null; quality_score: string | null; environmental_score: string | null;
  weighted_score: string | null; closeness: string | null; rank: number | null; warnings: string[]; completeness_pct: string | null;
}

const n = (v: string | null) => (v === null ? null : Number(v));

async function rows(db: DbOrTx, id: string, all: boolean) {
  const { rows } = await sql<ItemRow>`
    select i.*, s.name as supplier_name, si.name as site_name from sourcing.assessment_items i
      join sourcing.suppliers s on s.id = i.supplier_id join sourcing.offers o on o.id = i.offer_id join sourcing.supplier_sites si on si.id = o.site_id
     where i.assessment_id = ${id} ${all ? sql`` : sql`and i.included`}
     order by i.rank nulls last, i.weighted_score desc nulls last, s.name`.execute(db);
  return rows;
}

const subs = (r: ItemRow) => subScores({ id: r.offer_id, economic: r.economic, quality: r.quality, environmental: r.environmental });

/** Results in API form (spec §4.8 GET results). */
export async function loadItems(db: DbOrTx, id: string, includeExcluded: boolean) {
  return (await rows(db, id, includeExcluded)).map((r) => {
    const Q = r.inputs.annualQuantity as number;
    return {
      offerId: r.offer_id, supplierId: r.supplier_id, supplierName: r.supplier_name, siteName: r.site_name, included: r.included, exclusionReason: r.exclusion_reason,
      rank: r.rank, closeness: n(r.closeness), weightedScore: n(r.weighted_score),
      pillars: { economic: n(r.economic_score), quality: n(r.quality_score), environmental: n(r.environmental_score) },
      subScores: r.included ? subs(r) : null,
      economic: r.economic ? { tcoPerUnit: r.economic.tcoPerUnit, annualTco: r.economic.annualTco, breakdown: r.economic.breakdown } : null,
      environmental: r.environmental ? {
        kgCo2ePerUnit: r.environmental.transport.kgCo2ePerUnit, annualKgCo2e: Math.round(r.environmental.transport.kgCo2ePerUnit * Q * 1e6) / 1e6,
        legs: r.environmental.transport.legs,
      } : null,
      quality: r.quality ? { parts: r.quality.parts, recommendations: r.quality.recommendations } : null,
      capacityCoveragePct: Math.min(100, Math.round((100 * r.inputs.offer.capacityPerYear / Q) * 100) / 100),
      warnings: r.warnings, completenessPct: n(r.completeness_pct),
      missing: r.included ? [...(r.quality?.missing ?? []), ...(r.environmental?.missing ?? [])] : [],
    };
  });
}

const AXES: { key: string; label: string; unit: string; sub?: SubKey }[] = [
  { key: 'tco', label: 'TCO score', unit: 'EUR/unit', sub: 'tco' },
  { key: 'foodSafety', label: 'Food-safety certification', unit: 'points', sub: 'certification' },
  { key: 'defects', label: 'Defects', unit: 'PPM', sub: 'defects' },
  { key: 'otif', label: 'OTIF', unit: '%', sub: 'otif' },
  { key: 'audit', label: 'Audit', unit: '%', sub: 'audit' },
  { key: 'leadTimeStability', label: 'Lead-time stability', unit: 'CV', sub: 'leadTimeStability' },
  { key: 'transport', label: 'Transport emissions', unit: 'kg CO2e/unit', sub: 'transport' },
  { key: 'envCertification', label: 'Environmental certification', unit: 'points', sub: 'envCertifications' },
  { key: 'packaging', label: 'Packaging', unit: '% recyclable', sub: 'packaging' },
  { key: 'origin', label: 'Origin', unit: 'risk level', sub: 'origin' },
  { key: 'renewable', label: 'Renewable energy', unit: '%', sub: 'renewable' },
  { key: 'capacityCoverage', label: 'Capacity coverage', unit: '% of need' },
];

/** The twelve axes of spec §5.6.4 from the stored items: missing inputs are null, never invented. */
export async function comparison(db: DbOrTx, a: ApiRow, offerIds: string[]) {
  const all = await rows(db, a.id, false);
  return axesOf(all.filter((r) => offerIds.includes(r.offer_id)));
}

/** Spec §4.2 GET /suppliers/compare: each supplier's latest approved item for the material, on the same axes. */
export async function compareSuppliers(db: DbOrTx, supplierIds: string[], materialId: string) {
  const { rows: found } = await sql<ItemRow>`
    select distinct on (i.supplier_id) i.*, s.name as supplier_name, si.name as site_name
      from sourcing.assessment_items i join sourcing.assessments a on a.id = i.assessment_id
      join sourcing.suppliers s on s.id = i.supplier_id join sourcing.offers o on o.id = i.offer_id join sourcing.supplier_sites si on si.id = o.site_id
     where i.supplier_id = any(${supplierIds}::uuid[]) and a.material_id = ${materialId} and a.status = 'approved' and i.included
     order by i.supplier_id, a.approved_at desc, i.rank`.execute(db);
  const have = new Set(found.map((r) => r.supplier_id));
  return { ...axesOf(found), withoutResult: supplierIds.filter((id) => !have.has(id)) };
}

function axesOf(chosen: ItemRow[]) {
  return {
    axes: AXES.map(({ key, label, unit }) => ({ key, label, unit })),
    offers: chosen.map((r) => {
      const s = subs(r);
      const q = r.quality;
      const e = r.environmental;
      const miss = new Set([...q.missing, ...e.missing]);
      const cov = Math.min(100, (100 * r.inputs.offer.capacityPerYear) / r.inputs.annualQuantity);
      const values: Record<string, number | null> = {};
      for (const ax of AXES) {
        if (!ax.sub) { values[ax.key] = Math.round(cov * 100) / 100; continue; }
        const missingKey = { envCertifications: 'certifications' }[ax.sub as string] ?? ax.sub;
        values[ax.key] = miss.has(missingKey) ? null : s[ax.sub];
      }
      return {
        offerId: r.offer_id, name: `${r.supplier_name}${r.site_name ? ` — ${r.site_name}` : ''}`, values,
        raw: {
          tco: r.economic.tcoPerUnit, foodSafety: q.parts.certification.score, defects: q.parts.defects.ppm, otif: q.parts.otif.otifPct,
          audit: q.parts.audit.auditedOn ? q.parts.audit.score : null, leadTimeStability: q.parts.leadTimeStability.cv, transport: e.transport.kgCo2ePerUnit,
          envCertification: e.certifications.codes, packaging: miss.has('packaging') ? null : e.packaging.score, origin: e.origin.level,
          renewable: e.renewable.pct, capacityCoverage: Math.round(cov * 100) / 100,
        },
      };
    }),
  };
}

/** Spec §5.6.3 on the stored sub-scores: what-if ranking, sensitivity per pillar, Pareto front, pair metrics for the top five. */
export async function tradeoff(db: DbOrTx, a: ApiRow, weights: WeightSet, method: RankingMethod) {
  const all = await rows(db, a.id, false);
  if (!all.length) throw conflict('invalid_transition', 'Score the assessment before analysing trade-offs.');
  const offers = all.map((r) => ({ id: r.offer_id, subScores: subs(r) }));
  const ranked = rankOffers(offers, weights, method).sort((x, y) => x.rank - y.rank || y.weightedScore - x.weightedScore);
  const byId = new Map(all.map((r) => [r.offer_id, r]));
  const top = ranked.slice(0, 5).map((r) => byId.get(r.id)!);
  const pairs = [];
  for (let i = 0; i < top.length; i++) for (let j = i + 1; j < top.length; j++) {
    const m = (r: ItemRow) => ({ id: r.offer_id, tcoPerUnit: r.economic.tcoPerUnit, kgCo2ePerUnit: r.environmental.transport.kgCo2ePerUnit, quality: r.quality.score });
    // The pair is read as "choosing a over b": a is the costlier, lower-emission side when there is such a trade-off.
    const [x, y] = [m(top[i]!), m(top[j]!)];
    const p = x.tcoPerUnit < y.tcoPerUnit && x.kgCo2ePerUnit > y.kgCo2ePerUnit ? pairMetrics(y, x) : pairMetrics(x, y);
    pairs.push({ ...p, deltaTcoPerUnit: Math.round(p.deltaTcoPerUnit * 1e6) / 1e6, deltaKgCo2ePerUnit: Math.round(p.deltaKgCo2ePerUnit * 1e6) / 1e6,
      deltaQuality: Math.round(p.deltaQuality * 100) / 100, abatementCostPerTonneCo2e: p.abatementCostPerTonneCo2e === null ? null : Math.round(p.abatementCostPerTonneCo2e * 100) / 100 });
  }
  return {
    weights: { pillars: weights.pillars, quality: weights.quality, environmental: weights.environmental }, rankingMethod: method,
    ranking: ranked.map((r) => ({ offerId: r.id, rank: r.rank, weightedScore: Math.round(r.weightedScore * 100) / 100, closeness: r.closeness === null ? null : Math.round(r.closeness * 1e6) / 1e6 })),
    sensitivity: sensitivity(offers, weights, method).pillars,
    paretoFront: paretoFront(all.map((r) => ({ id: r.offer_id, pillars: [Number(r.economic_score), Number(r.quality_score), Number(r.environmental_score)] as [number, number, number] }))),
    pairs,
  };
}
