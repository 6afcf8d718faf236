import type { FastifyBaseLogger } from 'fastify';
import type { App } from '../platform/types.js';
import type { Config } from '../platform/config.js';
import { requireAuth, requireRelation, requireRole } from '../platform/auth/guards.js';
import { allModules } from './index.js';

/**
 * Demo data of each enabled module, so the pages have something to show on first start (ATRIUM_SEED_DEMO,
 * on by default) or on `npm run seed`. Seeds do nothing when their data exists; a failed seed is reported
 * and the others still run.
 */
export async function seedModules(app: App, config: Config, log: FastifyBaseLogger): Promise<{ failed: string[] }> {
  const failed: string[] = [];
  for (const module of allModules.filter((m) => m.seed && (!config.enabledModules || config.enabledModules.includes(m.name)))) {
    try {
      await module.seed!({ ...app.platform, log: log.child({ module: module.name }), requireAuth, requireRole, requireRelation });
    } catch (err) {
      failed.push(module.name);
      log.warn({ err, module: module.name }, 'demo data could not be seeded');
    }
  }
  return { failed };
}
