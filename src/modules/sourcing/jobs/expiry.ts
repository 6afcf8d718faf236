import { sql } from 'kysely';
import type { ModuleContext } from '../../../platform/types.js';
import { inTransaction, type DbOrTx } from '../../../platform/db/transaction.js';
import { recordAudit } from '../../../platform/audit/writer.js';

/**
 * `sourcing.offer-expiry` (spec §6): active offers whose validity ended before today become expired, and the draft or
 * scored assessments holding them are marked stale. Idempotent: a second run finds nothing to change.
 */
export async function expireOffers(db: DbOrTx, today = new Date().toISOString().slice(0, 10)) {
  return inTransaction(db, async (tx) => {
    const { rows } = await sql<{ id: string }>`update sourcing.offers set status = 'expired', updated_at = now(), version = version + 1
      where status = 'active' and valid_until < ${today} returning id`.execute(tx);
    const ids = rows.map((r) => r.id);
    let stale = 0;
    if (ids.length) {
      const res = await sql`update sourcing.assessments a set stale = true where a.status in ('draft', 'scored') and not a.stale
        and exists (select 1 from sourcing.assessment_offers ao where ao.assessment_id = a.id and ao.offer_id = any(${ids}::uuid[]))`.execute(tx);
      stale = Number(res.numAffectedRows ?? 0);
      await recordAudit(tx, { actorId: null, ip: null, requestId: null }, { action: 'sourcing.offer.expired', entity: 'sourcing.offer', diff: { offerIds: ids } });
    }
    return { expired: ids.length, assessmentsMarkedStale: stale };
  });
}

export function defineSourcingJobs(ctx: ModuleContext) {
  ctx.jobs.define({
    queue: 'sourcing.offer-expiry',
    policy: 'singleton',
    retryLimit: 3,
    retryDelay: 30,
    handler: async () => expireOffers(ctx.db),
    schedules: [{ cron: '15 0 * * *', timezone: 'UTC', catchUp: 'run_once', description: 'Offers past their validity become expired; assessments holding them become stale' }],
  });
}
