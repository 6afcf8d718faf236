/** Helpers for the job tests (and other parts' tests that run jobs). */
import type { App, AtriumModule } from '../types.js';
import type { PlatformJobs, ProcessRole } from './service.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/pool.js';

export const jobsOf = (app: App) => app.platform.jobs as PlatformJobs;

/** Polls `check` until it answers something truthy; fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Another app process on an existing test database (tests of several processes sharing one database).
 * Closing it leaves the database alone.
 */
export async function startAppOn(url: string, options: { modules: AtriumModule[]; role?: ProcessRole; foreignModules?: string[] }): Promise<App> {
  const { buildApp } = await import('../../app.js');
  const database = openDatabase(url, { max: 5, applicationName: 'atrium-test' });
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' });
  const app = await buildApp({ config, database, logger: false, modules: options.modules, role: options.role ?? 'all' });
  app.addHook('onClose', async () => { await database.close(); });
  if (options.foreignModules) jobsOf(app).setForeignModules(options.foreignModules);
  await app.ready();
  return app;
}
