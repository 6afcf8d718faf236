import type {
  FastifyBaseLogger, FastifyInstance, FastifyPluginAsync, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type pg from 'pg';
import type { Config, Role } from './config.js';
import type { Db } from './db/pool.js';
import type { TokenService } from './auth/tokens.js';
import type { SessionStatusCache } from './auth/sessions.js';
import type { MailSender } from './auth/mailer.js';
import type { Guard } from './auth/guards.js';
import type { SecretBox } from './auth/secret-box.js';
import type { PlatformEvents } from './events.js';
import type { ProfileCache } from './auth/profile-cache.js';
import type { RealtimeService, TopicDefinition } from './realtime/types.js';
import type { ClientFactory } from './clients/index.js';
import type { NotifyService } from './notify/types.js';
import type { JobDefinition, JobService } from './jobs/types.js';

/** The Fastify instance every route file receives: TypeBox types flow from schemas to handlers. */
export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface AuthUser {
  id: string;
  roles: Role[];
  sessionId: string;
  /** Epoch seconds of the TOTP challenge this session passed, if any (for step-up checks). */
  totpAt?: number;
}

export interface Platform {
  config: Config;
  db: Db;
  pool: pg.Pool;
  tokens: TokenService;
  sessions: SessionStatusCache;
  mailer: MailSender;
  totpBox: SecretBox;
  /** AES-256-GCM box keyed (HKDF) from the instance secret for one purpose, for secrets modules store at rest. */
  secretBox: (purpose: string) => SecretBox;
  events: PlatformEvents;
  profiles: ProfileCache;
  realtime: RealtimeService;
  jobs: JobService;
  /** Outbound HTTP: every call to a provider goes through a client made here. */
  clients: ClientFactory;
  notify: NotifyService;
  /** The app's Prometheus registry (served at /metrics): modules register their own metrics here. */
  metrics: import('prom-client').Registry;
}

/** What a module receives: the platform's services and the guards (see ARCHITECTURE.md, module contract). */
export interface ModuleContext extends Platform {
  log: FastifyBaseLogger;
  requireAuth: Guard;
  requireRole: (...roles: Role[]) => Guard;
  requireRelation: (check: Parameters<typeof import('./auth/guards.js').requireRelation>[0]) => Guard;
}

export interface AtriumModule {
  name: string;
  routes: FastifyPluginAsync<ModuleContext>;
  /** Routes at fixed paths outside /api/v1/<name>, for protocols that dictate their paths (e.g. Nightscout's /api/v1/entries). */
  rootRoutes?: FastifyPluginAsync<ModuleContext>;
  /** Queues, handlers and schedules; applied at start, idempotently (see docs/jobs.md). */
  jobs?: JobDefinition<any>[];
  /** WebSocket topics and who may subscribe (see docs/realtime.md). */
  topics?: TopicDefinition[];
  seed?: (ctx: ModuleContext) => Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    platform: Platform;
    requireAuth: Guard;
    requireRole: (...roles: Role[]) => Guard;
    requireRelation: ModuleContext['requireRelation'];
  }
  interface FastifyRequest {
    user?: AuthUser;
    authProblem?: 'invalid_token';
  }
  interface FastifyContextConfig {
    /** Callable without signing in. Every /api route must be public or carry a guard. */
    public?: boolean;
    /** Replays the first response for a repeated `Idempotency-Key` (see http/idempotency.ts). */
    idempotent?: boolean;
    /** Reachable by a user whose role requires two-factor before they have enrolled. */
    allowWithoutTotp?: boolean;
  }
}
