import { sql, type RawBuilder } from 'kysely';
import { badRequest } from '../../../platform/http/errors.js';
import { decodeCursor, encodeCursor } from '../../../platform/http/pagination.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Keyset position (time, id) of time-ordered logs; `desc` pages newest first. */
export function timeCursor(cursor: string | undefined): { at: string; id: string } | undefined {
  const pos = decodeCursor(cursor);
  if (!pos) return undefined;
  const [at, id] = pos;
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof id !== 'string' || !UUID.test(id)) {
    throw badRequest('invalid_cursor', 'The cursor is not one this API returned; start again without it.', [{ path: 'query.cursor', message: 'is invalid' }]);
  }
  return { at, id };
}

/** `and (col, id) < (at, id)` (desc) or `>` (asc) after a cursor. */
export function after(column: string, pos: { at: string; id: string } | undefined, desc: boolean, idColumn = 'id'): RawBuilder<unknown> {
  if (!pos) return sql``;
  return desc
    ? sql`and (${sql.ref(column)}, ${sql.ref(idColumn)}) < (${pos.at}::timestamptz, ${pos.id}::uuid)`
    : sql`and (${sql.ref(column)}, ${sql.ref(idColumn)}) > (${pos.at}::timestamptz, ${pos.id}::uuid)`;
}

/** Rows fetched with limit + 1 → the page and the next cursor. */
export function page<R>(rows: R[], limit: number, position: (r: R) => [Date | string, string]) {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items, nextCursor: more && last ? encodeCursor([new Date(position(last)[0]).toISOString(), position(last)[1]]) : null };
}
