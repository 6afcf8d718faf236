import type { FastifyRequest } from 'fastify';
import type { DbOrTx } from '../db/transaction.js';

export interface AuditActor {
  actorId: string | null;
  actorEmail?: string | null;
  ip: string | null;
  requestId: string | null;
}

export interface AuditEvent {
  /** Verb in the past tense or a read marker: `user.role_granted`, `glucose.reading.read`. */
  action: string;
  entity: string;
  entityId?: string | null;
  diff?: unknown;
}

const SECRET_WORDS = new Set([
  'password', 'passwords', 'passwd', 'passphrase', 'secret', 'secrets', 'token', 'tokens', 'hash', 'hashes',
  'otp', 'totp', 'otpauth', 'recovery', 'credential', 'credentials', 'authorization', 'cookie', 'cookies',
]);
const ONE_TIME_CODE = /^(?:(?:verification|auth|sms|mfa|reset|login)?code|.*(?:api|private|access|signing|encryption)key)$/;

/**
 * Whether a key names a credential. Keys are split into words (camelCase, snake_case) so that
 * `refreshToken`, `password_hash` or `totpSecret` are hidden while `countryCode`, `lotCode` or
 * `carbonFootprint` — ordinary data an audit trail must keep — are not.
 */
export function isSecretKey(key: string): boolean {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return words.some((w) => SECRET_WORDS.has(w)) || ONE_TIME_CODE.test(words.join(''));
}

/** Replaces the values of credential keys so an audit diff never stores one. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretKey(k) ? '***' : redact(v)]));
  }
  return value;
}

export const actorOf = (req: FastifyRequest): AuditActor => ({
  actorId: req.user?.id ?? null,
  ip: req.ip ?? null,
  requestId: String(req.id),
});

/** Writes one audit event; pass the transaction of the mutation so both commit or neither does. */
export async function recordAudit(db: DbOrTx, actor: AuditActor, event: AuditEvent): Promise<void> {
  await db.insertInto('platform.audit_events').values({
    actor_id: actor.actorId,
    actor_email: actor.actorEmail ?? null,
    action: event.action,
    entity: event.entity,
    entity_id: event.entityId ?? null,
    ip: actor.ip,
    request_id: actor.requestId,
    diff: event.diff === undefined ? null : JSON.stringify(redact(event.diff)),
  }).execute();
}

/** For reads of health data: who looked at which record. */
export const recordRead = (db: DbOrTx, req: FastifyRequest, entity: string, entityId: string) =>
  recordAudit(db, actorOf(req), { action: `${entity}.read`, entity, entityId });

/** The fields that changed between two snapshots, as `{field: [before, after]}`. */
export function changes(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = [before[key], after[key]];
  }
  return out;
}
