import { sql } from 'kysely';
import type { Role } from '../../../platform/config.js';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { notFound } from '../../../platform/http/errors.js';
import type { AuthUser, ModuleContext } from '../../../platform/types.js';

/** Access matrix of spec §2 as it applies to office data. */
export const OFFICE: Role[] = ['staff', 'manager', 'admin'];
export const MANAGERS: Role[] = ['manager', 'admin'];

export const isAdmin = (user: AuthUser) => user.roles.includes('admin');
export const isManager = (user: AuthUser) => user.roles.includes('manager') || isAdmin(user);

/** The organisations a user sees: members see theirs, admins all (null = no restriction). */
export async function visibleOrganizations(db: DbOrTx, user: AuthUser): Promise<string[] | null> {
  if (isAdmin(user)) return null;
  const rows = await db.selectFrom('operations.organization_member').select('organization_id').where('user_id', '=', user.id).execute();
  return rows.map((r) => r.organization_id);
}

/** 404 unless the user may see this organisation (a record of another organisation never reveals that it exists). */
export async function assertOrganization(db: DbOrTx, user: AuthUser, organizationId: string): Promise<void> {
  const row = isAdmin(user)
    ? await db.selectFrom('operations.organization').select('id').where('id', '=', organizationId).executeTakeFirst()
    : await db.selectFrom('operations.organization_member').select('organization_id as id')
      .where('organization_id', '=', organizationId).where('user_id', '=', user.id).executeTakeFirst();
  if (!row) throw notFound();
}

/** SQL condition restricting `column` to the caller's organisations. */
export function orgCondition(column: string, orgs: string[] | null) {
  return orgs === null ? sql<boolean>`true` : sql<boolean>`${sql.ref(column)} = any(${orgs}::uuid[])`;
}

/** Publishing never fails the request that caused it: the change is committed already. */
export async function publishQuoteEvent(ctx: ModuleContext, organizationId: string, type: string, data: Record<string, unknown>) {
  try { await ctx.realtime.publish(`operations.quotes:${organizationId}`, type, data); } catch (err) { ctx.log.warn({ err, type }, 'operations quote event not published'); }
}

export function defineOfficeTopics(ctx: ModuleContext) {
  ctx.realtime.defineTopic({
    prefix: 'operations.quotes',
    description: 'operations.quotes:<organizationId> — quote.created, quote.updated, quote.transitioned (and quote.notification.updated)',
    authorize: async (user, key) => {
      if (!user.roles.some((r) => OFFICE.includes(r))) return false;
      if (!/^[0-9a-f-]{36}$/i.test(key)) return false;
      try { await assertOrganization(ctx.db, user, key); return true; } catch { return false; }
    },
  });
}
