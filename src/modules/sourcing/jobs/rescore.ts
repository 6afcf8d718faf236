import { sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { ModuleContext } from '../../../platform/types.js';
import { mustFind, updateRow } from '../http/resource.js';
import { ENGINE_VERSION } from '../scoring/params.js';
import type { ScoringEngine } from '../engine/engine.js';
import { activeParams, loadFactorSet } from '../reference/store.js';
import { assessments } from '../assessments/model.js';
import { scoreAssessment, type AssessmentRow } from '../assessments/pipeline.js';
import { writeItems } from '../assessments/routes.js';
import { publish } from '../events.js';

/** The job's audit actor: the system, named by the job. */
const system = (jobId: string) => ({ user: undefined, ip: null, id: `job:sourcing.rescore-stale:${jobId}` }) as unknown as FastifyRequest;

/**
 * `sourcing.rescore-stale` (spec §6): re-scores a stale draft or scored assessment with the active factor set and
 * parameters, exactly as POST /assessments/{id}/score does. Skips when it is no longer stale (someone re-scored it,
 * or it was submitted/archived meanwhile); a concurrent edit makes the write give way (version check).
 */
export async function rescoreStale(ctx: Pick<ModuleContext, 'db' | 'realtime' | 'log'>, engine: ScoringEngine, assessmentId: string, jobId = 'manual') {
  const { db } = ctx;
  const before = await mustFind(db, assessments, assessmentId).catch(() => null);
  if (!before || !before.stale || !['draft', 'scored'].includes(before.status as string)) return { skipped: true };
  const { rows } = await sql<AssessmentRow>`select id, material_id, annual_quantity, assessment_date::text as assessment_date, fx_as_of::text as fx_as_of, factor_set_id,
    parameters_version, ranking_method, weights from sourcing.assessments where id = ${assessmentId}`.execute(db);
  const row = rows[0]!;
  row.factor_set_id = (await loadFactorSet(db)).id;
  row.parameters_version = (await activeParams(db)).version;
  const { items } = await scoreAssessment(db, engine, row);
  const written = await db.transaction().execute(async (tx) => {
    const now = await mustFind(tx, assessments, assessmentId, true);
    if (now.version !== before.version || !now.stale) return false;
    await writeItems(tx, assessmentId, items);
    await updateRow(tx, system(jobId), assessments, assessmentId, null, {}, {
      status: 'scored', scoredAt: new Date().toISOString(), engineVersion: ENGINE_VERSION, stale: false, factorSetId: row.factor_set_id, parametersVersion: row.parameters_version,
    }, 'rescored');
    return true;
  });
  if (!written) return { skipped: true };
  const top = items.filter((i) => i.included).sort((a, b) => (a.rank ?? 999) - (b.rank ?? 999))[0];
  await publish(ctx as ModuleContext, `sourcing.assessment:${assessmentId}`, 'assessment.scored', { id: assessmentId, topOfferId: top?.offerId ?? null });
  return { rescored: true, items: items.length };
}

export function defineRescoreJobs(ctx: ModuleContext, engine: ScoringEngine) {
  ctx.jobs.define<{ assessmentId: string }>({
    queue: 'sourcing.rescore-stale',
    retryLimit: 3,
    retryDelay: 30,
    handler: async (job) => rescoreStale(ctx, engine, job.data.assessmentId, job.id),
  });
}
