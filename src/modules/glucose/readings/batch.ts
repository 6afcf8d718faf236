import type { Tx } from '../../../platform/db/transaction.js';
import { recordAudit, type AuditActor } from '../../../platform/audit/writer.js';
import type { GlucoseServices } from '../services.js';
import { uuidV7At } from './ids.js';
import type { IncomingReading, PlannedReading } from './plan.js';
import { ingestTransaction, storeReadings, type StoreOutcome } from './store.js';
import { onReadingsStored } from './hooks.js';
import { announceStored, LIVE_WINDOW_MS } from './events.js';

export interface RejectedItem { index: number; code: string; field: string; message: string }

export interface BatchOptions {
  channel: 'api' | 'nightscout_v1' | 'nightscout_v3';
  app: string | null;
  actor: AuditActor;
  /** Who acts, for the audit diff (`patient`, `admin`, `uploader`). */
  role: string;
  /** Items refused before storage (counted in the batch record). */
  rejected: number;
  /** More work in the same transaction (e.g. sensor error codes from a Nightscout upload). */
  extra?: (tx: Tx) => Promise<void>;
}

export interface BatchOutcome extends StoreOutcome {
  batchId: string;
  inserted: PlannedReading[];
  duplicatesCount: number;
}

/**
 * One upload: dedup and store the readings, record the batch, let alerts look at the newest live reading, write
 * one audit event for the request, commit, then announce. Used by the native bulk endpoint and the Nightscout
 * uploads alike.
 */
export async function ingestBatch(svc: GlucoseServices, patientId: string, incoming: IncomingReading[], options: BatchOptions): Promise<BatchOutcome> {
  const now = Date.now();
  const batchId = uuidV7At(now);
  const times = incoming.map((r) => r.measuredAtMs);
  const span: [number, number] | null = times.length ? [Math.min(...times), Math.max(...times)] : null;
  const outcome = await ingestTransaction(svc, patientId, span, async (tx) => {
    const stored = await storeReadings(tx, patientId, incoming, {
      id: batchId, channel: options.channel, app: options.app, received: incoming.length + options.rejected, rejected: options.rejected,
    });
    await options.extra?.(tx);
    const inserted = stored.toInsert;
    if (stored.newest) {
      await onReadingsStored({ svc, tx, patientId, inserted, newest: stored.newest, live: stored.newest.measuredAtMs >= now - LIVE_WINDOW_MS });
    }
    await recordAudit(tx, options.actor, {
      action: 'glucose.readings.uploaded', entity: 'glucose.upload_batch', entityId: batchId,
      diff: {
        patientId, role: options.role, channel: options.channel, app: options.app, received: incoming.length + options.rejected,
        inserted: inserted.length, duplicates: stored.duplicates.length, rejected: options.rejected,
        from: inserted.length ? new Date(inserted[0].measuredAtMs).toISOString() : null,
        to: inserted.length ? new Date(inserted[inserted.length - 1].measuredAtMs).toISOString() : null,
      },
    });
    return stored;
  });
  await announceStored(svc, patientId, outcome.toInsert, outcome.newest, now);
  return { ...outcome, batchId, inserted: outcome.toInsert, duplicatesCount: outcome.duplicates.length };
}

