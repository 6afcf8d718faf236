import { createHash, createHmac, hkdfSync, randomBytes, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { SignJWT, jwtVerify } from 'jose';
import type { ModuleContext } from '../../../platform/types.js';
import { resolveInstanceSecret } from '../../../platform/auth/instance-secret.js';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const CACHE_MS = 5_000;
const FAILURE_WINDOW_MS = 60_000;
export const MAX_FAILURES_PER_MINUTE = 10;
export const MAX_REQUESTS_PER_MINUTE = 120;
const LAST_USED_EVERY_MS = 60_000;
const V3_AUDIENCE = 'atrium:nightscout-v3';
export const V3_TOKEN_HOURS = 8;

export const sha1Hex = (value: string) => createHash('sha1').update(value).digest('hex');
export const newUploadSecret = () => Array.from({ length: 24 }, () => BASE62[randomInt(62)]).join('');
export const newAccessToken = () => `atrium-${randomBytes(8).toString('hex')}`;
export const ACCESS_TOKEN = /^atrium-[0-9a-f]{16}$/;

interface Counter { count: number; since: number }

function countIn(map: Map<string, Counter>, key: string, now: number, windowMs: number): Counter {
  let c = map.get(key);
  if (!c || now - c.since >= windowMs) { c = { count: 0, since: now }; map.set(key, c); }
  if (map.size > 50_000) for (const [k, v] of map) if (now - v.since >= windowMs) map.delete(k);
  return c;
}

/**
 * Uploader credentials of the Nightscout routes: keyed lookups (HMAC with a pepper derived from the instance
 * secret, so a copy of the database alone cannot test guesses), the v3 JWTs, and the per-process throttles
 * (failed attempts per address, requests per patient).
 */
export class UploaderKeys {
  private secret?: Promise<string>;
  private readonly resolved = new Map<string, { patientId: string | null; until: number }>();
  private readonly failures = new Map<string, Counter>();
  private readonly requests = new Map<string, Counter>();
  private readonly lastUse = new Map<string, number>();

  constructor(private readonly ctx: ModuleContext) {}

  private async derive(purpose: string): Promise<Buffer> {
    this.secret ??= resolveInstanceSecret(this.ctx.db, this.ctx.config.jwtSecret);
    return Buffer.from(hkdfSync('sha256', await this.secret, 'atrium', purpose, 32));
  }

  /** The stored lookup for an `api-secret` value (SHA-1 hex of the secret, any case). */
  async secretLookup(sha1: string): Promise<Buffer> {
    return createHmac('sha256', await this.derive('glucose-uploader-secret')).update(sha1.toLowerCase()).digest();
  }

  async tokenLookup(accessToken: string): Promise<Buffer> {
    return createHmac('sha256', await this.derive('glucose-uploader-token')).update(accessToken).digest();
  }

  /** The patient whose current (or still-valid previous) secret this is. */
  identifySecret(sha1: string): Promise<string | undefined> {
    return this.cached(`s:${sha1.toLowerCase()}`, async () => {
      const lookup = await this.secretLookup(sha1);
      const { rows } = await sql<{ patient_id: string }>`
        select c.patient_id from glucose.upload_credentials c join platform.users u on u.id = c.patient_id and u.status = 'active'
        where c.secret_lookup = ${lookup} or (c.previous_lookup = ${lookup} and c.previous_valid_until > now())`.execute(this.ctx.db);
      return rows[0]?.patient_id;
    });
  }

  identifyAccessToken(token: string): Promise<string | undefined> {
    if (!ACCESS_TOKEN.test(token)) return Promise.resolve(undefined);
    return this.cached(`t:${token}`, async () => {
      const lookup = await this.tokenLookup(token);
      const { rows } = await sql<{ patient_id: string }>`
        select c.patient_id from glucose.upload_credentials c join platform.users u on u.id = c.patient_id and u.status = 'active'
        where c.access_token_lookup = ${lookup}`.execute(this.ctx.db);
      return rows[0]?.patient_id;
    });
  }

  private async cached(key: string, load: () => Promise<string | undefined>): Promise<string | undefined> {
    const now = Date.now();
    const hit = this.resolved.get(key);
    if (hit && hit.until > now) return hit.patientId ?? undefined;
    const patientId = await load();
    if (this.resolved.size > 10_000) this.resolved.clear();
    this.resolved.set(key, { patientId: patientId ?? null, until: now + CACHE_MS });
    return patientId;
  }

  /** A rotation or revocation in this process takes effect at once (others within CACHE_MS). */
  forget(): void {
    this.resolved.clear();
  }

  /** Seconds the address must wait after too many failed attempts, else 0. */
  blockedFor(ip: string, now = Date.now()): number {
    const c = this.failures.get(ip);
    return c && now - c.since < FAILURE_WINDOW_MS && c.count >= MAX_FAILURES_PER_MINUTE ? Math.ceil((c.since + FAILURE_WINDOW_MS - now) / 1000) : 0;
  }

  noteFailure(ip: string, now = Date.now()): void {
    countIn(this.failures, ip, now, FAILURE_WINDOW_MS).count += 1;
  }

  /** Counts a request of the patient; answers the seconds to wait when over the per-minute budget, else 0. */
  overBudget(patientId: string, now = Date.now()): number {
    const c = countIn(this.requests, patientId, now, 60_000);
    c.count += 1;
    return c.count > MAX_REQUESTS_PER_MINUTE ? Math.ceil((c.since + 60_000 - now) / 1000) : 0;
  }

  /** Records the app and time of use, at most once a minute per patient. */
  async noteUse(patientId: string, app: string | undefined): Promise<void> {
    const now = Date.now();
    if ((this.lastUse.get(patientId) ?? 0) > now - LAST_USED_EVERY_MS) return;
    this.lastUse.set(patientId, now);
    await this.ctx.db.updateTable('glucose.upload_credentials').set({ last_used_at: new Date(now), last_used_app: app?.slice(0, 200) ?? null })
      .where('patient_id', '=', patientId).execute();
  }

  /** A JWT for API v3, valid 8 hours, naming only the patient. */
  async signV3(patientId: string): Promise<{ token: string; iat: number; exp: number }> {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + V3_TOKEN_HOURS * 3600;
    const token = await new SignJWT({ pid: patientId }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('uploader').setAudience(V3_AUDIENCE).setIssuer('atrium').setIssuedAt(iat).setExpirationTime(exp)
      .sign(await this.derive('glucose-nightscout-v3-jwt'));
    return { token, iat, exp };
  }

  async verifyV3(token: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(token, await this.derive('glucose-nightscout-v3-jwt'), { audience: V3_AUDIENCE, issuer: 'atrium', algorithms: ['HS256'] });
      if (typeof payload.pid !== 'string' || typeof payload.iat !== 'number') return undefined;
      const { pid, iat } = payload as { pid: string; iat: number };
      // A JWT issued before the access token was last created or rotated is no longer honoured.
      return this.cached(`j:${pid}:${iat}`, async () => {
        const { rows } = await sql<{ patient_id: string }>`
          select c.patient_id from glucose.upload_credentials c join platform.users u on u.id = c.patient_id and u.status = 'active'
          where c.patient_id = ${pid} and c.access_token_lookup is not null
            and c.access_token_created_at < to_timestamp(${iat + 1})`.execute(this.ctx.db);
        return rows[0]?.patient_id;
      });
    } catch {
      return undefined;
    }
  }
}
