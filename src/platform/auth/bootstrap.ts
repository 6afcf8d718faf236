import type { Db } from '../db/pool.js';
import type { Config } from '../config.js';
import { hashPassword } from './passwords.js';
import { recordAudit } from '../audit/writer.js';

/** When the database has no administrator yet, creates one from ATRIUM_ADMIN_EMAIL / _PASSWORD (or the demo defaults). */
export async function ensureAdmin(db: Db, config: Config): Promise<{ created: boolean; email: string }> {
  const existing = await db.selectFrom('platform.user_roles as r').innerJoin('platform.users as u', 'u.id', 'r.user_id')
    .select('u.email').where('r.role', '=', 'admin').orderBy('r.granted_at').executeTakeFirst();
  if (existing) return { created: false, email: existing.email };
  const passwordHash = await hashPassword(config.admin.password);
  await db.transaction().execute(async (tx) => {
    const user = await tx.insertInto('platform.users')
      .values({ email: config.admin.email, password_hash: passwordHash, display_name: 'Administrator' })
      .onConflict((oc) => oc.column('email').doUpdateSet({ password_hash: passwordHash, status: 'active' }))
      .returning('id').executeTakeFirstOrThrow();
    await tx.insertInto('platform.user_roles').values({ user_id: user.id, role: 'admin', granted_by: null })
      .onConflict((oc) => oc.doNothing()).execute();
    await recordAudit(tx, { actorId: null, ip: null, requestId: null }, { action: 'user.admin_bootstrapped', entity: 'user', entityId: user.id, diff: { email: config.admin.email } });
  });
  return { created: true, email: config.admin.email };
}
