import { sql } from 'kysely';
import type { Tx } from '../../../platform/db/transaction.js';
import { HttpError } from '../../../platform/http/errors.js';

/** camelCase body fields → snake_case columns, only those present. */
export function columnsOf(body: Record<string, unknown>, map: Record<string, string>): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(map)) {
    if (body[field] !== undefined) set[column] = column === 'address' && body[field] !== null ? JSON.stringify(body[field]) : body[field];
  }
  return set;
}

export const versionConflict = (entity: string, current: number) =>
  new HttpError(409, 'version_conflict', `The ${entity} changed since you read it (now version ${current}); reload and retry.`, undefined, undefined, { version: current });

/** Updates a row with optimistic concurrency: 409 version_conflict (with the current version) when `version` is stale. */
export async function updateVersioned(tx: Tx, table: 'operations.organization' | 'operations.client' | 'operations.project', entity: string, id: string, version: number, set: Record<string, unknown>) {
  const row = await tx.updateTable(table).set({ ...set, updated_at: new Date(), version: sql`version + 1` } as never)
    .where('id', '=', id).where('version', '=', version).returningAll().executeTakeFirst();
  if (row) return row;
  const current = await tx.selectFrom(table).select('version').where('id', '=', id).executeTakeFirstOrThrow();
  throw versionConflict(entity, current.version);
}
