import { HttpError, unprocessable } from '../../../platform/http/errors.js';
import { DEFAULT_PARAMS, ENGINE_VERSION, mergeParams, round, type ScoringParams } from './params.js';
import { scoreEconomic } from './economic.js';
import { scoreQuality } from './quality.js';
import { DESNZ_2025, scoreEnvironmental, transportEmissions, type FactorSet } from './environmental.js';
import { ahp, matrixFromComparisons, normaliseWeights } from './ahp.js';
import { topsis, weightedSum } from './topsis.js';
import type { ServicePath } from './contract.js';

/** Rounds money to 6 decimals and scores to 2 for responses (spec §4.1); computation never rounds. */
const r6 = (x: number) => round(x, 6);
const r2 = (x: number) => round(x, 2);

export interface ServiceContext { params?: ScoringParams; parametersVersion?: number; factorSet?: FactorSet }

/**
 * The stateless scoring paths of spec §4.7 as one pure dispatcher: the module calls it in process, the scoring
 * service exposes it over HTTP. Every input travels in the body; `ctx` gives the defaults when the body omits them.
 */
export function handleScoring(path: ServicePath, body: any, ctx: ServiceContext = {}): Record<string, unknown> {
  const base = ctx.params ?? DEFAULT_PARAMS;
  const p = mergeParams(base, body.parameters);
  const head = { engineVersion: ENGINE_VERSION, parametersVersion: body.parameters ? null : (ctx.parametersVersion ?? 1) };
  switch (path) {
    case '/economic/calculate': {
      const { results, minTcoPerUnit } = scoreEconomic(body.offers, body.annualQuantity, p);
      return {
        ...head, minTcoPerUnit: r6(minTcoPerUnit),
        results: results.map((x) => ({
          id: x.id, tcoPerUnit: r6(x.tcoPerUnit), annualTco: round(x.annualTco, 2), landedCostPerUnit: r6(x.landedCostPerUnit),
          orderQuantity: round(x.orderQuantity, 3), ordersPerYear: round(x.ordersPerYear, 6), safetyStock: round(x.safetyStock, 3), averageInventory: round(x.averageInventory, 3),
          breakdown: Object.fromEntries(Object.entries(x.breakdown).map(([k, v]) => [k, r6(v)])), score: r2(x.score), band: x.band, warnings: x.warnings,
        })),
      };
    }
    case '/quality/assess': {
      const weights = body.weights ? normaliseWeights(body.weights, 'weights') as any : undefined;
      return {
        ...head,
        results: body.suppliers.map((s: any) => {
          const q = scoreQuality(s, body.asOf, p, weights);
          return {
            ...q, score: r2(q.score),
            parts: {
              certification: { ...q.parts.certification, score: r2(q.parts.certification.score) },
              defects: { ...q.parts.defects, score: r2(q.parts.defects.score) },
              otif: { ...q.parts.otif, score: r2(q.parts.otif.score) },
              audit: { ...q.parts.audit, score: r2(q.parts.audit.score) },
              leadTimeStability: { score: r2(q.parts.leadTimeStability.score), cv: q.parts.leadTimeStability.cv === null ? null : round(q.parts.leadTimeStability.cv, 4) },
            },
          };
        }),
      };
    }
    case '/environmental/calculate': {
      const set: FactorSet = body.factorSet ?? ctx.factorSet ?? DESNZ_2025;
      const weights = body.weights ? normaliseWeights(body.weights, 'weights') as any : undefined;
      const asOf = body.asOf ?? new Date().toISOString().slice(0, 10);
      return {
        ...head, factorSet: { id: set.id ?? null, source: set.source, year: set.year, version: set.version },
        results: body.offers.map((o: any) => {
          const e = scoreEnvironmental(o, set, asOf, p, weights);
          return {
            ...e, score: r2(e.score),
            transport: { ...e.transport, kgCo2ePerTonne: r6(e.transport.kgCo2ePerTonne), kgCo2ePerUnit: r6(e.transport.kgCo2ePerUnit), score: r2(e.transport.score),
              legs: e.transport.legs.map((l) => ({ ...l, kgCo2ePerTonne: r6(l.kgCo2ePerTonne) })) },
          };
        }),
      };
    }
    case '/transport/emissions': {
      const set: FactorSet = body.factorSet ?? ctx.factorSet ?? DESNZ_2025;
      const t = transportEmissions(body.legs, set, p, body.requiresColdChain ?? false);
      return {
        ...head, factorSet: { id: set.id ?? null, source: set.source, year: set.year, version: set.version },
        tonneKm: r6(body.massTonnes * body.legs.reduce((s: number, l: { distanceKm: number }) => s + l.distanceKm, 0)),
        kgCo2e: r6(body.massTonnes * t.kgCo2ePerTonne),
        legs: t.legs.map((l) => ({ ...l, tonneKm: r6(body.massTonnes * l.distanceKm), kgCo2e: r6(body.massTonnes * l.kgCo2ePerTonne) })),
      };
    }
    case '/weights/ahp': {
      let matrix = body.matrix;
      if (!matrix && !body.comparisons) throw unprocessable('ahp_matrix_invalid', 'Give the matrix or the comparisons.', [{ path: 'body.matrix', message: 'is required' }]);
      if (!matrix) matrix = matrixFromComparisons(body.criteria, body.comparisons);
      const res = ahp(body.criteria, matrix);
      return {
        engineVersion: ENGINE_VERSION,
        weights: Object.fromEntries(Object.entries(res.weights).map(([k, v]) => [k, round(v, 4)])),
        lambdaMax: round(res.lambdaMax, 4), ci: round(res.ci, 4), ri: res.ri, cr: round(res.cr, 4), consistent: res.consistent,
        mostInconsistentPair: res.mostInconsistentPair && { ...res.mostInconsistentPair, given: round(res.mostInconsistentPair.given, 4), implied: round(res.mostInconsistentPair.implied, 2), suggested: round(res.mostInconsistentPair.suggested, 4) },
      };
    }
    case '/rank': {
      if (body.method === 'weighted_sum') {
        const total = body.criteria.reduce((s: number, c: { weight: number }) => s + c.weight, 0);
        if (total <= 0) throw new HttpError(422, 'weights_invalid', 'At least one weight must be above zero.');
        return { engineVersion: ENGINE_VERSION, weights: Object.fromEntries(body.criteria.map((c: any) => [c.key, c.weight / total])), results: weightedSum(body.criteria, body.alternatives) };
      }
      const t = topsis(body.criteria, body.alternatives);
      if (Object.values(t.weights).every((w) => w === 0)) throw new HttpError(422, 'weights_invalid', 'At least one weight must be above zero.');
      return { engineVersion: ENGINE_VERSION, ...t };
    }
  }
}
