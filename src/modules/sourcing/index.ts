import { randomBytes } from 'node:crypto';
import type { AtriumModule, App, ModuleContext } from '../../platform/types.js';
import { ScoringEngine, type EngineOptions } from './engine/engine.js';
import supplierRoutes from './suppliers/routes.js';
import qualityRoutes from './quality/routes.js';
import catalogRoutes from './catalog/routes.js';
import offerRoutes from './offers/routes.js';
import calculatorRoutes from './calculators/routes.js';
import assessmentRoutes from './assessments/routes.js';
import referenceRoutes from './reference/routes.js';
import insightRoutes from './insights/routes.js';
import { seedSourcing } from './seed/demo.js';
import { defineSourcingJobs } from './jobs/expiry.js';
import { defineCertificateJobs } from './jobs/certificates.js';
import importRoutes, { defineImportJobs } from './imports/routes.js';
import { defineKpiJobs } from './jobs/kpis.js';
import { defineRescoreJobs } from './jobs/rescore.js';
import { defineReviewJobs } from './jobs/reviews.js';
import { defineSourcingTopics, publish } from './events.js';

export interface SourcingOptions { scoringUrl?: string; scoringSecret?: string; scoringTimeoutMs?: number; fallbackInProcess?: boolean }

const engines = new WeakMap<object, ScoringEngine>();
/** The engine of an app instance (tests and benchmarks read its circuit state). */
export const engineOf = (ctx: Pick<ModuleContext, 'db'>) => engines.get(ctx.db);

/**
 * Supplier assessment (spec ../shared/specs/sourcing.md; docs/sourcing.md). Options default to the environment:
 * SOURCING_SCORING_URL (unset = in process), SOURCING_SCORING_SECRET (else ATRIUM_JWT_SECRET), SOURCING_SCORING_FALLBACK=true.
 */
export function createSourcingModule(options: SourcingOptions = {}): AtriumModule {
  return {
    name: 'sourcing',
    routes: (async (app: App, ctx: ModuleContext) => {
      const url = options.scoringUrl ?? (process.env.SOURCING_SCORING_URL || undefined);
      const secret = options.scoringSecret ?? process.env.SOURCING_SCORING_SECRET ?? ctx.config.jwtSecret;
      if (url && !secret) throw new Error('SOURCING_SCORING_URL is set: SOURCING_SCORING_SECRET (or ATRIUM_JWT_SECRET) must be set too, the same value the scoring service uses.');
      const engineOptions: EngineOptions = {
        url, secret: secret ?? randomBytes(32).toString('hex'), timeoutMs: options.scoringTimeoutMs,
        fallbackInProcess: options.fallbackInProcess ?? process.env.SOURCING_SCORING_FALLBACK === 'true',
        onCircuitChange: (state) => {
          ctx.log.warn({ state }, 'sourcing scoring circuit changed');
          void publish(ctx, 'sourcing.ops', 'scoring.circuit_changed', { state });
        },
      };
      const engine = new ScoringEngine(engineOptions, ctx.clients);
      engines.set(ctx.db, engine);
      defineSourcingTopics(ctx);
      defineSourcingJobs(ctx);
      defineCertificateJobs(ctx);
      defineImportJobs(ctx);
      defineKpiJobs(ctx);
      defineRescoreJobs(ctx, engine);
      defineReviewJobs(ctx, engine);
      // /suppliers/map before /suppliers/:id: static segments win in Fastify anyway, registered first for readability.
      await insightRoutes(app, ctx);
      await supplierRoutes(app, ctx);
      await qualityRoutes(app, ctx);
      await catalogRoutes(app, ctx);
      await offerRoutes(app, ctx);
      await referenceRoutes(app, ctx);
      await calculatorRoutes(app, ctx, engine);
      await assessmentRoutes(app, ctx, engine);
      await importRoutes(app, ctx);
    }) as AtriumModule['routes'],
    seed: seedSourcing,
  };
}

export const sourcing = createSourcingModule();
