import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { retentionHorizonMs } from '../config.js';

/**
 * §3.8: meals, insulin, medication doses and stock movements, activity, water and steps are kept as long as
 * readings (GLUCOSE_RETENTION_MONTHS, default 120); older rows are deleted by `glucose.retention.purge`.
 */
export async function purgeCareLogs(db: DbOrTx, nowMs = Date.now()) {
  const before = new Date(retentionHorizonMs(nowMs)).toISOString();
  const counts: Record<string, number> = {};
  for (const [table, column] of [
    ['meals', 'taken_at'], ['insulin_doses', 'administered_at'], ['activity_sessions', 'started_at'], ['hydration_logs', 'at'],
    ['stock_movements', 'created_at'], ['medication_doses', 'scheduled_at'], ['daily_steps', 'local_date'],
  ] as const) {
    const res = await sql`delete from ${sql.table(`glucose.${table}`)} where ${sql.ref(column)} < ${before}::timestamptz`.execute(db);
    counts[table] = Number(res.numAffectedRows ?? 0);
  }
  return counts;
}
