import { sql } from 'kysely';
import type { ModuleContext } from '../../../platform/types.js';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { supplierKpis } from '../quality/kpis.js';

const today = () => new Date().toISOString().slice(0, 10);

/**
 * Recomputes the stored KPIs of one supplier (spec §5.1): all materials together (material null) and each material it
 * has delivered, as of `asOf`, and upserts them. Idempotent: the same deliveries give the same rows.
 */
export async function recomputeSupplierKpis(db: DbOrTx, supplierId: string, asOf = today()) {
  const { rows: mats } = await sql<{ material_id: string }>`select distinct material_id from sourcing.deliveries where supplier_id = ${supplierId}`.execute(db);
  let written = 0;
  for (const materialId of [null, ...mats.map((m) => m.material_id)]) {
    const k = await supplierKpis(db, supplierId, materialId, asOf);
    await sql`insert into sourcing.supplier_kpis (supplier_id, material_id, window_from, window_to, deliveries_count, otd_pct, otif_pct, ppm,
        lead_time_mean_days, lead_time_sd_days, lead_time_cv, computed_at)
      values (${supplierId}, ${materialId}, ${k.window.from}, ${k.window.to}, ${k.deliveriesCount}, ${k.otdPct}, ${k.otifPct}, ${k.ppm},
        ${k.leadTime.meanDays}, ${k.leadTime.sdDays}, ${k.leadTime.cv}, now())
      on conflict (supplier_id, coalesce(material_id, '00000000-0000-0000-0000-000000000000'::uuid)) do update set
        window_from = excluded.window_from, window_to = excluded.window_to, deliveries_count = excluded.deliveries_count, otd_pct = excluded.otd_pct,
        otif_pct = excluded.otif_pct, ppm = excluded.ppm, lead_time_mean_days = excluded.lead_time_mean_days, lead_time_sd_days = excluded.lead_time_sd_days,
        lead_time_cv = excluded.lead_time_cv, computed_at = excluded.computed_at`.execute(db);
    written += 1;
  }
  return written;
}

/** Every non-archived supplier (the nightly run). */
export async function recomputeAllKpis(db: DbOrTx, asOf = today()) {
  const { rows } = await sql<{ id: string }>`select id from sourcing.suppliers where archived_at is null order by id`.execute(db);
  let rowsWritten = 0;
  for (const s of rows) rowsWritten += await recomputeSupplierKpis(db, s.id, asOf);
  return { suppliers: rows.length, rowsWritten };
}

/** Queues a recomputation 60 s from now; further writes meanwhile join the queued one (one queued job per supplier). */
export function queueKpiRecompute(ctx: Pick<ModuleContext, 'jobs'>, supplierId: string, db?: DbOrTx) {
  return ctx.jobs.send('sourcing.recompute-kpis', { supplierId }, { singletonKey: supplierId, startAfter: 60, db });
}

export function defineKpiJobs(ctx: ModuleContext) {
  ctx.jobs.define<{ supplierId?: string }>({
    queue: 'sourcing.recompute-kpis',
    policy: 'short',
    retryLimit: 3,
    retryDelay: 30,
    handler: async (job) => (job.data.supplierId ? { rowsWritten: await recomputeSupplierKpis(ctx.db, job.data.supplierId) } : recomputeAllKpis(ctx.db)),
    schedules: [{ cron: '0 2 * * *', timezone: 'UTC', catchUp: 'run_once', description: 'Delivery KPIs (OTD, OTIF, PPM, lead time) of every supplier, last 12 months' }],
  });
}
