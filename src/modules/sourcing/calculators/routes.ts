import { Type } from 'typebox';
import type { App, ModuleContext } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { normaliseWeights } from '../scoring/ahp.js';
import { SERVICE_PATHS, type ServicePath } from '../scoring/contract.js';
import { ADMIN, READ } from '../http/roles.js';
import type { ScoringEngine } from '../engine/engine.js';
import { activeParams, loadFactorSet } from '../reference/store.js';

const tags = ['sourcing scoring'];
const Any = Type.Object({}, { additionalProperties: true });

const SUMMARIES: Record<ServicePath, string> = {
  '/economic/calculate': 'Total cost of ownership per unit and economic score of each offer (§5.2); relative to the offers sent',
  '/quality/assess': 'Quality score from certificates, PPM, OTIF, audit and lead-time stability (§5.3)',
  '/environmental/calculate': 'Environmental score: transport emissions with the factor set, certificates, packaging, origin, renewable energy (§5.4)',
  '/transport/emissions': 'Tonne-km and kg CO2e of a shipment, leg by leg (GHG Protocol Scope 3 cat. 4, distance-based)',
  '/weights/ahp': 'AHP weights, λmax, CI, CR and the most inconsistent pair (§5.5.2); 200 even when inconsistent',
  '/rank': 'TOPSIS or weighted-sum ranking of a raw decision matrix (§5.6.1)',
};

/** The stateless calculators of spec §4.7, in process or on the scoring service; the module fills in the active parameters and factor set. */
export default async function calculatorRoutes(app: App, ctx: ModuleContext, engine: ScoringEngine) {
  for (const path of Object.keys(SERVICE_PATHS) as ServicePath[]) {
    app.post(path, {
      schema: { tags, summary: SUMMARIES[path], body: SERVICE_PATHS[path], response: { 200: Any, ...problemResponses(400, 401, 403, 422, 502, 503) } },
      preHandler: app.requireRole(...READ),
    }, async (req) => {
      const body = { ...(req.body as Record<string, any>) };
      const { params, version } = await activeParams(ctx.db);
      if (body.parameters || path === '/economic/calculate' || path === '/quality/assess' || path === '/environmental/calculate' || path === '/transport/emissions') {
        // The service is stateless: the active parameters travel in the request, overlaid with the caller's what-if overrides.
        body.parameters = body.parameters ? { ...params, ...body.parameters } : params;
      }
      if ((path === '/environmental/calculate' || path === '/transport/emissions') && !body.factorSet) {
        const set = await loadFactorSet(ctx.db);
        body.factorSet = { id: set.id, source: set.source, year: set.year, version: set.version, factors: set.factors };
      }
      const result = await engine.call(path, body);
      return { ...result, parametersVersion: (req.body as any).parameters ? null : version };
    });
  }

  app.get('/scoring/status', {
    schema: {
      tags, summary: 'Where scoring runs, the circuit state of the remote service and its last health probe (admin)',
      response: { 200: Type.Object({ mode: Type.String(), circuit: Type.String(), lastProbe: Type.Union([Type.Null(), Type.Object({
        at: Type.String(), ok: Type.Boolean(), status: Type.Union([Type.Integer(), Type.Null()]), ms: Type.Number(), detail: Type.Union([Type.String(), Type.Null()]),
      })]) }), ...problemResponses(401, 403) },
    },
    preHandler: app.requireRole(...ADMIN),
  }, async () => ({ mode: engine.remote ? 'remote' : 'in_process', circuit: engine.circuitState, lastProbe: engine.lastProbe }));

  app.post('/weights/normalise', {
    schema: {
      tags, summary: 'Direct weights divided by their sum; all zero → 422 weights_invalid',
      body: Type.Object({ weights: Type.Record(Type.String({ maxLength: 60 }), Type.Number()) }, { additionalProperties: false }),
      response: { 200: Type.Object({ weights: Type.Record(Type.String(), Type.Number()) }), ...problemResponses(400, 401, 403, 422) },
    },
    preHandler: app.requireRole(...READ),
  }, async (req) => ({ weights: normaliseWeights(req.body.weights, 'body.weights') }));
}
