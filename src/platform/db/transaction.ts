import type { Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { Db } from './pool.js';

export type Tx = Transaction<Database>;
export type DbOrTx = Db | Tx;

/** Runs work in one transaction; joins the caller's when given one. */
export function inTransaction<T>(db: DbOrTx, work: (tx: Tx) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db as Tx);
  return (db as Db).transaction().execute(work);
}
