import { sql } from 'kysely';
import type { App } from '../../../platform/types.js';
import type { GlucoseServices } from '../services.js';
import { defineExternalModelJobs } from './external.js';
import { evaluatePredictions, EVALUATE_QUEUE } from './evaluate.js';
import predictionRoutes from './routes.js';

const RAW_KEEP_DAYS = 90;
const ACCURACY_KEEP_DAYS = 731;

/** Daily: prediction partitions 3 months ahead, raw forecasts dropped after 90 days, daily accuracy after 2 years (§3.8). */
export async function maintainPredictions(svc: GlucoseServices, now = Date.now()) {
  const { rows: [created] } = await sql<{ n: number }>`select glucose.ensure_prediction_partitions(${new Date(now).toISOString()}::timestamptz, ${new Date(now + 92 * 86_400_000).toISOString()}::timestamptz) as n`.execute(svc.ctx.db);
  const dropped = await sql<{ name: string }>`select glucose.drop_prediction_partitions_before(${new Date(now - RAW_KEEP_DAYS * 86_400_000).toISOString()}::timestamptz) as name`.execute(svc.ctx.db);
  const accuracy = await svc.ctx.db.deleteFrom('glucose.prediction_accuracy_daily')
    .where('local_date', '<', new Date(now - ACCURACY_KEEP_DAYS * 86_400_000).toISOString().slice(0, 10)).executeTakeFirst();
  return { created: created.n, dropped: dropped.rows.length, accuracyDaysDeleted: Number(accuracy.numDeletedRows) };
}

/** Forecasts (§4.10): routes, the evaluation and partition jobs, and the external model when configured. */
export async function registerPredictions(app: App, svc: GlucoseServices) {
  svc.ctx.jobs.define({
    queue: EVALUATE_QUEUE, policy: 'singleton', retryLimit: 3, retryDelay: 10,
    handler: () => evaluatePredictions(svc.ctx.db),
    schedules: [{ cron: '*/5 * * * *', timezone: 'UTC', description: 'Fill actual values at 30/60 min and add errors to prediction_accuracy_daily' }],
  });
  svc.ctx.jobs.define({
    queue: 'glucose.predictions.maintain', policy: 'singleton', retryLimit: 3, retryDelay: 10,
    handler: () => maintainPredictions(svc),
    schedules: [{ cron: '20 3 * * *', timezone: 'UTC', description: 'Prediction partitions 3 months ahead; drop raw forecasts after 90 days' }],
  });
  defineExternalModelJobs(svc);
  app.addHook('onReady', async () => {
    await sql`select glucose.ensure_prediction_partitions(now() - interval '1 month', now() + interval '3 months')`.execute(svc.ctx.db);
  });
  await predictionRoutes(app, svc);
}
