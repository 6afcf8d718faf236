import { Type } from 'typebox';
import type { App } from '../types.js';
import { pendingMigrations } from '../db/migrate.js';
import { problem } from '../http/problem.js';

const Check = Type.Object({ name: Type.String(), ok: Type.Boolean(), detail: Type.Optional(Type.String()) });
const Ready = Type.Object({ status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]), checks: Type.Array(Check) });

type CheckResult = { name: string; ok: boolean; detail?: string };

/** Runs one readiness check; a check that hangs fails after `ms` instead of holding the probe. */
async function check(name: string, ms: number, run: () => Promise<string | undefined>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); });
  try {
    const problem = await Promise.race([run(), timeout]);
    return problem ? { name, ok: false, detail: problem } : { name, ok: true };
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export default async function healthRoutes(app: App) {
  app.get('/health/live', {
    schema: { tags: ['health'], summary: 'The process is up', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    config: { public: true, rateLimit: false },
    logLevel: 'warn',
  }, async () => ({ status: 'ok' as const }));

  app.get('/health/ready', {
    schema: {
      tags: ['health'], summary: 'Ready for traffic: database reachable and migrations current',
      response: { 200: Ready, 503: Type.Intersect([Type.Ref('Problem'), Type.Object({ checks: Type.Array(Check) })]) },
    },
    config: { public: true, rateLimit: false },
    logLevel: 'warn',
  }, async (req, reply) => {
    const { pool } = app.platform;
    const checks = [await check('database', 2000, async () => { await pool.query('select 1'); return undefined; })];
    if (checks[0].ok) {
      checks.push(await check('migrations', 2000, async () => {
        const pending = await pendingMigrations(pool);
        return pending.length ? `pending: ${pending.join(', ')}` : undefined;
      }));
    }
    const failing = checks.filter((c) => !c.ok);
    if (failing.length === 0) return { status: 'ready' as const, checks };
    const body = problem(503, 'not_ready', `Not ready: ${failing.map((c) => `${c.name} (${c.detail})`).join('; ')}`, String(req.id));
    return reply.code(503).type('application/problem+json').send({ ...body, checks });
  });
}
