import { Type } from 'typebox';
import { sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { App, ModuleContext } from '../../../platform/types.js';
import type { Tx } from '../../../platform/db/transaction.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { conflict, forbidden, unprocessable } from '../../../platform/http/errors.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { idCursor, toPage } from '../../../platform/http/pagination.js';
import { insertRow, listRows, mustFind, updateRow, type ApiRow } from '../http/resource.js';
import { DateOnly, Id, IdParams, PageQuery, Record_, RecordPage, Version } from '../http/schemas.js';
import { READ, WRITE, MANAGE } from '../http/roles.js';
import { ENGINE_VERSION } from '../scoring/params.js';
import type { ScoringEngine } from '../engine/engine.js';
import { activeParams, loadFactorSet } from '../reference/store.js';
import { assessments } from './model.js';
import { WeightsInput, resolveWeights } from './weights.js';
import { scoreAssessment, type AssessmentRow, type Item } from './pipeline.js';
import { comparison, loadItems, tradeoff } from './analysis.js';
import profileRoutes, { profileWeights } from './profiles.js';
import { publish } from '../events.js';

const tags = ['sourcing assessments'];
const Ranking = Type.Union([Type.Literal('topsis'), Type.Literal('weighted_sum')]);
const Fields = {
  title: Type.String({ minLength: 1, maxLength: 200 }), materialId: Id, destinationId: Type.Optional(Type.Union([Id, Type.Null()])),
  annualQuantity: Type.Number(), assessmentDate: Type.Optional(DateOnly), offerIds: Type.Array(Id, { minItems: 1, maxItems: 1000, uniqueItems: true }),
  weights: Type.Optional(WeightsInput), weightProfileId: Type.Optional(Id), rankingMethod: Type.Optional(Ranking), factorSetId: Type.Optional(Id), fxAsOf: Type.Optional(DateOnly),
  notes: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
};
const Create = Type.Object(Fields, { additionalProperties: false });
const Patch = Type.Object({ ...Type.Partial(Create).properties, version: Version }, { additionalProperties: false });

const isManager = (req: FastifyRequest) => authenticatedUser(req).roles.includes('manager');

async function checkOffers(tx: Tx, materialId: string, offerIds: string[]) {
  const { rows } = await sql<{ id: string; material_id: string; status: string }>`
    select o.id, o.material_id, s.status from sourcing.offers o join sourcing.suppliers s on s.id = o.supplier_id where o.id = any(${offerIds}::uuid[])`.execute(tx);
  const found = new Map(rows.map((r) => [r.id, r]));
  const errors = offerIds.flatMap((id, i) => (found.has(id) ? [] : [{ path: `body.offerIds.${i}`, message: 'unknown offer' }]));
  if (errors.length) throw unprocessable('unknown_offer', 'Some offers do not exist.', errors);
  const wrong = offerIds.flatMap((id, i) => (found.get(id)!.material_id !== materialId ? [{ path: `body.offerIds.${i}`, message: 'is for another material' }] : []));
  if (wrong.length) throw unprocessable('offer_material_mismatch', 'Every offer must be for the assessed material.', wrong);
  const blocked = offerIds.flatMap((id, i) => (['blocked', 'archived'].includes(found.get(id)!.status) ? [{ path: `body.offerIds.${i}`, message: `supplier ${found.get(id)!.status}` }] : []));
  if (blocked.length) throw unprocessable('supplier_not_active', 'Offers of blocked or archived suppliers cannot be assessed.', blocked);
}

export async function writeItems(tx: Tx, id: string, items: Item[]) {
  await sql`delete from sourcing.assessment_items where assessment_id = ${id}`.execute(tx);
  for (const i of items) {
    await sql`insert into sourcing.assessment_items (assessment_id, offer_id, supplier_id, included, exclusion_reason, inputs, economic, quality, environmental,
        economic_score, quality_score, environmental_score, weighted_score, closeness, rank, warnings, completeness_pct)
      values (${id}, ${i.offerId}, ${i.supplierId}, ${i.included}, ${i.exclusionReason}, ${JSON.stringify(i.inputs)}, ${i.economic && JSON.stringify(i.economic)},
        ${i.quality && JSON.stringify(i.quality)}, ${i.environmental && JSON.stringify(i.environmental)}, ${i.economicScore}, ${i.qualityScore}, ${i.environmentalScore},
        ${i.weightedScore}, ${i.closeness}, ${i.rank}, ${i.warnings}, ${i.completenessPct})`.execute(tx);
  }
}

export default async function assessmentRoutes(app: App, ctx: ModuleContext, engine: ScoringEngine) {
  const { db } = ctx;
  await profileRoutes(app, ctx);

  const view = async (a: ApiRow) => {
    const { rows } = await sql<{ offers: number; items: number; included: number }>`select
      (select count(*)::int from sourcing.assessment_offers where assessment_id = ${a.id}) as offers,
      (select count(*)::int from sourcing.assessment_items where assessment_id = ${a.id}) as items,
      (select count(*)::int from sourcing.assessment_items where assessment_id = ${a.id} and included) as included`.execute(db);
    const offerIds = (await sql<{ offer_id: string }>`select offer_id from sourcing.assessment_offers where assessment_id = ${a.id} order by offer_id`.execute(db)).rows.map((r) => r.offer_id);
    return { ...a, offerIds, counts: rows[0] };
  };

  /** Creator or manager may act on a draft/scored assessment; approved ones are locked. */
  const editable = (req: FastifyRequest, a: ApiRow) => {
    if (a.status === 'approved') throw conflict('assessment_locked', 'An approved assessment cannot change.');
    if (a.status !== 'draft' && a.status !== 'scored') throw conflict('invalid_transition', `A ${a.status} assessment cannot be edited or scored.`);
    if (a.createdBy !== authenticatedUser(req).id && !isManager(req)) throw forbidden('not_creator', 'Only its creator or a manager may change this assessment.');
  };

  app.get('/assessments', {
    schema: {
      tags, summary: 'Assessments',
      querystring: Type.Object({ ...PageQuery.properties, materialId: Type.Optional(Id), status: Type.Optional(Type.String({ maxLength: 20 })), createdBy: Type.Optional(Id), from: Type.Optional(DateOnly), to: Type.Optional(DateOnly), q: Type.Optional(Type.String({ maxLength: 200 })) }),
      response: { 200: RecordPage, ...problemResponses(400, 401, 403) },
    },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    const { materialId, status, createdBy, from, to, q, limit, cursor } = req.query;
    const where = [];
    if (materialId) where.push(sql`t.material_id = ${materialId}`);
    if (status) where.push(sql`t.status = ${status}`);
    if (createdBy) where.push(sql`t.created_by = ${createdBy}`);
    if (from) where.push(sql`t.assessment_date >= ${from}`);
    if (to) where.push(sql`t.assessment_date <= ${to}`);
    if (q) where.push(sql`t.title ilike ${`%${q.replace(/[%_\\]/g, '\\$&')}%`}`);
    return toPage(await listRows(db, assessments, where, idCursor(cursor), limit), limit, (r) => [r.id]);
  });

  app.post('/assessments', {
    schema: { tags, summary: 'Create a draft assessment of offers for one material', body: Create, response: { 201: Record_, ...problemResponses(400, 401, 403, 404, 422) } },
    preHandler: app.requireRole(...WRITE),
    config: { idempotent: true },
  }, async (req, reply) => {
    const b = req.body;
    if (!(b.annualQuantity > 0)) throw unprocessable('invalid_values', 'The annual quantity is above 0.', [{ path: 'body.annualQuantity', message: 'must be above 0' }]);
    const me = authenticatedUser(req);
    const created = await db.transaction().execute(async (tx) => {
      const weights = b.weights ? resolveWeights(b.weights) : await profileWeights(tx, me.id, b.weightProfileId);
      await checkOffers(tx, b.materialId, b.offerIds);
      const set = await loadFactorSet(tx, b.factorSetId);
      const { version } = await activeParams(tx);
      const date = b.assessmentDate ?? new Date().toISOString().slice(0, 10);
      const a = await insertRow(tx, req, assessments, {
        title: b.title, materialId: b.materialId, destinationId: b.destinationId ?? null, annualQuantity: b.annualQuantity, assessmentDate: date,
        rankingMethod: b.rankingMethod ?? 'topsis', weights, weightProfileId: b.weights ? null : (b.weightProfileId ?? null), factorSetId: set.id, parametersVersion: version, fxAsOf: b.fxAsOf ?? date, notes: b.notes ?? null,
      }, { createdBy: me.id });
      for (const id of b.offerIds) await sql`insert into sourcing.assessment_offers (assessment_id, offer_id) values (${a.id}, ${id})`.execute(tx);
      return a;
    });
    return reply.code(201).send(await view(created));
  });

  app.get('/assessments/:id', {
    schema: { tags, summary: 'An assessment with its weights snapshot, status, stale flag and counts', params: IdParams, response: { 200: Record_, ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => view(await mustFind(db, assessments, req.params.id)));

  const edit = async (req: any) => {
    const { version, offerIds, weights, ...body } = req.body as Record<string, any>;
    await db.transaction().execute(async (tx) => {
      const a = await mustFind(tx, assessments, req.params.id, true);
      editable(req, a);
      if (body.annualQuantity !== undefined && !(body.annualQuantity > 0)) throw unprocessable('invalid_values', 'The annual quantity is above 0.', [{ path: 'body.annualQuantity', message: 'must be above 0' }]);
      if (offerIds || body.materialId) await checkOffers(tx, body.materialId ?? a.materialId, offerIds ?? (await sql<{ offer_id: string }>`select offer_id from sourcing.assessment_offers where assessment_id = ${a.id}`.execute(tx)).rows.map((r) => r.offer_id));
      if (body.factorSetId) await loadFactorSet(tx, body.factorSetId);
      const extra: Record<string, unknown> = { status: 'draft', scoredAt: null, stale: false };
      if (weights) extra.weights = resolveWeights(weights);
      else if (body.weightProfileId) extra.weights = await profileWeights(tx, authenticatedUser(req).id, body.weightProfileId);
      await updateRow(tx, req, assessments, a.id, version, body, extra);
      if (offerIds) {
        await sql`delete from sourcing.assessment_offers where assessment_id = ${a.id}`.execute(tx);
        for (const id of offerIds) await sql`insert into sourcing.assessment_offers (assessment_id, offer_id) values (${a.id}, ${id})`.execute(tx);
      }
      await sql`delete from sourcing.assessment_items where assessment_id = ${a.id}`.execute(tx);
    });
    return view(await mustFind(db, assessments, req.params.id));
  };
  app.patch('/assessments/:id', {
    schema: { tags, summary: 'Change a draft or scored assessment (with version); results are cleared', params: IdParams, body: Patch, response: { 200: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req) => edit(req));
  app.put('/assessments/:id', {
    schema: { tags, summary: 'Replace a draft or scored assessment (with version); results are cleared', params: IdParams, body: Type.Object({ ...Fields, version: Version }, { additionalProperties: false }), response: { 200: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req) => edit(req));

  app.delete('/assessments/:id', {
    schema: { tags, summary: 'Delete a draft (otherwise archive it)', params: IdParams, response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req, reply) => {
    await db.transaction().execute(async (tx) => {
      const a = await mustFind(tx, assessments, req.params.id, true);
      if (a.status !== 'draft') throw conflict('assessment_not_draft', 'Only a draft is deleted; archive this assessment instead.');
      editable(req, a);
      await sql`delete from sourcing.assessments where id = ${a.id}`.execute(tx);
      await recordAudit(tx, actorOf(req), { action: 'sourcing.assessment.deleted', entity: 'sourcing.assessment', entityId: a.id, diff: { title: a.title } });
    });
    return reply.code(204).send(null);
  });

  app.post('/assessments/:id/score', {
    schema: { tags, summary: 'Score: read every input, score the pillars (in process or remote), rank, store items; any failure leaves the assessment unchanged', params: IdParams, response: { 200: Type.Object({ assessment: Record_, items: Type.Array(Type.Object({}, { additionalProperties: true })) }), ...problemResponses(401, 403, 404, 409, 422, 502, 503) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req) => {
    const before = await mustFind(db, assessments, req.params.id);
    editable(req, before);
    const { rows } = await sql<AssessmentRow>`select id, material_id, annual_quantity, assessment_date::text as assessment_date, fx_as_of::text as fx_as_of, factor_set_id,
      parameters_version, ranking_method, weights from sourcing.assessments where id = ${before.id}`.execute(db);
    // A stale assessment takes the active factor set and parameters when re-scored.
    const row = rows[0]!;
    if (before.stale) {
      row.factor_set_id = (await loadFactorSet(db)).id;
      row.parameters_version = (await activeParams(db)).version;
    }
    const { items } = await scoreAssessment(db, engine, row);
    await db.transaction().execute(async (tx) => {
      const now = await mustFind(tx, assessments, before.id, true);
      if (now.version !== before.version) throw conflict('version_conflict', 'The assessment changed while it was scored; score it again.');
      await writeItems(tx, before.id, items);
      await updateRow(tx, req, assessments, before.id, null, {}, {
        status: 'scored', scoredAt: new Date().toISOString(), engineVersion: ENGINE_VERSION, stale: false, factorSetId: row.factor_set_id, parametersVersion: row.parameters_version,
      }, 'scored');
    });
    const scoredItems = await loadItems(db, before.id, false);
    const scored = await view(await mustFind(db, assessments, before.id));
    await publish(ctx, `sourcing.assessment:${before.id}`, 'assessment.scored', { id: before.id, scoredAt: (scored as Record<string, unknown>).scoredAt, topOfferId: scoredItems[0]?.offerId ?? null });
    return { assessment: scored, items: scoredItems };
  });

  const transition = (name: string, summary: string, roles: typeof READ, body: any, act: (tx: Tx, req: any, a: ApiRow) => Promise<Record<string, unknown>>) =>
    app.post(`/assessments/:id/${name}`, {
      schema: { tags, summary, params: IdParams, body, response: { 200: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
      preHandler: app.requireRole(...roles),
    }, async (req) => {
      await db.transaction().execute(async (tx) => {
        const a = await mustFind(tx, assessments, (req.params as { id: string }).id, true);
        const after = await updateRow(tx, req, assessments, a.id, null, {}, await act(tx, req, a), name === 'return' ? 'returned' : `${name}${name.endsWith('e') ? 'd' : 'ted'}`);
        const data = { title: after.title as string, id: a.id, status: after.status as string, comment: (after.returnComment as string | null) ?? undefined };
        const at = (after.status === 'submitted' ? after.submittedAt : after.status === 'approved' ? after.approvedAt : after.updatedAt) as string;
        // Outbox rows in the same transaction: the message leaves only if the change commits (spec §8).
        if (after.status === 'submitted') {
          const managers = await sql<{ user_id: string }>`select user_id from platform.user_roles where role = 'manager' and user_id <> ${a.createdBy as string}`.execute(tx);
          if (managers.rows.length) await ctx.notify.send({ to: managers.rows.map((m) => ({ userId: m.user_id })), template: 'sourcing.assessment_status', data, dedupKey: `src:asmt:${a.id}:submitted:${at}` }, { db: tx });
        } else if (name === 'approve' || name === 'return') {
          await ctx.notify.send({ to: { userId: a.createdBy as string }, template: 'sourcing.assessment_status', data, dedupKey: `src:asmt:${a.id}:${after.status}:${at}` }, { db: tx });
        }
      });
      const result = await view(await mustFind(db, assessments, (req.params as { id: string }).id));
      await publish(ctx, `sourcing.assessment:${result.id}`, 'assessment.status_changed', { id: result.id, status: (result as Record<string, unknown>).status });
      return result;
    });
  const Empty = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]);

  transition('submit', 'Submit a scored assessment for approval', WRITE, Empty, async (_tx, req, a) => {
    if (a.status !== 'scored') throw conflict('invalid_transition', `A ${a.status} assessment cannot be submitted.`);
    if (a.stale) throw conflict('assessment_stale', 'Reference data changed since scoring; score again before submitting.');
    if (a.createdBy !== authenticatedUser(req).id && !isManager(req)) throw forbidden('not_creator', 'Only its creator or a manager may submit it.');
    return { status: 'submitted', submittedAt: new Date().toISOString() };
  });
  transition('approve', 'Approve a submitted assessment (manager, not its creator)', MANAGE, Empty, async (_tx, req, a) => {
    if (a.status === 'approved') throw conflict('assessment_locked', 'Already approved.');
    if (a.status !== 'submitted') throw conflict('invalid_transition', `A ${a.status} assessment cannot be approved.`);
    if (a.createdBy === authenticatedUser(req).id) throw forbidden('self_approval_forbidden', 'You cannot approve an assessment you created.');
    const review = new Date();
    review.setUTCMonth(review.getUTCMonth() + 12);
    return { status: 'approved', approvedAt: new Date().toISOString(), approvedBy: authenticatedUser(req).id, nextReviewOn: review.toISOString().slice(0, 10) };
  });
  transition('return', 'Return a submitted assessment with a comment (manager)', MANAGE,
    Type.Object({ comment: Type.String({ maxLength: 2000 }) }, { additionalProperties: false }), async (_tx, req, a) => {
      if (a.status !== 'submitted') throw conflict('invalid_transition', `A ${a.status} assessment cannot be returned.`);
      if (!req.body.comment.trim()) throw unprocessable('comment_required', 'Say why the assessment is returned.', [{ path: 'body.comment', message: 'is required' }]);
      return { status: 'scored', returnComment: req.body.comment };
    });
  transition('archive', 'Archive (creator for draft/scored; manager for any)', WRITE, Empty, async (_tx, req, a) => {
    if (a.status === 'archived') throw conflict('invalid_transition', 'Already archived.');
    const own = a.createdBy === authenticatedUser(req).id;
    if (!isManager(req) && !(own && (a.status === 'draft' || a.status === 'scored'))) throw forbidden('forbidden', 'Only a manager archives this assessment.');
    return { status: 'archived' };
  });

  app.get('/assessments/:id/results', {
    schema: { tags, summary: 'Ranked results with pillars, eleven sub-scores, TCO and emission breakdowns', params: IdParams, querystring: Type.Object({ include: Type.Optional(Type.Literal('excluded')) }), response: { 200: Type.Object({ items: Type.Array(Type.Object({}, { additionalProperties: true })) }), ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    await mustFind(db, assessments, req.params.id);
    return { items: await loadItems(db, req.params.id, req.query.include === 'excluded') };
  });

  app.get('/assessments/:id/comparison', {
    schema: { tags, summary: 'The twelve comparison axes of §5.6.4 for 2–6 offers; missing values are null', params: IdParams, querystring: Type.Object({ offerIds: Type.String({ maxLength: 300 }) }), response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses(400, 401, 403, 404, 422) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    const a = await mustFind(db, assessments, req.params.id);
    const ids = req.query.offerIds.split(',').filter(Boolean);
    if (ids.length < 2 || ids.length > 6) throw unprocessable('invalid_values', 'Compare 2 to 6 offers.', [{ path: 'query.offerIds', message: '2 to 6 ids' }]);
    return comparison(db, a, ids);
  });

  app.get('/assessments/:id/export.csv', {
    schema: { tags, summary: 'Results as CSV: one row per offer with every sub-score and the TCO breakdown', params: IdParams, produces: ['text/csv'], response: { 200: Type.String(), ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...READ),
  }, async (req, reply) => {
    await mustFind(db, assessments, req.params.id);
    const items = await loadItems(db, req.params.id, true);
    const subKeys = ['tco', 'certification', 'defects', 'otif', 'audit', 'leadTimeStability', 'transport', 'envCertifications', 'packaging', 'origin', 'renewable'];
    const costKeys = ['price', 'freight', 'duty', 'carrying', 'quality', 'expedite', 'admin', 'risk', 'other'];
    const cell = (v: unknown) => {
      const text = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(' ') : String(v);
      // A leading =, +, - or @ would run as a formula in a spreadsheet.
      const safe = /^[=+\-@]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
      return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
    };
    const header = ['offerId', 'supplierName', 'siteName', 'included', 'exclusionReason', 'rank', 'closeness', 'weightedScore', 'economicScore', 'qualityScore', 'environmentalScore',
      ...subKeys.map((k) => `sub.${k}`), 'tcoPerUnit', 'annualTco', ...costKeys.map((k) => `tco.${k}`), 'kgCo2ePerUnit', 'annualKgCo2e', 'capacityCoveragePct', 'completenessPct', 'warnings'];
    const lines = items.map((i) => [i.offerId, i.supplierName, i.siteName, i.included, i.exclusionReason, i.rank, i.closeness, i.weightedScore, i.pillars.economic, i.pillars.quality, i.pillars.environmental,
      ...subKeys.map((k) => (i.subScores as Record<string, number> | null)?.[k]), i.economic?.tcoPerUnit, i.economic?.annualTco, ...costKeys.map((k) => i.economic?.breakdown?.[k]),
      i.environmental?.kgCo2ePerUnit, i.environmental?.annualKgCo2e, i.capacityCoveragePct, i.completenessPct, i.warnings].map(cell).join(','));
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="assessment-${req.params.id}.csv"`).send([header.join(','), ...lines].join('\n') + '\n');
  });

  app.post('/assessments/:id/tradeoff', {
    schema: {
      tags, summary: 'What-if ranking, sensitivity per pillar, Pareto front and pair metrics with abatement cost (read-only)', params: IdParams,
      body: Type.Union([Type.Object({ weights: Type.Optional(WeightsInput), rankingMethod: Type.Optional(Ranking) }, { additionalProperties: false }), Type.Null()]),
      response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses(400, 401, 403, 404, 409, 422) },
    },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    const a = await mustFind(db, assessments, req.params.id);
    const weights = req.body?.weights ? resolveWeights(req.body.weights) : (a.weights as ReturnType<typeof resolveWeights>);
    return tradeoff(db, a, weights, req.body?.rankingMethod ?? (a.rankingMethod as 'topsis' | 'weighted_sum'));
  });
}
