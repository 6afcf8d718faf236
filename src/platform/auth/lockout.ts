import { sql } from 'kysely';
import type { Platform } from '../types.js';
import { forbidden, tooManyRequests } from '../http/errors.js';
import type { UserRow } from './users.js';
import { recordAudit, type AuditActor } from '../audit/writer.js';

/** Refuses a sign-in attempt on an account that an admin locked or that too many failures locked for a while. */
export function assertCanAttempt(user: UserRow): void {
  if (user.status === 'locked') throw forbidden('account_locked', 'This account is locked. Contact an administrator.');
  if (user.locked_until && new Date(user.locked_until) > new Date()) {
    const seconds = (new Date(user.locked_until).getTime() - Date.now()) / 1000;
    throw tooManyRequests('too_many_failed_attempts', `Too many failed attempts. Try again in ${Math.ceil(seconds / 60)} minute(s).`, seconds);
  }
}

/** Counts a failed password or code; at the threshold the account waits `lockout.minutes`. */
export async function recordFailedAttempt(platform: Platform, user: UserRow, actor: AuditActor, what: 'password' | 'totp'): Promise<void> {
  const { threshold, minutes } = platform.config.lockout;
  await platform.db.transaction().execute(async (tx) => {
    const row = await tx.updateTable('platform.users')
      .set({ failed_login_count: sql`failed_login_count + 1` })
      .where('id', '=', user.id).returning('failed_login_count').executeTakeFirstOrThrow();
    const locks = row.failed_login_count >= threshold;
    if (locks) {
      await tx.updateTable('platform.users')
        .set({ failed_login_count: 0, locked_until: sql`now() + make_interval(mins => ${minutes})` })
        .where('id', '=', user.id).execute();
    }
    await recordAudit(tx, { ...actor, actorId: user.id, actorEmail: user.email }, {
      action: locks ? 'auth.locked_out' : 'auth.login_failed', entity: 'user', entityId: user.id, diff: { factor: what },
    });
  });
}

export async function clearFailedAttempts(platform: Platform, userId: string): Promise<void> {
  await platform.db.updateTable('platform.users').set({ failed_login_count: 0, locked_until: null })
    .where('id', '=', userId).where((eb) => eb.or([eb('failed_login_count', '>', 0), eb('locked_until', 'is not', null)])).execute();
}
