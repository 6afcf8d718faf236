import { sql } from 'kysely';
import type { AuthUser } from '../../../platform/types.js';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { notFound } from '../../../platform/http/errors.js';

// Office tables (organization, organization_member, quote) belong to the office part; they are read here in SQL.

export const STAFF = ['staff', 'manager', 'admin'] as const;
export const MANAGERS = ['manager', 'admin'] as const;
export const ADMIN = ['admin'] as const;

export const isAdmin = (user: AuthUser) => user.roles.includes('admin');

const member = (user: AuthUser, orgColumn: string) => (isAdmin(user) ? sql`true` : sql`exists (
  select 1 from operations.organization_member m where m.organization_id = ${sql.ref(orgColumn)} and m.user_id = ${user.id})`);

/** The organisation, if the caller may see it (a member, or any admin); otherwise 404, never 403 (§2). */
export async function organizationInScope(db: DbOrTx, user: AuthUser, organizationId: string) {
  const { rows: [org] } = await sql<{ id: string; name: string; timezone: string }>`
    select o.id, o.name, o.timezone from operations.organization o where o.id = ${organizationId} and ${member(user, 'o.id')}`.execute(db);
  if (!org) throw notFound();
  return org;
}

/** The quote's organisation, if the caller may see the quote; 404 otherwise. */
export async function quoteInScope(db: DbOrTx, user: AuthUser, quoteId: string) {
  const { rows: [quote] } = await sql<{ id: string; organization_id: string }>`
    select q.id, q.organization_id from operations.quote q where q.id = ${quoteId} and ${member(user, 'q.organization_id')}`.execute(db);
  if (!quote) throw notFound();
  return quote;
}

/** Organisation ids the caller may see (null for admins: all). */
export async function visibleOrganizations(db: DbOrTx, user: AuthUser): Promise<string[] | null> {
  if (isAdmin(user)) return null;
  const { rows } = await sql<{ organization_id: string }>`select organization_id from operations.organization_member where user_id = ${user.id}`.execute(db);
  return rows.map((r) => r.organization_id);
}
