import { sql, type RawBuilder } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { actorOf, changes, recordAudit } from '../../../platform/audit/writer.js';
import { conflict, notFound } from '../../../platform/http/errors.js';

export type Kind = 'text' | 'number' | 'date' | 'json' | 'bool' | 'timestamp' | 'uuid';

/** A table as the API sees it: camelCase field → column and kind. Column names come from code, never from requests. */
export interface Resource {
  table: string;
  entity: string;
  label: string;
  fields: Record<string, [column: string, kind: Kind]>;
  /** Fields the API never writes (ids, created_by, timestamps, version). */
  readOnly?: string[];
}

const COMMON: Resource['fields'] = {
  id: ['id', 'uuid'], createdBy: ['created_by', 'uuid'], createdAt: ['created_at', 'timestamp'], updatedAt: ['updated_at', 'timestamp'], version: ['version', 'number'],
};

export function resource(table: string, entity: string, label: string, fields: Resource['fields'], common = true): Resource {
  return { table, entity, label, fields: common ? { ...COMMON, ...fields } : fields, readOnly: ['id', 'createdBy', 'createdAt', 'updatedAt', 'version'] };
}

/** The select list: dates as text so a calendar date never shifts with the server's time zone. */
export function columns(r: Resource, alias = 't'): RawBuilder<unknown> {
  return sql.raw(Object.values(r.fields).map(([c, k]) => (k === 'date' ? `${alias}.${c}::text as ${c}` : `${alias}.${c}`)).join(', '));
}

/** A database row in API form: camelCase, numbers as numbers, timestamps ISO-8601 UTC. */
export type ApiRow = { id: string } & Record<string, unknown>;

export function toApi(r: Resource, row: Record<string, unknown>): ApiRow {
  const out: Record<string, unknown> = {};
  for (const [key, [col, kind]] of Object.entries(r.fields)) {
    const v = row[col];
    if (v === null || v === undefined) { out[key] = null; continue; }
    out[key] = kind === 'number' ? Number(v) : kind === 'timestamp' ? new Date(v as string).toISOString() : v;
  }
  return out as ApiRow;
}

function toDb(kind: Kind, v: unknown) {
  if (v === null || v === undefined) return null;
  return kind === 'json' ? JSON.stringify(v) : v;
}

function writable(r: Resource, body: Record<string, unknown>) {
  return Object.entries(body).filter(([k, v]) => v !== undefined && r.fields[k] && !r.readOnly?.includes(k)) as [string, unknown][];
}

export async function findById(db: DbOrTx, r: Resource, id: string, lock = false) {
  const { rows } = await sql<Record<string, unknown>>`select ${columns(r)} from ${sql.raw(r.table)} t where t.id = ${id} ${lock ? sql`for update` : sql``}`.execute(db);
  return rows[0] ? toApi(r, rows[0]) : undefined;
}

export async function mustFind(db: DbOrTx, r: Resource, id: string, lock = false) {
  const found = await findById(db, r, id, lock);
  if (!found) throw notFound(`${r.label}_not_found`, `No such ${r.label.replace(/_/g, ' ')}.`);
  return found;
}

/** Inserts the writable fields of `body` (plus `extra` columns by field name) and audits it in the same transaction. */
export async function insertRow(tx: DbOrTx, req: FastifyRequest, r: Resource, body: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const entries = [...writable(r, body), ...Object.entries(extra)];
  const cols = entries.map(([k]) => r.fields[k]![0]);
  const vals = entries.map(([k, v]) => sql`${toDb(r.fields[k]![1], v)}`);
  const { rows } = await sql<Record<string, unknown>>`
    insert into ${sql.raw(r.table)} as t (${sql.raw(cols.join(', '))}) values (${sql.join(vals)}) returning ${columns(r)}`.execute(tx);
  const created = toApi(r, rows[0]!);
  await recordAudit(tx, actorOf(req), { action: `${r.entity}.created`, entity: r.entity, entityId: created.id as string, diff: body });
  return created;
}

/**
 * Optimistic update: changes the given fields when `version` still matches; 409 version_conflict otherwise.
 * `extra` sets further fields by name (status changes decided by the route).
 */
export async function updateRow(tx: DbOrTx, req: FastifyRequest, r: Resource, id: string, version: number | null,
  body: Record<string, unknown>, extra: Record<string, unknown> = {}, action = 'updated') {
  const before = await mustFind(tx, r, id, true);
  if (version !== null && before.version !== version) throw conflict('version_conflict', `The ${r.label.replace(/_/g, ' ')} changed since you read it (version ${before.version}); reload and retry.`);
  const entries = [...writable(r, body), ...Object.entries(extra)];
  const sets = entries.map(([k, v]) => sql`${sql.raw(r.fields[k]![0])} = ${toDb(r.fields[k]![1], v)}`);
  const bump = 'version' in r.fields ? [sql`version = version + 1`, sql`updated_at = now()`] : [];
  if (sets.length + bump.length === 0) return before;
  const { rows } = await sql<Record<string, unknown>>`
    update ${sql.raw(r.table)} as t set ${sql.join([...sets, ...bump])} where t.id = ${id} returning ${columns(r)}`.execute(tx);
  const after = toApi(r, rows[0]!);
  await recordAudit(tx, actorOf(req), { action: `${r.entity}.${action}`, entity: r.entity, entityId: id, diff: changes(before, after) });
  return after;
}

export async function deleteRow(tx: DbOrTx, req: FastifyRequest, r: Resource, id: string) {
  const before = await mustFind(tx, r, id, true);
  await sql`delete from ${sql.raw(r.table)} where id = ${id}`.execute(tx);
  await recordAudit(tx, actorOf(req), { action: `${r.entity}.deleted`, entity: r.entity, entityId: id, diff: before });
}

/** A keyset page newest first (UUIDv7 ids are time-ordered), with the filters given as SQL conditions. */
export async function listRows(db: DbOrTx, r: Resource, where: RawBuilder<unknown>[], cursorId: string | undefined, limit: number, from?: RawBuilder<unknown>) {
  const conds = [...where, ...(cursorId ? [sql`t.id < ${cursorId}`] : [])];
  const { rows } = await sql<Record<string, unknown>>`
    select ${columns(r)} from ${from ?? sql.raw(`${r.table} t`)} ${conds.length ? sql`where ${sql.join(conds, sql` and `)}` : sql``}
    order by t.id desc limit ${limit + 1}`.execute(db);
  return rows.map((row) => toApi(r, row));
}
