import 'dotenv/config';
import path from 'node:path';
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { NOTIFY_ENV, readNotifySettings, type ClientSettings, type NotifySettings } from './notify/settings.js';

export const ROLES = ['admin', 'patient', 'clinician', 'caregiver', 'buyer', 'staff', 'manager', 'supervisor', 'gaveur'] as const;
export type Role = (typeof ROLES)[number];

const Csv = Type.String({ pattern: '^[A-Za-z0-9_.:/,* -]*$' });

/** Every environment variable Atrium reads. docs/configuration.md mirrors this list. */
const EnvSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], { default: 'development' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DB_POOL_MAX: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
  ATRIUM_DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  ATRIUM_EMBEDDED_PG_PORT: Type.Integer({ minimum: 1024, maximum: 65535, default: 54329 }),
  ATRIUM_ADMIN_EMAIL: Type.String({ format: 'email', default: 'admin@atrium.local' }),
  ATRIUM_ADMIN_PASSWORD: Type.String({ minLength: 10, default: 'atrium-admin-demo' }),
  ATRIUM_JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  ATRIUM_ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: 86400, default: 900 }),
  ATRIUM_REFRESH_TOKEN_TTL_DAYS: Type.Integer({ minimum: 1, maximum: 365, default: 30 }),
  ATRIUM_TOTP_REQUIRED_ROLES: Type.String({ pattern: '^[a-z,]*$', default: '' }),
  ATRIUM_LOCKOUT_THRESHOLD: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
  ATRIUM_LOCKOUT_MINUTES: Type.Integer({ minimum: 1, maximum: 1440, default: 15 }),
  ATRIUM_SEED_DEMO: Type.Boolean({ default: true }),
  ENABLED_MODULES: Type.Optional(Csv),
  CORS_ORIGINS: Type.String({ default: '' }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, maximum: 100 * 1024 * 1024, default: 1024 * 1024 }),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 1200 }),
  RATE_LIMIT_AUTH_MAX: Type.Integer({ minimum: 1, default: 20 }),
  TRUST_PROXY: Type.Boolean({ default: false }),
  LOG_LEVEL: Type.Unsafe<string>({ type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' }),
  ...NOTIFY_ENV,
});
type Env = Static<typeof EnvSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  publicUrl: string;
  databaseUrl?: string;
  dbPoolMax: number;
  dataDir: string;
  embeddedPgPort: number;
  admin: { email: string; password: string; fromEnvironment: boolean };
  jwtSecret?: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  totpRequiredRoles: Role[];
  lockout: { threshold: number; minutes: number };
  seedDemo: boolean;
  enabledModules?: string[];
  corsOrigins: string[];
  bodyLimitBytes: number;
  rateLimit: { max: number; authMax: number };
  trustProxy: boolean;
  logLevel: string;
  /** Notification providers (SMTP, Twilio, FCM, Discord/webhooks); absent ones are "not configured". */
  notify: NotifySettings;
  /** Outbound HTTP defaults: timeout, retries, circuit breaker. */
  clients: ClientSettings;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const csv = (value: string | undefined): string[] =>
  (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

const SECRET_NAME = /SECRET|PASSWORD|PASS$|TOKEN|KEY|SERVICE_ACCOUNT_JSON/;

/** A value as a problem message may repeat it: secrets hidden, the password of a URL masked. */
const shownValue = (name: string, value: string | undefined): string => SECRET_NAME.test(name)
  ? `(hidden, ${(value ?? '').length} characters)`
  : JSON.stringify((value ?? '').replace(/(\/\/[^:/@\s]*:)[^@\s]*@/, '$1***@'));

/**
 * One problem per bad variable. Each is checked on its own: TypeBox stops collecting errors after a
 * few, so checking the whole object at once would leave later variables unreported. Values of secrets
 * are not repeated in the message (it goes to the console and logs).
 */
function variableProblems(raw: NodeJS.ProcessEnv, converted: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, schema] of Object.entries(EnvSchema.properties) as [string, TSchema & { anyOf?: { const?: unknown }[]; enum?: unknown[]; type?: string }][]) {
    const value = converted[name];
    if (value === undefined) continue;
    const errors = [...Value.Errors(schema, value)];
    if (errors.length === 0) continue;
    const allowed = schema.enum ?? (schema.anyOf?.every((b) => 'const' in b) ? schema.anyOf.map((b) => b.const) : undefined);
    const message = allowed ? `must be one of: ${allowed.join(', ')}`
      : schema.type === 'boolean' ? 'must be true or false'
      : [...new Set(errors.map((e) => e.message))].join('; ');
    problems.push(`${name}=${shownValue(name, raw[name])}: ${message}`);
  }
  return problems;
}

/** Reads and validates the environment; throws ConfigError naming each bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = source[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const converted = Value.Convert(EnvSchema, Value.Default(EnvSchema, raw));
  const problems = variableProblems(source, converted as Record<string, unknown>);
  const env = converted as Env;
  const totpRequiredRoles = csv(env.ATRIUM_TOTP_REQUIRED_ROLES);
  for (const role of totpRequiredRoles) {
    if (!ROLES.includes(role as Role)) problems.push(`ATRIUM_TOTP_REQUIRED_ROLES: unknown role "${role}" (roles: ${ROLES.join(', ')})`);
  }
  if (env.NODE_ENV === 'production' && !env.ATRIUM_JWT_SECRET) {
    problems.push('ATRIUM_JWT_SECRET: required in production (at least 32 characters, e.g. `openssl rand -base64 48`)');
  }
  const { notify, clients } = readNotifySettings(converted, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    publicUrl: env.PUBLIC_URL ?? `http://localhost:${env.PORT}`,
    databaseUrl: env.DATABASE_URL,
    dbPoolMax: env.DB_POOL_MAX,
    dataDir: path.resolve(env.ATRIUM_DATA_DIR),
    embeddedPgPort: env.ATRIUM_EMBEDDED_PG_PORT,
    admin: {
      email: env.ATRIUM_ADMIN_EMAIL.toLowerCase(),
      password: env.ATRIUM_ADMIN_PASSWORD,
      fromEnvironment: Boolean(source.ATRIUM_ADMIN_EMAIL || source.ATRIUM_ADMIN_PASSWORD),
    },
    jwtSecret: env.ATRIUM_JWT_SECRET,
    accessTokenTtlSeconds: env.ATRIUM_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: env.ATRIUM_REFRESH_TOKEN_TTL_DAYS,
    totpRequiredRoles: totpRequiredRoles as Role[],
    lockout: { threshold: env.ATRIUM_LOCKOUT_THRESHOLD, minutes: env.ATRIUM_LOCKOUT_MINUTES },
    seedDemo: env.ATRIUM_SEED_DEMO,
    enabledModules: env.ENABLED_MODULES === undefined ? undefined : csv(env.ENABLED_MODULES),
    corsOrigins: csv(env.CORS_ORIGINS),
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    rateLimit: { max: env.RATE_LIMIT_MAX, authMax: env.RATE_LIMIT_AUTH_MAX },
    trustProxy: env.TRUST_PROXY,
    logLevel: env.LOG_LEVEL,
    notify,
    clients,
  };
}

/** The names of every variable loadConfig reads (docs/configuration.md must list each). */
export const ENV_VARIABLES: readonly string[] = Object.keys(EnvSchema.properties);
