import type { FastifyRequest } from 'fastify';
import type { Guard } from '../../../platform/auth/guards.js';
import { tooManyRequests, unauthorized } from '../../../platform/http/errors.js';
import type { AuditActor } from '../../../platform/audit/writer.js';
import type { GlucoseServices } from '../services.js';
import { ACCESS_TOKEN } from './keys.js';

export interface Uploader {
  patientId: string;
  /** The uploading app as it names itself (User-Agent), for the audit trail and the devices page. */
  app: string | null;
  via: 'api-secret' | 'access-token' | 'jwt';
}

const uploaders = new WeakMap<FastifyRequest, Uploader>();

/** The patient an uploader request acts for (set by the Nightscout guard). */
export function uploaderOf(req: FastifyRequest): Uploader {
  const u = uploaders.get(req);
  if (!u) throw unauthorized('invalid_api_secret', 'Send the api-secret header (SHA-1 of your upload secret) or an access token.');
  return u;
}

export const optionalUploaderOf = (req: FastifyRequest): Uploader | undefined => uploaders.get(req);

/** Audit actor of an uploader request: no platform user, labelled `uploader:<patientId>` with the app. */
export const uploaderActor = (req: FastifyRequest, u: Uploader): AuditActor => ({
  actorId: null, actorEmail: `uploader:${u.patientId}${u.app ? ` (${u.app})` : ''}`, ip: req.ip ?? null, requestId: String(req.id),
});

const SHA1 = /^[0-9a-fA-F]{40}$/;

/**
 * The guard of the Nightscout-compatible routes: they authenticate with the patient's upload credential instead
 * of a platform JWT (header `api-secret` = SHA-1 hex of the secret; `?token=` or `Authorization: Bearer` with the
 * v3 access token or the JWT it is exchanged for). Wrong credentials: 401 `invalid_api_secret`; ten failures a
 * minute from one address: 429; more than 120 requests a minute for one patient: 429.
 * `optional` lets a request through without credentials; `tolerateInvalid` also with wrong ones (status pages that
 * answer `authorized: false`), which still count as failed attempts.
 */
export function uploaderGuard(svc: GlucoseServices, options: { optional?: boolean; tolerateInvalid?: boolean; tokenParam?: string } = {}): Guard {
  const keys = svc.uploaderKeys;
  const check = async (req: FastifyRequest) => {
    const ip = req.ip ?? 'unknown';
    const blocked = keys.blockedFor(ip);
    if (blocked) throw tooManyRequests('too_many_failed_attempts', `Too many wrong secrets from this address; retry in ${blocked} s.`, blocked);
    const header = req.headers['api-secret'];
    const query = req.query as Record<string, unknown> | undefined;
    const fromPath = options.tokenParam ? (req.params as Record<string, unknown>)[options.tokenParam] : undefined;
    const token = typeof fromPath === 'string' ? fromPath : typeof query?.token === 'string' ? query.token : undefined;
    const authorization = req.headers.authorization;
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
    const app = req.headers['user-agent']?.slice(0, 200) ?? null;

    let patientId: string | undefined;
    let via: Uploader['via'] = 'api-secret';
    if (options.tokenParam) {
      via = 'access-token';
      patientId = token && ACCESS_TOKEN.test(token) ? await keys.identifyAccessToken(token) : undefined;
    } else if (typeof header === 'string' && header !== '') {
      patientId = SHA1.test(header) ? await keys.identifySecret(header) : undefined;
    } else if (token) {
      via = 'access-token';
      patientId = ACCESS_TOKEN.test(token) ? await keys.identifyAccessToken(token) : await keys.verifyV3(token);
    } else if (bearer) {
      via = ACCESS_TOKEN.test(bearer) ? 'access-token' : 'jwt';
      patientId = via === 'access-token' ? await keys.identifyAccessToken(bearer) : await keys.verifyV3(bearer);
    } else if (options.optional) {
      return;
    } else {
      throw unauthorized('invalid_api_secret', 'Send the api-secret header (SHA-1 of your upload secret) or an access token.');
    }
    if (!patientId) {
      keys.noteFailure(ip);
      if (options.tolerateInvalid) return;
      throw unauthorized('invalid_api_secret', 'The api-secret or token is not valid for any patient.');
    }
    const wait = keys.overBudget(patientId);
    if (wait) throw tooManyRequests('rate_limited', `More than 120 uploader requests a minute for this patient; retry in ${wait} s.`, wait);
    uploaders.set(req, { patientId, app, via });
    void keys.noteUse(patientId, app ?? undefined).catch((err) => svc.ctx.log.warn({ err }, 'glucose: could not record uploader use'));
  };
  // Tagged like the platform's guards, so the start-time check sees these routes as guarded.
  return Object.assign(async function uploaderGuardHook(req: FastifyRequest) { await check(req); }, { [Symbol.for('atrium.guard')]: true as const }) as unknown as Guard;
}
