import type { FastifyRequest } from 'fastify';
import type { Platform } from '../types.js';
import type { DbOrTx } from '../db/transaction.js';
import { createSession } from './sessions.js';
import { loadUserDto } from './users.js';
import type { UserDto } from './schemas.js';

export interface TokenResponseDto {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: UserDto;
  totpEnrollmentRequired?: boolean;
}

/** The token pair for a session, with the user as they are now (roles read fresh). */
export async function tokenResponse(platform: Platform, db: DbOrTx, userId: string, sessionId: string, refreshToken: string, totpVerifiedAt: Date | null): Promise<TokenResponseDto> {
  const user = await loadUserDto(db, userId);
  if (!user) throw new Error(`user ${userId} vanished while issuing tokens`);
  const totpAt = totpVerifiedAt ? Math.floor(new Date(totpVerifiedAt).getTime() / 1000) : undefined;
  const accessToken = await platform.tokens.signAccess({ sub: userId, sid: sessionId, roles: user.roles, totpAt });
  const response: TokenResponseDto = { accessToken, refreshToken, expiresIn: platform.tokens.accessTtlSeconds, user };
  const required = platform.config.totpRequiredRoles;
  if (!user.totpEnabled && user.roles.some((r) => required.includes(r))) response.totpEnrollmentRequired = true;
  return response;
}

/** Opens a session for a user who proved who they are and answers with its tokens. */
export async function signIn(platform: Platform, req: FastifyRequest, userId: string, totpVerifiedAt: Date | null): Promise<TokenResponseDto> {
  return platform.db.transaction().execute(async (tx) => {
    const { sessionId, refreshToken } = await createSession(tx, {
      userId, userAgent: req.headers['user-agent'] ?? null, ip: req.ip, totpVerifiedAt, ttlDays: platform.config.refreshTokenTtlDays,
    });
    return tokenResponse(platform, tx, userId, sessionId, refreshToken, totpVerifiedAt);
  });
}
