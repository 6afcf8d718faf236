import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/pool.js';
import type { PlatformEvents } from '../events.js';
import type { App } from '../types.js';
import { PlatformJobs, TEST_TIMING, type JobTiming, type ProcessRole } from './service.js';
import { JOB_SCHEMAS } from './routes/schemas.js';
import { announce } from './routes/dto.js';
import queueRoutes from './routes/queues.js';
import deadLetterRoutes from './routes/dead-letter.js';
import scheduleRoutes from './routes/schedules.js';
import './tables.js';

export function createJobService(options: {
  config: Config; database: DatabaseHandle; events: PlatformEvents; log: FastifyBaseLogger; metrics: Registry; role: ProcessRole; timing?: Partial<JobTiming>;
}): PlatformJobs {
  return new PlatformJobs({
    db: options.database.db,
    url: options.database.url,
    events: options.events,
    log: options.log,
    role: options.role,
    metrics: options.metrics,
    timing: { ...(options.config.env === 'test' ? TEST_TIMING : {}), ...options.timing },
  });
}

/**
 * The monitor API under /api/v1/jobs, and the service's lifecycle: it starts when the app is ready
 * (every module has declared its jobs by then) and stops when the app closes.
 * `foreignModules`: modules this deployment has but this process does not run (ENABLED_MODULES).
 */
export async function registerJobs(app: App, jobs: PlatformJobs, foreignModules: string[] = []): Promise<void> {
  jobs.setForeignModules(foreignModules);
  for (const schema of JOB_SCHEMAS) app.addSchema(schema);
  await app.register(async (scope) => {
    await scope.register(queueRoutes, { jobs });
    await scope.register(deadLetterRoutes, { jobs });
    await scope.register(scheduleRoutes, { jobs });
  }, { prefix: '/api/v1/jobs' });
  app.platform.events.on('job.failed', (e) => announce(app, 'job.dead_lettered', e));
  app.platform.events.on('schedule.missed', (e) => announce(app, 'schedule.missed', e));
  app.addHook('onReady', async () => { await jobs.start(); });
  app.addHook('onClose', async () => { await jobs.stop(); });
}
