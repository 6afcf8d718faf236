import { sql } from 'kysely';
import type { GlucoseServices } from '../services.js';
import { retentionHorizonMs } from '../config.js';
import { purgeCareLogs } from '../nutrition/retention.js';

const DEVICE_STATUS_DAYS = 90;

/** Daily: partitions three months ahead; months wholly beyond retention dropped (readings: 10 years, device status: 90 days). */
export async function maintainPartitions(svc: GlucoseServices, now = Date.now()) {
  const ahead = new Date(now + 92 * 86_400_000).toISOString();
  const from = new Date(now).toISOString();
  const { rows } = await sql<{ readings: number; device_status: number }>`
    select glucose.ensure_month_partitions('readings', ${from}::timestamptz, ${ahead}::timestamptz) as readings,
           glucose.ensure_month_partitions('device_status', ${from}::timestamptz, ${ahead}::timestamptz) as device_status`.execute(svc.ctx.db);
  const droppedReadings = await sql<{ name: string }>`select glucose.drop_month_partitions_before('readings', ${new Date(retentionHorizonMs(now)).toISOString()}::timestamptz) as name`.execute(svc.ctx.db);
  const droppedStatus = await sql<{ name: string }>`select glucose.drop_month_partitions_before('device_status', ${new Date(now - DEVICE_STATUS_DAYS * 86_400_000).toISOString()}::timestamptz) as name`.execute(svc.ctx.db);
  if (droppedReadings.rows.length || droppedStatus.rows.length) svc.partitions.forget();
  return { created: rows[0].readings + rows[0].device_status, dropped: droppedReadings.rows.length + droppedStatus.rows.length };
}

/** Daily: upload batches and Nightscout deletion markers are kept 90 days (§3.8). */
export async function purgeExpired(svc: GlucoseServices, now = Date.now()) {
  const before = new Date(now - 90 * 86_400_000);
  const batches = await sql`delete from glucose.upload_batches where received_at < ${before.toISOString()}::timestamptz`.execute(svc.ctx.db);
  const tombstones = await svc.ctx.db.deleteFrom('glucose.ns_tombstones').where('deleted_at', '<', before).executeTakeFirst();
  const careLogs = await purgeCareLogs(svc.ctx.db, now);
  return { uploadBatches: Number(batches.numAffectedRows ?? 0), tombstones: Number(tombstones.numDeletedRows), ...Object.fromEntries(Object.entries(careLogs).filter(([, n]) => n > 0)) };
}

export function defineReadingJobs(svc: GlucoseServices) {
  svc.ctx.jobs.define({
    queue: 'glucose.partitions.maintain',
    policy: 'singleton',
    retryLimit: 3,
    retryDelay: 10,
    handler: async () => maintainPartitions(svc),
    schedules: [{ cron: '15 3 * * *', timezone: 'UTC', description: 'Monthly partitions of readings and device status: 3 months ahead, drop beyond retention' }],
  });
  svc.ctx.jobs.define({
    queue: 'glucose.retention.purge',
    policy: 'singleton',
    retryLimit: 3,
    retryDelay: 10,
    handler: async () => purgeExpired(svc),
    schedules: [{ cron: '30 3 * * *', timezone: 'UTC', description: 'Delete upload batches and Nightscout deletion markers older than 90 days' }],
  });
}
