import { sql, type SqlBool, type Expression } from 'kysely';
import type { DbOrTx } from '../../../../platform/db/transaction.js';
import { badRequest } from '../../../../platform/http/errors.js';
import { decodeCursor, toPage } from '../../../../platform/http/pagination.js';
import type { AuthUser } from '../../../../platform/types.js';
import { assertOrganization, visibleOrganizations } from '../access.js';
import { quoteOut } from '../model.js';
import type { QuoteStatus } from '../tables.js';
import { quoteQuery } from './service.js';

export interface QuoteFilters {
  organizationId?: string; status?: QuoteStatus[]; clientId?: string; projectId?: string; responsibleUserId?: string;
  dueFrom?: string; dueTo?: string; q?: string; sort?: 'createdAt' | 'dueDate' | 'amount';
}

const FAR_DATE = '9999-12-31';

/**
 * The quotes a user sees, filtered (spec §4.2). Keyset paging on (sort value, id): createdAt newest first,
 * dueDate soonest first (no due date last), amount largest first.
 */
export function filteredQuotes(db: DbOrTx, orgs: string[] | null, f: QuoteFilters) {
  let query = quoteQuery(db);
  if (f.organizationId) query = query.where('q.organization_id', '=', f.organizationId);
  else if (orgs !== null) query = query.where('q.organization_id', '=', sql<string>`any(${orgs}::uuid[])`);
  if (f.status?.length) query = query.where('q.status', 'in', f.status);
  if (f.clientId) query = query.where('q.client_id', '=', f.clientId);
  if (f.projectId) query = query.where('q.project_id', '=', f.projectId);
  if (f.responsibleUserId) query = query.where('q.responsible_user_id', '=', f.responsibleUserId);
  if (f.dueFrom) query = query.where('q.due_date', '>=', f.dueFrom);
  if (f.dueTo) query = query.where('q.due_date', '<=', f.dueTo);
  if (f.q) {
    const like = `%${f.q.replace(/[%_\\]/g, '\\$&')}%`;
    // three indexable arms (trigram indexes on title and number, client ids by name) so the planner can OR bitmaps
    query = query.where((eb) => eb.or([
      eb('q.title', 'ilike', like), eb('q.number', 'ilike', like),
      eb('q.client_id', '=', sql<string>`any(array(select id from operations.client where name ilike ${like}))`),
    ]));
  }
  return query;
}

export async function listQuotes(db: DbOrTx, user: AuthUser, f: QuoteFilters, cursor: string | undefined, limit: number) {
  if (f.organizationId) await assertOrganization(db, user, f.organizationId);
  const orgs = f.organizationId ? [f.organizationId] : await visibleOrganizations(db, user);
  let query = filteredQuotes(db, orgs, f)
    .select(sql<string>`to_char(q.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('created_key'));
  const sort = f.sort ?? 'createdAt';
  const position = decodeCursor(cursor);
  const bad = () => badRequest('invalid_cursor', 'The cursor is not one this API returned; start again without it.', [{ path: 'query.cursor', message: 'is invalid' }]);
  if (position && (position.length !== 2 || typeof position[1] !== 'string' || typeof position[0] !== 'string')) throw bad();
  const [value, id] = (position ?? []) as [string, string];
  if (sort === 'createdAt') {
    if (position) query = query.where(sql<SqlBool>`(q.created_at, q.id) < (${value}::timestamptz, ${id}::uuid)` as Expression<SqlBool>);
    query = query.orderBy('q.created_at', 'desc').orderBy('q.id', 'desc');
  } else if (sort === 'dueDate') {
    // the literal (not a parameter) makes the expression match the index quote_org_due_sort_idx
    if (position) query = query.where(sql<SqlBool>`(coalesce(q.due_date, date '9999-12-31'), q.id) > (${value}::date, ${id}::uuid)` as Expression<SqlBool>);
    query = query.orderBy(sql`coalesce(q.due_date, date '9999-12-31')`).orderBy('q.id');
  } else {
    if (position) query = query.where(sql<SqlBool>`(q.amount, q.id) < (${value}::numeric, ${id}::uuid)` as Expression<SqlBool>);
    query = query.orderBy('q.amount', 'desc').orderBy('q.id', 'desc');
  }
  const rows = await query.limit(limit + 1).execute();
  const page = toPage(rows, limit, (r) => {
    const out = quoteOut(r);
    return [sort === 'createdAt' ? r.created_key : sort === 'dueDate' ? (out.dueDate ?? FAR_DATE) : out.amount, out.id];
  }, quoteOut);
  const badges = await notificationBadges(db, page.items.map((q) => q.id));
  return { ...page, items: page.items.map((q) => ({ ...q, notifications: badges.get(q.id) ?? [] })) };
}

export interface NotificationBadge { kind: string; eventDate: string; status: string }

/**
 * The latest delivery state per notification kind of each quote (list badges ✓ ⏳ ⚠). The rows belong to the
 * notifications part (migration 0043); without that table the badges are empty.
 */
export async function notificationBadges(db: DbOrTx, quoteIds: string[]): Promise<Map<string, NotificationBadge[]>> {
  const out = new Map<string, NotificationBadge[]>();
  if (!quoteIds.length) return out;
  const exists = await sql<{ t: string | null }>`select to_regclass('operations.quote_notification')::text as t`.execute(db);
  if (!exists.rows[0]?.t) return out;
  const rows = await sql<{ quote_id: string; kind: string; event_date: string; status: string }>`
    select distinct on (quote_id, kind) quote_id, kind, event_date::text, status
      from operations.quote_notification where quote_id = any(${quoteIds}::uuid[])
     order by quote_id, kind, detected_at desc`.execute(db);
  for (const r of rows.rows) {
    const list = out.get(r.quote_id) ?? [];
    list.push({ kind: r.kind, eventDate: r.event_date, status: r.status });
    out.set(r.quote_id, list);
  }
  return out;
}
