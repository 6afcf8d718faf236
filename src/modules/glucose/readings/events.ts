import type { GlucoseServices } from '../services.js';
import type { PlannedReading } from './plan.js';
import { takeForecastSummary } from '../predictions/store.js';

/** Readings measured at least this recently are live: they produce `reading.created` and may raise alerts. */
export const LIVE_WINDOW_MS = 15 * 60_000;

export const readingsTopic = (patientId: string) => `glucose.readings:${patientId}`;

export const liveReadingPayload = (patientId: string, r: PlannedReading & { delta5: number | null }) => ({
  patientId,
  reading: {
    id: r.id, measuredAt: new Date(r.measuredAtMs).toISOString(), value: r.value, source: r.source, direction: r.direction,
    trendRate: r.trendRate, delta5: r.delta5, sensorId: r.sensorId ?? null, flags: r.flags,
  },
  forecast: takeForecastSummary(r.id),
});

/**
 * After the ingest transaction commits: `reading.created` for the newest reading when it is live, one
 * `readings.backfilled` for the others. A failure to publish loses no data (clients refetch by time range),
 * so it is logged, never thrown.
 */
export async function announceStored(svc: GlucoseServices, patientId: string, inserted: PlannedReading[], newest: (PlannedReading & { delta5: number | null }) | undefined, now = Date.now()) {
  if (!newest || inserted.length === 0) return;
  const live = newest.measuredAtMs >= now - LIVE_WINDOW_MS;
  const backfilled = live ? inserted.filter((r) => r !== newest && r.id !== newest.id) : inserted;
  const topic = readingsTopic(patientId);
  try {
    if (backfilled.length > 0) {
      await svc.ctx.realtime.publish(topic, 'readings.backfilled', {
        patientId, from: new Date(backfilled[0].measuredAtMs).toISOString(),
        to: new Date(backfilled[backfilled.length - 1].measuredAtMs).toISOString(), inserted: backfilled.length,
      });
    }
    if (live) await svc.ctx.realtime.publish(topic, 'reading.created', liveReadingPayload(patientId, newest));
  } catch (err) {
    svc.ctx.log.warn({ err, patientId }, 'glucose: reading event not published; clients recover by refetching');
  }
}

export async function announceDeleted(svc: GlucoseServices, patientId: string, readingId: string, measuredAt: Date) {
  try {
    await svc.ctx.realtime.publish(readingsTopic(patientId), 'reading.deleted', { patientId, readingId, measuredAt: measuredAt.toISOString() });
  } catch (err) {
    svc.ctx.log.warn({ err, patientId }, 'glucose: reading.deleted not published');
  }
}
