import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Role } from '../config.js';

export interface AccessClaims {
  sub: string;
  sid: string;
  roles: Role[];
  /** Epoch seconds at which the session passed a TOTP challenge; absent when it did not. */
  totpAt?: number;
}

const ISSUER = 'atrium';
const ACCESS_AUDIENCE = 'atrium:access';
const MFA_AUDIENCE = 'atrium:mfa';
const TICKET_AUDIENCE = 'atrium:ticket';

export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export class TokenService {
  private readonly key: Uint8Array;
  // Verifying an HS256 signature costs ~50 µs; a client presents the same token for 15 minutes.
  private readonly verified = new Map<string, { claims: AccessClaims; expiresAtMs: number }>();
  private static readonly MAX_CACHED = 20_000;

  constructor(secret: string, readonly accessTtlSeconds: number) {
    this.key = new TextEncoder().encode(secret);
  }

  signAccess(claims: AccessClaims): Promise<string> {
    const payload: Record<string, unknown> = { sid: claims.sid, roles: claims.roles };
    if (claims.totpAt) payload.totpAt = claims.totpAt;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub).setIssuer(ISSUER).setAudience(ACCESS_AUDIENCE)
      .setIssuedAt().setExpirationTime(`${this.accessTtlSeconds}s`)
      .sign(this.key);
  }

  /** Returns the claims, or undefined for a token that is malformed, forged or expired. */
  async verifyAccess(token: string): Promise<AccessClaims | undefined> {
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.expiresAtMs > Date.now()) return hit.claims;
      this.verified.delete(token);
      return undefined;
    }
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: ACCESS_AUDIENCE, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || !Array.isArray(payload.roles)) return undefined;
      const claims: AccessClaims = { sub: payload.sub, sid: payload.sid, roles: payload.roles as Role[], totpAt: typeof payload.totpAt === 'number' ? payload.totpAt : undefined };
      if (this.verified.size >= TokenService.MAX_CACHED) this.verified.clear();
      this.verified.set(token, { claims, expiresAtMs: (payload.exp ?? 0) * 1000 });
      return claims;
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return undefined;
      throw err;
    }
  }

  /** The short-lived proof, between password and TOTP code, that the password was right. */
  signMfa(userId: string, sessionHint: { userAgent?: string }): Promise<string> {
    return new SignJWT({ ua: sessionHint.userAgent ?? '' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId).setIssuer(ISSUER).setAudience(MFA_AUDIENCE)
      .setIssuedAt().setExpirationTime('5m').setJti(randomToken(12))
      .sign(this.key);
  }

  async verifyMfa(token: string): Promise<{ userId: string; jti: string } | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: MFA_AUDIENCE, algorithms: ['HS256'] });
      return payload.sub && payload.jti ? { userId: payload.sub, jti: payload.jti } : undefined;
    } catch {
      return undefined;
    }
  }

  /** A one-minute ticket a browser puts in the WebSocket URL (it cannot set headers there). */
  signTicket(claims: AccessClaims): Promise<string> {
    return new SignJWT({ sid: claims.sid, roles: claims.roles, totpAt: claims.totpAt })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.sub).setIssuer(ISSUER).setAudience(TICKET_AUDIENCE)
      .setIssuedAt().setExpirationTime('60s')
      .sign(this.key);
  }

  async verifyTicket(token: string): Promise<AccessClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: TICKET_AUDIENCE, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return undefined;
      return { sub: payload.sub, sid: payload.sid, roles: payload.roles as Role[], totpAt: payload.totpAt as number | undefined };
    } catch {
      return undefined;
    }
  }
}
