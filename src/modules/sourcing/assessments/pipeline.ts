import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { unprocessable } from '../../../platform/http/errors.js';
import { tonnesPerUnit } from '../catalog/model.js';
import { legsOf } from '../offers/legs.js';
import { supplierKpis } from '../quality/kpis.js';
import { activeParams, loadFactorSet } from '../reference/store.js';
import { subScores, rankOffers, type SubKey } from '../scoring/combine.js';
import type { ScoringEngine } from '../engine/engine.js';
import type { ScoringParams } from '../scoring/params.js';
import type { WeightSnapshot } from './weights.js';

export const BASE_CURRENCY = 'EUR';

export interface AssessmentRow {
  id: string; material_id: string; annual_quantity: string; assessment_date: string; fx_as_of: string; factor_set_id: string;
  parameters_version: number; ranking_method: 'topsis' | 'weighted_sum'; weights: WeightSnapshot;
}

export interface Item {
  offerId: string; supplierId: string; included: boolean; exclusionReason: string | null; inputs: Record<string, unknown>;
  economic: any; quality: any; environmental: any; economicScore: number | null; qualityScore: number | null; environmentalScore: number | null;
  weightedScore: number | null; closeness: number | null; rank: number | null; warnings: string[]; completenessPct: number | null; subScores?: Record<SubKey, number>;
}

/**
 * Spec §5.7 steps 1–4: reads every input as of the assessment date, applies exclusions, snapshots the inputs, scores the
 * three pillars through the engine (in process or remote) and ranks. Writes nothing.
 */
export async function scoreAssessment(db: DbOrTx, engine: ScoringEngine, a: AssessmentRow): Promise<{ items: Item[]; params: ScoringParams }> {
  const { params } = await activeParams(db, a.parameters_version);
  const set = await loadFactorSet(db, a.factor_set_id);
  const Q = Number(a.annual_quantity);
  const date = a.assessment_date;
  const { rows: offers } = await sql<any>`
    select o.id, o.supplier_id, o.site_id, o.currency, o.price::float8 as price, o.moq::float8 as moq, o.lead_time_days, o.capacity_per_year::float8 as capacity,
           o.freight_cost_per_unit::float8 as freight, o.duty_rate_pct::float8 as duty, o.volume_discounts, o.packaging, o.valid_from::text as valid_from,
           o.valid_until::text as valid_until, o.status as offer_status,
           s.name as supplier_name, s.status as supplier_status, s.risk_allowance_pct::float8 as risk, s.country as supplier_country,
           si.name as site_name, si.country as site_country, si.renewable_energy_pct::float8 as renewable, coalesce(si.origin_risk, r.level, 'medium') as origin_risk,
           m.unit, m.mass_kg_per_unit::float8 as mass, m.requires_cold_chain, m.defect_handling_cost_per_unit::float8 as defect_cost,
           (select rate_to_base::float8 from sourcing.fx_rates f where f.currency = o.currency and f.as_of <= ${a.fx_as_of} order by as_of desc limit 1) as fx
      from sourcing.assessment_offers ao join sourcing.offers o on o.id = ao.offer_id
      join sourcing.suppliers s on s.id = o.supplier_id join sourcing.supplier_sites si on si.id = o.site_id
      join sourcing.materials m on m.id = o.material_id left join sourcing.origin_risk_by_country r on r.country = si.country
     where ao.assessment_id = ${a.id} order by o.id`.execute(db);
  const legs = await legsOf(db, offers.map((o) => o.id));
  const supplierIds = [...new Set(offers.map((o) => o.supplier_id as string))];
  const { rows: certs } = await sql<any>`select supplier_id, site_id, code, valid_from::text as "validFrom", valid_until::text as "validUntil", grade
      from sourcing.supplier_certifications where supplier_id = any(${supplierIds}::uuid[]) and valid_from <= ${date} and valid_until >= ${date}`.execute(db);
  const { rows: audits } = await sql<any>`select distinct on (supplier_id) supplier_id, score_pct::float8 as "scorePct", audited_on::text as "auditedOn",
      critical_findings as "criticalFindings", open_major_findings as "openMajorFindings"
      from sourcing.audits where supplier_id = any(${supplierIds}::uuid[]) and audited_on <= ${date} order by supplier_id, audited_on desc`.execute(db);
  const auditBy = new Map(audits.map((x) => [x.supplier_id, x]));
  const kpiBy = new Map<string, any>();
  for (const sid of supplierIds) {
    const own = await supplierKpis(db, sid, a.material_id, date, params);
    kpiBy.set(sid, own.deliveriesCount >= params.kpi.minDeliveries ? { ...own, allMaterials: false } : { ...(await supplierKpis(db, sid, null, date, params)), allMaterials: true });
  }

  const items: Item[] = offers.map((o) => {
    const k = kpiBy.get(o.supplier_id);
    const fx = o.currency === BASE_CURRENCY ? 1 : o.fx;
    const offerCerts = certs.filter((c) => c.supplier_id === o.supplier_id && (c.site_id === null || c.site_id === o.site_id))
      .map((c) => ({ code: c.code, validFrom: c.validFrom, validUntil: c.validUntil, grade: c.grade }));
    const audit = auditBy.get(o.supplier_id);
    const inputs = {
      offer: { price: o.price, currency: o.currency, fxRateToBase: fx ?? null, moq: o.moq, leadTimeDays: o.lead_time_days, capacityPerYear: o.capacity,
        freightCostPerUnit: o.freight, dutyRatePct: o.duty, volumeDiscounts: o.volume_discounts, packaging: o.packaging, validFrom: o.valid_from, validUntil: o.valid_until, status: o.offer_status },
      supplier: { name: o.supplier_name, status: o.supplier_status, riskAllowancePct: o.risk, country: o.supplier_country },
      site: { name: o.site_name, country: o.site_country, renewableEnergyPct: o.renewable, originRisk: o.origin_risk },
      material: { unit: o.unit, massKgPerUnit: o.mass, requiresColdChain: o.requires_cold_chain, defectHandlingCostPerUnit: o.defect_cost },
      legs: legs.get(o.id) ?? [], certifications: offerCerts, audit: audit ? { scorePct: audit.scorePct, auditedOn: audit.auditedOn, criticalFindings: audit.criticalFindings, openMajorFindings: audit.openMajorFindings } : null,
      kpis: k ? { deliveriesCount: k.deliveriesCount, otifPct: k.otifPct, ppm: k.ppm, leadTime: k.leadTime, allMaterials: k.allMaterials } : null,
      factorSet: { id: set.id, source: set.source, year: set.year, version: set.version }, annualQuantity: Q, assessmentDate: date, fxAsOf: a.fx_as_of,
    };
    let reason: string | null = null;
    if (o.supplier_status === 'blocked' || o.supplier_status === 'archived') reason = `supplier_${o.supplier_status}`;
    else if (o.offer_status === 'withdrawn') reason = 'offer_withdrawn';
    else if (o.valid_from > date || (o.valid_until && o.valid_until < date) || o.offer_status === 'expired') reason = 'offer_expired';
    else if (fx === null || fx === undefined) reason = 'fx_rate_missing';
    else if (params.excludeInsufficientCapacity && o.capacity < Q) reason = 'insufficient_capacity';
    const warnings: string[] = [];
    if (k?.allMaterials) warnings.push('kpi_all_materials');
    if ((legs.get(o.id) ?? []).some((l) => l.distanceSource === 'estimated')) warnings.push('distance_estimated');
    return {
      offerId: o.id, supplierId: o.supplier_id, included: reason === null, exclusionReason: reason, inputs,
      economic: null, quality: null, environmental: null, economicScore: null, qualityScore: null, environmentalScore: null,
      weightedScore: null, closeness: null, rank: null, warnings, completenessPct: null,
    };
  });

  const included = items.filter((i) => i.included);
  if (!included.length) throw unprocessable('no_scorable_offers', 'No offer of this assessment can be scored; see the exclusion reasons.', items.map((i) => ({ path: `offers.${i.offerId}`, message: i.exclusionReason ?? 'excluded' })));
  const inp = (i: Item) => i.inputs as any;
  const tpu = (i: Item) => tonnesPerUnit(inp(i).material.unit, inp(i).material.massKgPerUnit) ?? 0;
  const factorSet = { id: set.id, source: set.source, year: set.year, version: set.version, factors: set.factors };
  const [eco, qual, env] = await Promise.all([
    engine.call('/economic/calculate', {
      baseCurrency: BASE_CURRENCY, annualQuantity: Q, parameters: params,
      offers: included.map((i) => {
        const x = inp(i);
        return {
          id: i.offerId, price: x.offer.price, fxRateToBase: x.offer.fxRateToBase, moq: x.offer.moq, leadTimeDays: x.offer.leadTimeDays,
          leadTimeSdDays: x.kpis?.leadTime?.sdDays ?? null, freightCostPerUnit: x.offer.freightCostPerUnit, dutyRatePct: x.offer.dutyRatePct,
          otifPct: x.kpis?.otifPct ?? null, ppm: x.kpis?.ppm ?? null, riskAllowancePct: x.supplier.riskAllowancePct,
          defectHandlingCostPerUnit: x.material.defectHandlingCostPerUnit, capacityPerYear: x.offer.capacityPerYear, volumeDiscounts: x.offer.volumeDiscounts,
          massTonnesPerUnit: tpu(i), legs: x.legs.map((l: any) => ({ mode: l.mode, distanceKm: l.distanceKm })),
        };
      }),
    }),
    engine.call('/quality/assess', {
      asOf: date, parameters: params,
      suppliers: included.map((i) => {
        const x = inp(i);
        const lt = x.kpis?.leadTime;
        return {
          id: i.offerId, certifications: x.certifications, otifPct: x.kpis?.otifPct ?? null, ppm: x.kpis?.ppm ?? null, deliveriesCount: x.kpis?.deliveriesCount ?? null,
          leadTime: lt && lt.meanDays !== null && lt.sdDays !== null ? { meanDays: lt.meanDays, sdDays: lt.sdDays, n: lt.n } : null, audit: x.audit,
        };
      }),
    }),
    engine.call('/environmental/calculate', {
      asOf: date, parameters: params, factorSet,
      offers: included.map((i) => {
        const x = inp(i);
        return {
          id: i.offerId, massTonnesPerUnit: tpu(i), legs: x.legs.map((l: any) => ({ mode: l.mode, distanceKm: l.distanceKm, estimated: l.distanceSource === 'estimated' })),
          requiresColdChain: x.material.requiresColdChain, certifications: x.certifications, packaging: x.offer.packaging ?? null,
          originRisk: x.site.originRisk, renewableEnergyPct: x.site.renewableEnergyPct,
        };
      }),
    }),
  ]);
  const byId = (list: any[]) => new Map(list.map((r: any) => [r.id, r]));
  const ecoBy = byId(eco.results);
  const qualBy = byId(qual.results);
  const envBy = byId(env.results);
  // Scores for ranking are recomputed from the unrounded pillars only in process; the service's 2-decimal scores are the contract.
  for (const i of included) {
    i.economic = ecoBy.get(i.offerId); i.quality = qualBy.get(i.offerId); i.environmental = envBy.get(i.offerId);
    if (!i.economic || !i.quality || !i.environmental) throw unprocessable('scoring_contract_error', 'The scoring answer lacks an offer.');
    i.economicScore = i.economic.score; i.qualityScore = i.quality.score; i.environmentalScore = i.environmental.score;
    i.warnings.push(...i.economic.warnings);
    const missing = [...i.quality.missing, ...i.environmental.missing].length;
    i.completenessPct = Math.round(((10 - missing) / 10) * 10_000) / 100;
    i.subScores = subScores({ id: i.offerId, economic: i.economic, quality: i.quality, environmental: i.environmental });
  }
  const ranked = rankOffers(included.map((i) => ({ id: i.offerId, subScores: i.subScores! })), a.weights, a.ranking_method);
  ranked.forEach((r, k) => {
    const i = included[k]!;
    i.weightedScore = Math.round(r.weightedScore * 100) / 100; i.closeness = r.closeness === null ? null : Math.round(r.closeness * 1e6) / 1e6; i.rank = r.rank;
  });
  return { items, params };
}
