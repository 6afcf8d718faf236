import { Type, type TSchema } from 'typebox';
import { badRequest } from './errors.js';

/** Query string of every list: `?cursor=&limit=`. */
export const PageQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'Opaque cursor from the previous page' })),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
});

/** Response of every list: `{ items, nextCursor }`; nextCursor is null on the last page. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export function encodeCursor(position: unknown[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

const invalidCursor = () =>
  badRequest('invalid_cursor', 'The cursor is not one this API returned; start again without it.', [{ path: 'query.cursor', message: 'is invalid' }]);

export function decodeCursor(cursor: string | undefined): unknown[] | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value)) return value;
  } catch { /* falls through */ }
  throw invalidCursor();
}

/**
 * Builds a page from rows fetched with `limit + 1`: the extra row only tells that another page exists.
 * `position` gives the keyset values of a row (e.g. `[row.id]`), which the next query continues after.
 */
export function toPage<Row, Item = Row>(rows: Row[], limit: number, position: (row: Row) => unknown[], map?: (row: Row) => Item) {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    items: map ? pageRows.map(map) : (pageRows as unknown as Item[]),
    nextCursor: hasMore && last !== undefined ? encodeCursor(position(last)) : null,
  };
}

/** A cursor holding one id (UUIDv7 ids are time-ordered, so `id < cursor` pages newest first). */
export function idCursor(cursor: string | undefined): string | undefined {
  const position = decodeCursor(cursor);
  if (position === undefined) return undefined;
  const [id] = position;
  if (typeof id !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw invalidCursor();
  return id;
}
