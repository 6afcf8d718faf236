import { sql } from 'kysely';
import type { Tx } from '../../../platform/db/transaction.js';
import type { GlucoseServices } from '../services.js';
import { forecastOnIngest, type BaseReading } from './store.js';

/**
 * The forecast step of ingestion, behind a savepoint: a forecast that cannot be made (a missing partition, an
 * unexpected input) is logged and skipped, and never costs the patient the readings of the upload.
 */
export async function forecastInIngest(svc: GlucoseServices, tx: Tx, patientId: string, reading: BaseReading) {
  if (reading.source !== 'cgm' || reading.flags.includes('suspect')) return null;
  await sql`savepoint glucose_forecast`.execute(tx);
  try {
    const summary = await forecastOnIngest(svc, tx, patientId, reading);
    await sql`release savepoint glucose_forecast`.execute(tx);
    return summary;
  } catch (err) {
    await sql`rollback to savepoint glucose_forecast`.execute(tx);
    svc.ctx.log.error({ err, patientId, readingId: reading.id }, 'glucose: forecast not stored; the reading is');
    return null;
  }
}
