import { sql } from 'kysely';
import type { Db } from './pool.js';
import type { JobDefinition } from '../jobs/types.js';
import { purgeIdempotencyKeys } from '../http/idempotency.js';

export interface Purged { idempotencyKeys: number; resetTokens: number; refreshTokens: number; sessions: number }

const count = (result: { numDeletedRows: bigint }) => Number(result.numDeletedRows);

/**
 * Deletes rows that have served their purpose, so the tables do not grow with every request:
 * idempotency keys after a day, reset tokens a day after they expired or were used, used refresh tokens
 * once older than a refresh token may live (a rotation adds one per refresh), and sessions a month after
 * they ended (kept that long for the sessions page and investigations; the audit trail stays).
 */
export async function purgeSpentRows(db: Db, refreshTokenTtlDays: number): Promise<Purged> {
  const idempotencyKeys = await purgeIdempotencyKeys(db);
  const resetTokens = count(await db.deleteFrom('platform.password_reset_tokens')
    .where((eb) => eb.or([eb('expires_at', '<', sql<Date>`now() - interval '1 day'`), eb('used_at', '<', sql<Date>`now() - interval '1 day'`)]))
    .executeTakeFirst());
  const refreshTokens = count(await db.deleteFrom('platform.refresh_tokens')
    .where('used_at', '<', sql<Date>`now() - make_interval(days => ${refreshTokenTtlDays})`).executeTakeFirst());
  const sessions = count(await db.deleteFrom('platform.sessions')
    .where((eb) => eb.or([eb('expires_at', '<', sql<Date>`now() - interval '30 days'`), eb('revoked_at', '<', sql<Date>`now() - interval '30 days'`)]))
    .executeTakeFirst());
  return { idempotencyKeys, resetTokens, refreshTokens, sessions };
}

/** Runs the purge every hour (UTC, so no daylight-saving gap applies). */
export const housekeepingJob = (db: Db, refreshTokenTtlDays: number): JobDefinition => ({
  queue: 'platform.housekeeping',
  kind: 'retention',
  policy: 'singleton',
  retryLimit: 2,
  schedules: [{ cron: '23 * * * *', timezone: 'UTC', catchUp: 'none', description: 'Delete spent idempotency keys, reset tokens, refresh tokens and long-ended sessions' }],
  handler: async () => purgeSpentRows(db, refreshTokenTtlDays),
});
