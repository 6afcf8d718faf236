import type { Tx } from '../../../platform/db/transaction.js';
import type { GlucoseServices } from '../services.js';
import type { PlannedReading } from './plan.js';
import { evaluateInIngest } from '../alerts/evaluate.js';
import { forecastInIngest } from '../predictions/ingest.js';

export interface ReadingsStored {
  svc: GlucoseServices;
  /** The ingest transaction: work done here commits or rolls back with the readings. */
  tx: Tx;
  patientId: string;
  /** Inserted readings, oldest first (duplicates excluded). */
  inserted: PlannedReading[];
  /** The newest inserted reading. */
  newest: PlannedReading & { delta5: number | null };
  /** True when the newest reading is recent enough to evaluate alerts on (measured ≤ 15 minutes ago). */
  live: boolean;
}

/**
 * The one place that reacts to newly stored readings inside their transaction: alert evaluation (§4.3) plugs in
 * here and answers the ids of the alerts it raised (returned to a manual entry as `raisedAlertIds`).
 * Backfill (`live` false) must never raise alerts.
 */
export async function onReadingsStored(event: ReadingsStored): Promise<{ raisedAlertIds: string[] }> {
  if (!event.live) return { raisedAlertIds: [] };
  const r = event.newest;
  const raisedAlertIds = await evaluateInIngest(event.svc, event.tx, event.patientId, {
    id: r.id, value: r.value, source: r.source, flags: r.flags, trendRate: r.trendRate, delta5: r.delta5, measuredAtMs: r.measuredAtMs, direction: r.direction,
  });
  // §4.10: the forecast of a live CGM reading is stored with it (its summary rides on reading.created)
  await forecastInIngest(event.svc, event.tx, event.patientId, r);
  return { raisedAlertIds };
}
