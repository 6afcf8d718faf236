import { sql } from 'kysely';
import type { ModuleContext } from '../../../platform/types.js';
import { servicesOf } from '../routes.js';
import { DEMO_ACCOUNTS } from '../seed/demo.js';
import { forecastOnIngest } from './store.js';
import { evaluatePredictions } from './evaluate.js';

const DEMO_DAYS = 3;

/**
 * Demo forecasts for the demo patient: the forecasts the ingest would have stored for the last three days of her
 * readings had they arrived live, then scored by the evaluation job, so the accuracy page has content on first
 * start. Does nothing when she already has forecasts older than a day.
 */
export async function seedDemoForecasts(ctx: ModuleContext): Promise<void> {
  const patient = await ctx.db.selectFrom('platform.users').select('id').where('email', '=', DEMO_ACCOUNTS.patient.email).executeTakeFirst();
  if (!patient) return;
  const since = new Date(Date.now() - DEMO_DAYS * 86_400_000);
  const existing = await ctx.db.selectFrom('glucose.predictions').select('id').where('patient_id', '=', patient.id)
    .where('base_time', '<', new Date(Date.now() - 86_400_000)).limit(1).executeTakeFirst();
  if (existing) return;
  const { rows } = await sql<{ id: string; measured_at: Date; value: number; trend_rate: number | null; flags: string[] }>`
    select id, measured_at, value_mgdl::float8 as value, trend_rate::float8 as trend_rate, flags from glucose.readings
    where patient_id = ${patient.id} and source = 'cgm' and deleted_at is null and measured_at >= ${since.toISOString()}::timestamptz
    order by measured_at`.execute(ctx.db);
  const svc = servicesOf(ctx);
  for (let i = 0; i < rows.length; i += 200) {
    await ctx.db.transaction().execute(async (tx) => {
      for (const r of rows.slice(i, i + 200)) {
        await forecastOnIngest(svc, tx, patient.id, { id: r.id, measuredAtMs: new Date(r.measured_at).getTime(), value: r.value, source: 'cgm', flags: r.flags, trendRate: r.trend_rate }, { askExternal: false });
      }
    });
  }
  await evaluatePredictions(ctx.db);
}
