import type { Platform } from '../types.js';
import { sql } from 'kysely';
import type { Db } from '../db/pool.js';
import type { DbOrTx } from '../db/transaction.js';
import { inTransaction } from '../db/transaction.js';
import { unauthorized } from '../http/errors.js';
import { randomToken, sha256 } from './tokens.js';

export interface NewSession {
  userId: string;
  userAgent?: string | null;
  ip?: string | null;
  totpVerifiedAt?: Date | null;
  ttlDays: number;
}

export async function createSession(db: DbOrTx, s: NewSession): Promise<{ sessionId: string; refreshToken: string }> {
  return inTransaction(db, async (tx) => {
    const { id } = await tx.insertInto('platform.sessions').values({
      user_id: s.userId,
      user_agent: s.userAgent?.slice(0, 300) ?? null,
      ip: s.ip ?? null,
      totp_verified_at: s.totpVerifiedAt ?? null,
      expires_at: sql<Date>`now() + make_interval(days => ${s.ttlDays})`,
    }).returning('id').executeTakeFirstOrThrow();
    const refreshToken = randomToken();
    await tx.insertInto('platform.refresh_tokens').values({ token_hash: sha256(refreshToken), session_id: id }).execute();
    return { sessionId: id, refreshToken };
  });
}

export interface Rotated { sessionId: string; userId: string; refreshToken: string; totpVerifiedAt: Date | null }

/**
 * Trades a refresh token for a new one in the same session. A token that was already traded is a sign
 * that it leaked: the whole session (the token family) is revoked and the caller must sign in again.
 */
export async function rotateRefreshToken(db: Db, token: string, ttlDays: number): Promise<Rotated | { reused: string; userId: string }> {
  return db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('platform.refresh_tokens as t')
      .innerJoin('platform.sessions as s', 's.id', 't.session_id')
      .select(['t.token_hash', 't.used_at', 's.id as session_id', 's.user_id', 's.revoked_at', 's.expires_at', 's.totp_verified_at'])
      .where('t.token_hash', '=', sha256(token))
      .forUpdate()
      .executeTakeFirst();
    if (!row || row.revoked_at || new Date(row.expires_at) < new Date()) {
      throw unauthorized('invalid_refresh_token', 'This session has ended; sign in again.');
    }
    if (row.used_at) {
      await tx.updateTable('platform.sessions').set({ revoked_at: new Date(), revoked_reason: 'refresh_token_reuse' })
        .where('id', '=', row.session_id).execute();
      return { reused: row.session_id, userId: row.user_id };
    }
    await tx.updateTable('platform.refresh_tokens').set({ used_at: new Date() }).where('token_hash', '=', row.token_hash).execute();
    const refreshToken = randomToken();
    await tx.insertInto('platform.refresh_tokens').values({ token_hash: sha256(refreshToken), session_id: row.session_id }).execute();
    await tx.updateTable('platform.sessions')
      .set({ last_used_at: new Date(), expires_at: sql<Date>`greatest(expires_at, now() + make_interval(days => ${ttlDays}))` })
      .where('id', '=', row.session_id).execute();
    return { sessionId: row.session_id, userId: row.user_id, refreshToken, totpVerifiedAt: row.totp_verified_at };
  });
}

export async function revokeSession(db: DbOrTx, sessionId: string, reason: string): Promise<boolean> {
  const result = await db.updateTable('platform.sessions').set({ revoked_at: new Date(), revoked_reason: reason })
    .where('id', '=', sessionId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Revokes every live session of a user, optionally keeping one (the caller's). Returns the revoked ids. */
export async function revokeUserSessions(db: DbOrTx, userId: string, reason: string, keepSessionId?: string): Promise<string[]> {
  let q = db.updateTable('platform.sessions').set({ revoked_at: new Date(), revoked_reason: reason })
    .where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (keepSessionId) q = q.where('id', '!=', keepSessionId);
  const rows = await q.returning('id').execute();
  return rows.map((r) => r.id);
}

export async function listActiveSessions(db: DbOrTx, userId: string) {
  return db.selectFrom('platform.sessions')
    .select(['id', 'user_agent', 'ip', 'created_at', 'last_used_at', 'expires_at', 'totp_verified_at'])
    .where('user_id', '=', userId).where('revoked_at', 'is', null).where('expires_at', '>', new Date())
    .orderBy('last_used_at', 'desc').execute();
}

/**
 * Access tokens are stateless for 15 minutes; this cache lets a revoked session (logout, lock, reuse)
 * stop working within a few seconds on every process, at one query per session per TTL.
 */
export class SessionStatusCache {
  private readonly entries = new Map<string, { live: boolean; checkedAt: number }>();

  constructor(private readonly db: Db, private readonly ttlMs = 5_000, private readonly maxEntries = 100_000, private readonly clock = Date.now) {}

  async isLive(sessionId: string): Promise<boolean> {
    const now = this.clock();
    const hit = this.entries.get(sessionId);
    if (hit && now - hit.checkedAt < this.ttlMs) return hit.live;
    const row = await this.db.selectFrom('platform.sessions').select(['revoked_at', 'expires_at'])
      .where('id', '=', sessionId).executeTakeFirst();
    const live = !!row && !row.revoked_at && new Date(row.expires_at) > new Date();
    // A revocation announced while the query ran wins over what the query saw before it committed.
    const meanwhile = this.entries.get(sessionId);
    if (meanwhile && !meanwhile.live && meanwhile.checkedAt >= now) return false;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(sessionId, { live, checkedAt: now });
    return live;
  }

  /** Called by this process when it revokes; other processes see it within the TTL. */
  forget(sessionIds: string[]): void {
    for (const id of sessionIds) this.entries.set(id, { live: false, checkedAt: this.clock() });
  }
}

/** After a revocation commits: this process stops trusting the sessions now, and their sockets are closed. */
export function announceRevoked(platform: Pick<Platform, 'sessions' | 'events'>, userId: string, sessionIds: string[], reason: string): void {
  if (sessionIds.length === 0) return;
  platform.sessions.forget(sessionIds);
  platform.events.emit('session.revoked', { userId, sessionIds, reason });
}
