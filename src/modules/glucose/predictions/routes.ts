import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { badRequest, notFound } from '../../../platform/http/errors.js';
import { decodeCursor, encodeCursor } from '../../../platform/http/pagination.js';
import { patientAccess, patientScope } from '../access/scope.js';
import { recordHealthRead } from '../access/audit.js';
import type { GlucoseServices } from '../services.js';
import { noForecast, PredictionSchema, toPredictionDto, type FeedbackRow } from './model.js';
import { emptySums, metricsOf } from './accuracy.js';

const PatientParams = Type.Object({ patientId: Type.String({ description: 'Patient id, or `me` for a patient' }) });
const PredictionParams = Type.Object({ patientId: Type.String(), predictionId: Type.String({ format: 'uuid' }) });
const Iso = Type.String({ format: 'date-time' });
const DAY_MS = 86_400_000;

const ListQuery = Type.Object({
  from: Type.Optional(Iso), to: Type.Optional(Iso),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
}, { additionalProperties: false });

const FeedbackBody = Type.Object({
  outcome: Type.Union(['accurate', 'too_high', 'too_low', 'missed_event', 'false_alarm'].map((v) => Type.Literal(v))),
  userAction: Type.Union(['none', 'took_carbs', 'took_insulin', 'exercised', 'other'].map((v) => Type.Literal(v))),
  notes: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });

const AccuracyQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date', description: 'Local date, default 28 days before `to`' })),
  to: Type.Optional(Type.String({ format: 'date', description: 'Local date, default today (UTC)' })),
  model: Type.Optional(Type.Union([Type.Literal('ar2'), Type.Literal('physio'), Type.Literal('external')])),
  horizon: Type.Optional(Type.Union([Type.Literal(30), Type.Literal(60)])),
}, { additionalProperties: false });

const Metrics = Type.Object({
  model: Type.String(), horizon: Type.Integer(), n: Type.Integer(),
  rmse: Type.Union([Type.Number(), Type.Null()]), mae: Type.Union([Type.Number(), Type.Null()]),
  mardPct: Type.Union([Type.Number(), Type.Null()]), bias: Type.Union([Type.Number(), Type.Null()]),
  clarke: Type.Object({
    aPct: Type.Union([Type.Number(), Type.Null()]), bPct: Type.Union([Type.Number(), Type.Null()]), cPct: Type.Union([Type.Number(), Type.Null()]),
    dPct: Type.Union([Type.Number(), Type.Null()]), ePct: Type.Union([Type.Number(), Type.Null()]),
  }),
});
const Accuracy = Type.Object({
  patientId: Type.String(), from: Type.String(), to: Type.String(),
  items: Type.Array(Metrics),
  feedback: Type.Record(Type.String(), Type.Integer(), { description: 'Feedback count per outcome over the period' }),
});

const predictionNotFound = () => notFound('prediction_not_found', 'No such prediction for this patient.');

async function feedbackOf(svc: GlucoseServices, predictionIds: string[]) {
  if (predictionIds.length === 0) return new Map<string, FeedbackRow[]>();
  const rows = await svc.ctx.db.selectFrom('glucose.prediction_feedback').select(['prediction_id', 'user_id', 'outcome', 'user_action', 'notes', 'updated_at'])
    .where('prediction_id', 'in', predictionIds).orderBy('updated_at').execute();
  const out = new Map<string, FeedbackRow[]>();
  for (const r of rows) out.set(r.prediction_id, [...(out.get(r.prediction_id) ?? []), r]);
  return out;
}

export default async function predictionRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const tags = ['glucose predictions'];

  app.get('/patients/:patientId/predictions/current', {
    schema: {
      tags, summary: 'The forecast made from the latest CGM reading: 30/60-min values, probabilities, trajectory per model',
      description: 'Never 404 for no data: `primaryModel` null and `fallbackReason: insufficient_data` when the latest CGM reading has no forecast.',
      params: PatientParams, response: { 200: PredictionSchema, ...problemResponses(401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const row = await ctx.db.selectFrom('glucose.predictions').selectAll().where('patient_id', '=', access.patientId)
      .where('base_time', '>=', sql<Date>`coalesce((select last_cgm_at from glucose.latest_readings where patient_id = ${access.patientId}), 'infinity'::timestamptz)`)
      .orderBy('base_time', 'desc').limit(1).executeTakeFirst();
    await recordHealthRead(ctx.db, req, access, 'predictions.current', { predictionId: row?.id ?? null });
    if (!row) return noForecast();
    return toPredictionDto(row, (await feedbackOf(svc, [row.id])).get(row.id));
  });

  app.get('/patients/:patientId/predictions', {
    schema: {
      tags, summary: 'Stored forecasts, newest first, with their actual values once evaluated and feedback',
      description: 'Defaults: the last 24 h; `to − from` ≤ 90 days (forecasts are kept 90 days).',
      params: PatientParams, querystring: ListQuery,
      response: { 200: Type.Object({ items: Type.Array(PredictionSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...problemResponses(400, 401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const to = req.query.to ? new Date(req.query.to) : new Date();
    const from = req.query.from ? new Date(req.query.from) : new Date(to.getTime() - DAY_MS);
    if (from >= to) throw badRequest('invalid_range', '`from` must be before `to`.', [{ path: 'query.from', message: 'must be before to' }]);
    if (to.getTime() - from.getTime() > 90 * DAY_MS) throw badRequest('range_too_large', 'Ask for at most 90 days at a time.', [{ path: 'query.from', message: 'at most 90 days before to' }]);
    const position = decodeCursor(req.query.cursor);
    if (position && (typeof position[0] !== 'string' || typeof position[1] !== 'string' || Number.isNaN(Date.parse(position[0])))) {
      throw badRequest('invalid_cursor', 'The cursor is not one this API returned; start again without it.', [{ path: 'query.cursor', message: 'is invalid' }]);
    }
    let q = ctx.db.selectFrom('glucose.predictions').selectAll().where('patient_id', '=', access.patientId)
      .where('base_time', '>=', from).where('base_time', '<=', to);
    if (position) {
      const [t, id] = position as [string, string];
      q = q.where((eb) => eb.or([eb('base_time', '<', new Date(t)), eb.and([eb('base_time', '=', new Date(t)), eb('id', '<', id)])]));
    }
    const rows = await q.orderBy('base_time', 'desc').orderBy('id', 'desc').limit(req.query.limit + 1).execute();
    const page = rows.slice(0, req.query.limit);
    const feedback = await feedbackOf(svc, page.map((r) => r.id));
    await recordHealthRead(ctx.db, req, access, 'predictions', { from: from.toISOString(), to: to.toISOString(), items: page.length });
    const last = page[page.length - 1];
    return {
      items: page.map((r) => toPredictionDto(r, feedback.get(r.id))),
      nextCursor: rows.length > req.query.limit && last ? encodeCursor([new Date(last.base_time).toISOString(), last.id]) : null,
    };
  });

  app.post('/patients/:patientId/predictions/:predictionId/feedback', {
    schema: {
      tags, summary: 'Say how a forecast turned out (one per user and prediction; a second call replaces the first)',
      params: PredictionParams, body: FeedbackBody, response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: patientScope(ctx, ['patient', 'caregiver', 'admin']),
  }, async (req, reply) => {
    const access = patientAccess(req);
    const user = authenticatedUser(req);
    await ctx.db.transaction().execute(async (tx) => {
      const prediction = await tx.selectFrom('glucose.predictions').select('id').where('patient_id', '=', access.patientId)
        .where('id', '=', req.params.predictionId).executeTakeFirst();
      if (!prediction) throw predictionNotFound();
      const { outcome, userAction, notes } = req.body;
      await tx.insertInto('glucose.prediction_feedback').values({
        prediction_id: prediction.id, patient_id: access.patientId, user_id: user.id, outcome, user_action: userAction, notes: notes ?? null,
      }).onConflict((oc) => oc.columns(['prediction_id', 'user_id']).doUpdateSet({ outcome, user_action: userAction, notes: notes ?? null, updated_at: new Date() })).execute();
      await recordAudit(tx, actorOf(req), {
        action: 'glucose.prediction_feedback.recorded', entity: 'glucose.prediction', entityId: prediction.id,
        diff: { patientId: access.patientId, role: access.as, outcome, userAction },
      });
    });
    return reply.code(204).send(null);
  });

  app.get('/patients/:patientId/predictions/accuracy', {
    schema: {
      tags, summary: 'Forecast accuracy per model and horizon: RMSE, MAE, MARD, bias, Clarke zones, and feedback counts',
      description: 'From the daily sums the evaluation job keeps (§5.11); local dates, at most 2 years.',
      params: PatientParams, querystring: AccuracyQuery, response: { 200: Accuracy, ...problemResponses(400, 401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const to = req.query.to ?? new Date().toISOString().slice(0, 10);
    const from = req.query.from ?? new Date(Date.parse(to) - 28 * DAY_MS).toISOString().slice(0, 10);
    if (from > to) throw badRequest('invalid_range', '`from` must not be after `to`.', [{ path: 'query.from', message: 'must not be after to' }]);
    if (Date.parse(to) - Date.parse(from) > 731 * DAY_MS) throw badRequest('range_too_large', 'Ask for at most two years.', [{ path: 'query.from', message: 'at most 2 years before to' }]);
    let q = ctx.db.selectFrom('glucose.prediction_accuracy_daily')
      .select((eb) => ['model', 'horizon', eb.fn.sum<string>('n').as('n'), eb.fn.sum<number>('sum_sq_err').as('sq'), eb.fn.sum<number>('sum_abs_err').as('abs'),
        eb.fn.sum<number>('sum_abs_rel_err').as('rel'), eb.fn.sum<number>('sum_err').as('err'), eb.fn.sum<string>('zone_a').as('a'), eb.fn.sum<string>('zone_b').as('b'),
        eb.fn.sum<string>('zone_c').as('c'), eb.fn.sum<string>('zone_d').as('d'), eb.fn.sum<string>('zone_e').as('e')])
      .where('patient_id', '=', access.patientId).where('local_date', '>=', from).where('local_date', '<=', to);
    if (req.query.model) q = q.where('model', '=', req.query.model);
    if (req.query.horizon) q = q.where('horizon', '=', req.query.horizon);
    const rows = await q.groupBy(['model', 'horizon']).orderBy('model').orderBy('horizon').execute();
    const feedback = await ctx.db.selectFrom('glucose.prediction_feedback').select((eb) => ['outcome', eb.fn.countAll<string>().as('n')])
      .where('patient_id', '=', access.patientId)
      .where('created_at', '>=', new Date(`${from}T00:00:00Z`)).where('created_at', '<', new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS))
      .groupBy('outcome').execute();
    await recordHealthRead(ctx.db, req, access, 'predictions.accuracy', { from, to, model: req.query.model ?? null, horizon: req.query.horizon ?? null });
    return {
      patientId: access.patientId, from, to,
      items: rows.map((r) => {
        const s = emptySums();
        Object.assign(s, { n: Number(r.n), sumSqErr: Number(r.sq), sumAbsErr: Number(r.abs), sumAbsRelErr: Number(r.rel), sumErr: Number(r.err) });
        s.zones = { A: Number(r.a), B: Number(r.b), C: Number(r.c), D: Number(r.d), E: Number(r.e) };
        return { model: r.model, horizon: r.horizon, ...metricsOf(s) };
      }),
      feedback: Object.fromEntries(['accurate', 'too_high', 'too_low', 'missed_event', 'false_alarm'].map((o) => [o, Number(feedback.find((f) => f.outcome === o)?.n ?? 0)])),
    };
  });
}
