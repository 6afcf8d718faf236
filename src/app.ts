import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './platform/config.js';
import type { DatabaseHandle } from './platform/db/pool.js';
import './platform/db/tables.js';
import type { App, AtriumModule, ModuleContext, Platform } from './platform/types.js';
import { TokenService } from './platform/auth/tokens.js';
import { SessionStatusCache } from './platform/auth/sessions.js';
import { SecretBox } from './platform/auth/secret-box.js';
import type { MailSender } from './platform/auth/mailer.js';
import { resolveInstanceSecret } from './platform/auth/instance-secret.js';
import { isGuard, requireAuth, requireRelation, requireRole } from './platform/auth/guards.js';
import authRoutes from './platform/auth/routes/index.js';
import auditRoutes from './platform/audit/routes.js';
import healthRoutes from './platform/observability/health.js';
import { createMetrics, registerMetrics } from './platform/observability/metrics.js';
import { registerErrorHandler } from './platform/http/error-handler.js';
import { loggableUrl } from './platform/observability/log-url.js';
import { registerGracefulClose } from './platform/http/graceful-close.js';
import { housekeepingJob } from './platform/db/housekeeping.js';
import { registerIdempotency } from './platform/http/idempotency.js';
import { registerOpenApi } from './platform/http/openapi.js';
import { registerSecurity } from './platform/http/security.js';
import { registerWebApp } from './platform/http/web-app.js';
import { Problem } from './platform/http/problem.js';
import { SHARED_AUTH_SCHEMAS } from './platform/auth/schemas.js';
import { allModules } from './modules/index.js';
import { PlatformEvents } from './platform/events.js';
import { ProfileCache } from './platform/auth/profile-cache.js';
import { RealtimeHub } from './platform/realtime/hub.js';
import { registerRealtime } from './platform/realtime/routes.js';
import { ClientFactory } from './platform/clients/index.js';
import { Notifications } from './platform/notify/service.js';
import { OutboxMailSender } from './platform/notify/mail-sender.js';
import { routePlatformEvents } from './platform/notify/ops-alerts.js';
import notifyRoutes from './platform/notify/routes/index.js';
import { createJobService, registerJobs } from './platform/jobs/plugin.js';

export interface BuildOptions {
  config: Config;
  database: DatabaseHandle;
  /** Overrides the mail transport (tests capture messages; the notifications service plugs in SMTP). */
  mailer?: MailSender;
  modules?: AtriumModule[];
  /** `api` serves HTTP only, `worker` runs jobs only, `all` (default) does both in one process. */
  role?: 'all' | 'api' | 'worker';
  logger?: FastifyBaseLogger | boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(options: BuildOptions): Promise<App> {
  const { config, database } = options;
  const app = Fastify({
    loggerInstance: typeof options.logger === 'object' ? options.logger : undefined,
    logger: typeof options.logger === 'object' ? undefined : options.logger === false ? false : { level: config.logLevel },
    // One line per request from our onResponse hook instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', useDefaults: true, removeAdditional: false } },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  const secret = await resolveInstanceSecret(database.db, config.jwtSecret);
  const events = new PlatformEvents();
  const metrics = createMetrics(database.pool);
  const realtime = new RealtimeHub({
    pool: database.pool, databaseUrl: database.url, registry: metrics.registry, log: app.log.child({ part: 'realtime' }), listen: options.role !== 'worker',
  });
  const jobs = createJobService({ config, database, events, log: app.log.child({ part: 'jobs' }), metrics: metrics.registry, role: options.role ?? 'all' });
  const clients = new ClientFactory({
    registry: metrics.registry,
    defaults: { timeoutMs: config.clients.timeoutMs, retries: config.clients.retries },
    breaker: { failureThreshold: config.clients.breakerFailures, cooldownMs: config.clients.breakerCooldownMs },
  });
  const notify = new Notifications({
    db: database.db, config, clients, registry: metrics.registry, log: app.log.child({ part: 'notify' }), services: () => platform,
  });
  const platform: Platform = {
    config,
    db: database.db,
    pool: database.pool,
    tokens: new TokenService(secret, config.accessTokenTtlSeconds),
    sessions: new SessionStatusCache(database.db),
    mailer: options.mailer ?? new OutboxMailSender(notify),
    totpBox: new SecretBox(secret, 'totp-seed'),
    secretBox: (purpose) => new SecretBox(secret, purpose),
    metrics: metrics.registry,
    events,
    profiles: new ProfileCache(database.db, events),
    realtime,
    jobs,
    clients,
    notify,
  };
  app.decorate('platform', platform);
  app.decorate('requireAuth', requireAuth);
  app.decorate('requireRole', requireRole);
  app.decorate('requireRelation', requireRelation);

  // Every API route says who may call it: public, or guarded. A route that says neither fails at start.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.config?.public) return;
    const hooks = [route.onRequest, route.preHandler].flat().filter(Boolean);
    if (!hooks.some(isGuard)) throw new Error(`Route ${route.method} ${route.url} declares no guard: add preHandler app.requireAuth/requireRole/requireRelation or config.public.`);
  });

  app.addHook('onRequest', async (req: FastifyRequest, reply) => {
    reply.header('x-request-id', req.id);
    const header = req.headers.authorization;
    if (!header) return;
    const token = header.startsWith('Bearer ') ? header.slice(7) : undefined;
    const claims = token ? await platform.tokens.verifyAccess(token) : undefined;
    if (!claims || !(await platform.sessions.isLive(claims.sid))) {
      req.authProblem = 'invalid_token';
      return;
    }
    req.user = { id: claims.sub, roles: claims.roles, sessionId: claims.sid, totpAt: claims.totpAt };
  });

  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode >= 500) return; // logged with the error
    req.log.info({ method: req.method, url: loggableUrl(req.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, user: req.user?.id }, 'request');
  });

  app.addSchema(Problem);
  for (const schema of SHARED_AUTH_SCHEMAS) app.addSchema(schema);
  registerErrorHandler(app);
  registerGracefulClose(app);
  await registerSecurity(app, config);
  await registerOpenApi(app, config.publicUrl);
  registerIdempotency(app, database.db);
  registerMetrics(app, metrics);

  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(auditRoutes);
  await registerRealtime(app, realtime);
  notify.defineJobs(jobs);
  jobs.define(housekeepingJob(database.db, config.refreshTokenTtlDays));
  await app.register(notifyRoutes(notify));
  routePlatformEvents(events, notify, config.notify, app.log.child({ part: 'notify' }));
  app.addHook('onClose', async () => notify.close());

  const modules = (options.modules ?? allModules).filter((m) => !config.enabledModules || config.enabledModules.includes(m.name));
  for (const module of modules) {
    const context: ModuleContext = { ...platform, log: app.log.child({ module: module.name }), requireAuth, requireRole, requireRelation };
    for (const topic of module.topics ?? []) realtime.defineTopic(topic);
    for (const job of module.jobs ?? []) jobs.define(job);
    await app.register(module.routes, { ...context, prefix: `/api/v1/${module.name}` } as ModuleContext & { prefix: string });
    if (module.rootRoutes) await app.register(module.rootRoutes, context);
  }

  await registerJobs(app, jobs, allModules.map((m) => m.name).filter((name) => !modules.some((m) => m.name === name)));

  await registerWebApp(app);
  return app;
}
