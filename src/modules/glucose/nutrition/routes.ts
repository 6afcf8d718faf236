import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../../platform/types.js';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { badRequest, conflict, notFound } from '../../../platform/http/errors.js';
import { patientAccess, patientScope } from '../access/scope.js';
import { recordHealthRead } from '../access/audit.js';
import { patientZone } from '../patients/zone.js';
import type { GlucoseServices } from '../services.js';
import { Enum, Nullable } from '../readings/model.js';
import { addDays, localDate } from '../medications/schedule.js';
import { publishLog } from './events.js';
import { after, page, timeCursor } from './paging.js';
import { ABSORPTION_MINUTES, caloriesOf, defaultAbsorption, insertMeal, macrosOfItems, MEAL_TYPES, mealTypeAt, toMealDto, type MealRow } from './meals.js';
import { computeMealImpact, readingsBetween, scheduleImpact } from './impact.js';

const Iso = Type.String({ format: 'date-time' });
const DateStr = Type.String({ format: 'date' });
const P = Type.Object({ patientId: Type.String() });
const MealP = Type.Object({ patientId: Type.String(), mealId: Type.String({ format: 'uuid' }) });
const Macro = Type.Number({ minimum: 0, maximum: 300 });

export const MealSchema = Type.Object({
  id: Type.String(), patientId: Type.String(), takenAt: Iso, mealType: Type.String(), name: Nullable(Type.String()), carbsG: Type.Number(),
  proteinG: Nullable(Type.Number()), fatG: Nullable(Type.Number()), fiberG: Nullable(Type.Number()), caloriesKcal: Nullable(Type.Integer()),
  absorptionMinutes: Type.Integer(), items: Nullable(Type.Array(Type.Object({ foodItemId: Type.String(), portions: Type.Number() }))), source: Type.String(),
  notes: Nullable(Type.String()), impact: Nullable(Type.Unknown({ description: '{status: computed, baseline, peak, peakAt, timeToPeakMin, rise, delta2h} or {status: insufficient_data, reason}' })),
  impactComputedAt: Nullable(Iso), enteredBy: Nullable(Type.String()), enteredByName: Nullable(Type.String()),
});
const Items = Type.Array(Type.Object({ foodItemId: Type.String({ format: 'uuid' }), portions: Type.Number({ exclusiveMinimum: 0, maximum: 20 }) }, { additionalProperties: false }), { maxItems: 30 });
const MealBody = Type.Object({
  takenAt: Type.Optional(Iso), mealType: Type.Optional(Enum(MEAL_TYPES)), name: Type.Optional(Type.String({ maxLength: 120 })),
  carbsG: Type.Optional(Type.Number({ minimum: 0, maximum: 500, description: 'Required unless items give it' })), proteinG: Type.Optional(Macro), fatG: Type.Optional(Macro), fiberG: Type.Optional(Macro),
  caloriesKcal: Type.Optional(Type.Integer({ minimum: 0, maximum: 5000 })), absorption: Type.Optional(Enum(['fast', 'medium', 'slow'] as const)),
  items: Type.Optional(Items), notes: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });
const MealPatch = Type.Object({
  takenAt: Type.Optional(Iso), mealType: Type.Optional(Enum(MEAL_TYPES)), name: Type.Optional(Nullable(Type.String({ maxLength: 120 }))),
  carbsG: Type.Optional(Type.Number({ minimum: 0, maximum: 500 })), proteinG: Type.Optional(Nullable(Macro)), fatG: Type.Optional(Nullable(Macro)), fiberG: Type.Optional(Nullable(Macro)),
  caloriesKcal: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 5000 }))), absorption: Type.Optional(Enum(['fast', 'medium', 'slow'] as const)),
  notes: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
}, { additionalProperties: false });

const GoalsSchema = Type.Object({
  caloriesKcal: Type.Integer({ minimum: 800, maximum: 5000 }), carbsG: Nullable(Type.Integer({ minimum: 20, maximum: 600 })),
  hydrationGlasses: Type.Integer({ minimum: 1, maximum: 20 }), steps: Type.Integer({ minimum: 1000, maximum: 50000 }), activeMinutes: Type.Integer({ minimum: 5, maximum: 300 }),
});
const DayNutrition = Type.Object({
  date: Type.String(), caloriesKcal: Type.Number(), carbsG: Type.Number(), proteinG: Type.Number(), fatG: Type.Number(), fiberG: Type.Number(),
  hydrationGlasses: Type.Number(), mealsCount: Type.Number(), goals: GoalsSchema,
  progressPct: Type.Object({ calories: Nullable(Type.Number()), carbs: Nullable(Type.Number()), hydration: Nullable(Type.Number()) }),
});
const FoodItem = Type.Object({
  id: Type.String(), name: Type.String(), category: Type.String(), portionLabel: Type.String(), carbsG: Type.Number(), proteinG: Type.Number(), fatG: Type.Number(),
  caloriesKcal: Type.Integer(), giCategory: Type.String(), fastActing: Type.Boolean(), locale: Type.String(),
});
const FoodBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 120 }), category: Type.String({ pattern: '^[a-z_]{2,40}$' }), portionLabel: Type.String({ minLength: 1, maxLength: 60 }),
  carbsG: Type.Number({ minimum: 0, maximum: 500 }), proteinG: Macro, fatG: Macro, caloriesKcal: Type.Integer({ minimum: 0, maximum: 5000 }),
  giCategory: Enum(['low', 'medium', 'high'] as const), fastActing: Type.Boolean(), locale: Type.Optional(Type.String({ pattern: '^[a-z]{2}$' })),
}, { additionalProperties: false });

const mealNotFound = () => notFound('meal_not_found', 'No such meal for this patient.');
const round1 = (x: number) => Math.round(x * 10) / 10;

export async function goalsOf(db: DbOrTx, patientId: string) {
  const g = await db.selectFrom('glucose.goals').selectAll().where('patient_id', '=', patientId).executeTakeFirst();
  return { caloriesKcal: g?.calories_kcal ?? 1800, carbsG: g?.carbs_g ?? null, hydrationGlasses: g?.hydration_glasses ?? 8, steps: g?.steps ?? 8000, activeMinutes: g?.active_minutes ?? 30 };
}

/** Daily nutrition per local date (§4.6) over [from, to]. */
export async function dailyNutrition(db: DbOrTx, patientId: string, zone: string, from: string, to: string) {
  const goals = await goalsOf(db, patientId);
  const { rows } = await sql<{ date: string; calories: number; carbs: number; protein: number; fat: number; fiber: number; meals: number; glasses: number }>`
    with days as (select d::date as day from generate_series(${from}::date, ${to}::date, interval '1 day') d),
    m as (select (taken_at at time zone ${zone})::date as day, sum(coalesce(calories_kcal, 0))::float8 as calories, sum(carbs_g)::float8 as carbs,
            sum(coalesce(protein_g, 0))::float8 as protein, sum(coalesce(fat_g, 0))::float8 as fat, sum(coalesce(fiber_g, 0))::float8 as fiber, count(*)::int as meals
          from glucose.meals where patient_id = ${patientId} and deleted_at is null
            and taken_at >= (${from}::date::timestamp at time zone ${zone}) and taken_at < ((${to}::date + 1)::timestamp at time zone ${zone}) group by 1),
    h as (select (at at time zone ${zone})::date as day, sum(glasses)::int as glasses from glucose.hydration_logs where patient_id = ${patientId}
            and at >= (${from}::date::timestamp at time zone ${zone}) and at < ((${to}::date + 1)::timestamp at time zone ${zone}) group by 1)
    select to_char(days.day, 'YYYY-MM-DD') as date, coalesce(m.calories, 0) as calories, coalesce(m.carbs, 0) as carbs, coalesce(m.protein, 0) as protein,
      coalesce(m.fat, 0) as fat, coalesce(m.fiber, 0) as fiber, coalesce(m.meals, 0) as meals, coalesce(h.glasses, 0) as glasses
    from days left join m on m.day = days.day left join h on h.day = days.day order by days.day`.execute(db);
  const pct = (v: number, goal: number | null) => (goal ? round1((100 * v) / goal) : null);
  return rows.map((r) => ({
    date: r.date, caloriesKcal: round1(r.calories), carbsG: round1(r.carbs), proteinG: round1(r.protein), fatG: round1(r.fat), fiberG: round1(r.fiber),
    hydrationGlasses: r.glasses, mealsCount: r.meals, goals,
    progressPct: { calories: pct(r.calories, goals.caloriesKcal), carbs: pct(r.carbs, goals.carbsG), hydration: pct(r.glasses, goals.hydrationGlasses) },
  }));
}

function checkTakenAt(ms: number, now: number) {
  if (ms > now + 15 * 60_000) throw badRequest('taken_at_in_future', 'takenAt cannot be more than 15 minutes ahead.', [{ path: 'body.takenAt', message: 'must not be more than 15 minutes in the future' }]);
  if (ms < now - 30 * 86_400_000) throw badRequest('taken_at_too_old', 'Meals can be logged up to 30 days back.', [{ path: 'body.takenAt', message: 'must be within the last 30 days' }]);
}

export default async function nutritionRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const { db } = ctx;
  const tags = ['glucose nutrition and activity'];
  const readers = patientScope(ctx);
  const loggers = patientScope(ctx, ['patient', 'caregiver', 'admin']);

  app.get('/patients/:patientId/meals', {
    schema: {
      tags, summary: 'Meals in a time range, newest first (default: last 7 days)', params: P,
      querystring: Type.Object({ from: Type.Optional(Iso), to: Type.Optional(Iso), limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }), cursor: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(MealSchema), nextCursor: Nullable(Type.String()) }), ...problemResponses(400, 401, 404) },
    },
    preHandler: readers,
  }, async (req) => {
    const access = patientAccess(req);
    const to = req.query.to ? Date.parse(req.query.to) : Date.now() + 15 * 60_000;
    const from = req.query.from ? Date.parse(req.query.from) : to - 7 * 86_400_000;
    if (from > to) throw badRequest('invalid_range', 'from must be before to.', [{ path: 'query.from', message: 'must be before to' }]);
    const { rows } = await sql<MealRow>`select m.*, u.display_name as entered_by_name from glucose.meals m left join platform.users u on u.id = m.entered_by
      where m.patient_id = ${access.patientId} and m.deleted_at is null and m.taken_at >= ${new Date(from).toISOString()}::timestamptz
        and m.taken_at <= ${new Date(to).toISOString()}::timestamptz ${after('m.taken_at', timeCursor(req.query.cursor), true, 'm.id')}
      order by m.taken_at desc, m.id desc limit ${req.query.limit + 1}`.execute(db);
    await recordHealthRead(db, req, access, 'meals', { from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    const out = page(rows, req.query.limit, (r) => [r.taken_at, r.id]);
    return { items: out.items.map(toMealDto), nextCursor: out.nextCursor };
  });

  app.post('/patients/:patientId/meals', {
    schema: {
      tags, summary: 'Log a meal (patient, caregiver, admin); macros from catalog items fill absent fields; impact computed 2 h 10 min later',
      description: '400 carbs_required, unknown_food_item, taken_at_in_future, taken_at_too_old. Send Idempotency-Key to retry safely.',
      params: P, body: MealBody, response: { 201: MealSchema, ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: loggers, config: { idempotent: true },
  }, async (req, reply) => {
    const access = patientAccess(req);
    const me = authenticatedUser(req);
    const body = req.body;
    const now = Date.now();
    const takenAtMs = body.takenAt ? Date.parse(body.takenAt) : now;
    checkTakenAt(takenAtMs, now);
    const row = await db.transaction().execute(async (tx) => {
      const fromItems = body.items?.length ? await macrosOfItems(tx, body.items) : undefined;
      const carbsG = body.carbsG ?? fromItems?.carbsG;
      if (carbsG === undefined) throw badRequest('carbs_required', 'Give carbsG (or catalog items).', [{ path: 'body.carbsG', message: 'is required' }]);
      if (carbsG > 500) throw badRequest('carbs_out_of_range', 'At most 500 g of carbohydrate per meal.', [{ path: 'body.carbsG', message: 'must be at most 500' }]);
      const zone = await patientZone(tx, access.patientId);
      const proteinG = body.proteinG ?? fromItems?.proteinG ?? null;
      const fatG = body.fatG ?? fromItems?.fatG ?? null;
      const meal = await insertMeal(svc, tx, access.patientId, {
        takenAtMs, mealType: body.mealType ?? mealTypeAt(zone, takenAtMs), name: body.name ?? fromItems?.name ?? null, carbsG, proteinG, fatG,
        fiberG: body.fiberG ?? null, caloriesKcal: body.caloriesKcal ?? (body.carbsG === undefined && body.proteinG === undefined && body.fatG === undefined ? fromItems?.caloriesKcal ?? null : null),
        absorptionMinutes: body.absorption ? ABSORPTION_MINUTES[body.absorption] : await defaultAbsorption(tx, access.patientId),
        items: body.items ?? null, source: 'manual', nsTreatmentId: null, notes: body.notes ?? null, enteredBy: me.id,
      });
      await recordAudit(tx, actorOf(req), { action: 'glucose.meal.created', entity: 'glucose.meal', entityId: meal.id, diff: { patientId: access.patientId, role: access.as, carbsG, takenAt: new Date(takenAtMs).toISOString() } });
      return meal;
    });
    await publishLog(svc, access.patientId, 'log.created', 'meal', row.id, row.taken_at, `${Number(row.carbs_g)} g carbs`);
    return reply.code(201).send(toMealDto(row));
  });

  app.get('/patients/:patientId/meals/:mealId', {
    schema: {
      tags, summary: 'One meal with its glucose impact and the readings from 2 h before to 2 h 15 min after', params: MealP,
      response: { 200: Type.Object({ ...MealSchema.properties, readings: Type.Array(Type.Object({ at: Iso, value: Type.Number() })) }), ...problemResponses(401, 404) },
    },
    preHandler: readers,
  }, async (req) => {
    const access = patientAccess(req);
    const meal = (await sql<MealRow>`select m.*, u.display_name as entered_by_name from glucose.meals m left join platform.users u on u.id = m.entered_by
      where m.id = ${req.params.mealId} and m.patient_id = ${access.patientId} and m.deleted_at is null`.execute(db)).rows[0];
    if (!meal) throw mealNotFound();
    const t = new Date(meal.taken_at).getTime();
    const readings = await readingsBetween(db, access.patientId, t - 120 * 60_000, t + 135 * 60_000);
    await recordHealthRead(db, req, access, 'meals', { mealId: meal.id });
    return { ...toMealDto(meal), readings: readings.map((r) => ({ at: new Date(r.atMs).toISOString(), value: r.value })) };
  });

  app.patch('/patients/:patientId/meals/:mealId', {
    schema: { tags, summary: 'Correct a meal (patient, caregiver, admin); its impact is recomputed', params: MealP, body: MealPatch, response: { 200: MealSchema, ...problemResponses(400, 401, 403, 404) } },
    preHandler: loggers,
  }, async (req) => {
    const access = patientAccess(req);
    const body = req.body;
    const now = Date.now();
    if (body.takenAt) checkTakenAt(Date.parse(body.takenAt), now);
    const row = await db.transaction().execute(async (tx) => {
      const before = await tx.selectFrom('glucose.meals').selectAll().where('id', '=', req.params.mealId).where('patient_id', '=', access.patientId).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
      if (!before) throw mealNotFound();
      const carbs = body.carbsG ?? Number(before.carbs_g);
      const protein = body.proteinG !== undefined ? body.proteinG : before.protein_g === null ? null : Number(before.protein_g);
      const fat = body.fatG !== undefined ? body.fatG : before.fat_g === null ? null : Number(before.fat_g);
      const macrosChanged = body.carbsG !== undefined || body.proteinG !== undefined || body.fatG !== undefined;
      const set: Record<string, unknown> = { updated_at: new Date() };
      if (body.takenAt) set.taken_at = new Date(body.takenAt);
      if (body.mealType) set.meal_type = body.mealType;
      if (body.name !== undefined) set.name = body.name;
      if (body.carbsG !== undefined) set.carbs_g = body.carbsG;
      if (body.proteinG !== undefined) set.protein_g = body.proteinG;
      if (body.fatG !== undefined) set.fat_g = body.fatG;
      if (body.fiberG !== undefined) set.fiber_g = body.fiberG;
      if (body.caloriesKcal !== undefined) set.calories_kcal = body.caloriesKcal ?? caloriesOf(carbs, protein, fat);
      else if (macrosChanged) set.calories_kcal = caloriesOf(carbs, protein, fat);
      if (body.absorption) set.absorption_minutes = ABSORPTION_MINUTES[body.absorption];
      if (body.notes !== undefined) set.notes = body.notes;
      if (body.takenAt) { set.impact = null; set.impact_computed_at = null; }
      await tx.updateTable('glucose.meals').set(set).where('id', '=', before.id).execute();
      const takenAtMs = new Date((set.taken_at as Date | undefined) ?? before.taken_at).getTime();
      if (body.takenAt) {
        if (now >= takenAtMs + 130 * 60_000) await computeMealImpact(tx, before.id, now);
        else await scheduleImpact(svc, tx, before.id, takenAtMs);
      }
      await recordAudit(tx, actorOf(req), { action: 'glucose.meal.updated', entity: 'glucose.meal', entityId: before.id, diff: { patientId: access.patientId, role: access.as, ...body } });
      return (await sql<MealRow>`select * from glucose.meals where id = ${before.id}`.execute(tx)).rows[0];
    });
    return toMealDto(row);
  });

  app.delete('/patients/:patientId/meals/:mealId', {
    schema: { tags, summary: 'Delete a meal (patient, caregiver, admin)', params: MealP, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    preHandler: loggers,
  }, async (req, reply) => {
    const access = patientAccess(req);
    const row = await db.transaction().execute(async (tx) => {
      const r = await tx.updateTable('glucose.meals').set({ deleted_at: new Date() }).where('id', '=', req.params.mealId).where('patient_id', '=', access.patientId)
        .where('deleted_at', 'is', null).returning(['id', 'taken_at']).executeTakeFirst();
      if (!r) throw mealNotFound();
      await recordAudit(tx, actorOf(req), { action: 'glucose.meal.deleted', entity: 'glucose.meal', entityId: r.id, diff: { patientId: access.patientId, role: access.as } });
      return r;
    });
    await publishLog(svc, access.patientId, 'log.deleted', 'meal', row.id, row.taken_at, 'meal deleted');
    return reply.code(204).send(null);
  });

  app.post('/patients/:patientId/hydration', {
    schema: {
      tags, summary: 'Log glasses of water (patient, caregiver, admin)', params: P,
      body: Type.Object({ glasses: Type.Integer({ minimum: 1, maximum: 10 }), at: Type.Optional(Iso) }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Type.String(), at: Iso, glasses: Type.Integer() }), ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: loggers, config: { idempotent: true },
  }, async (req, reply) => {
    const access = patientAccess(req);
    const now = Date.now();
    const at = req.body.at ? Date.parse(req.body.at) : now;
    if (at > now + 15 * 60_000 || at < now - 30 * 86_400_000) throw badRequest('invalid_time', 'at must be within the last 30 days and not in the future.', [{ path: 'body.at', message: 'must be within the last 30 days' }]);
    const row = await db.transaction().execute(async (tx) => {
      const r = await tx.insertInto('glucose.hydration_logs').values({ patient_id: access.patientId, at: new Date(at), glasses: req.body.glasses, entered_by: authenticatedUser(req).id })
        .returning(['id', 'at', 'glasses']).executeTakeFirstOrThrow();
      await recordAudit(tx, actorOf(req), { action: 'glucose.hydration.created', entity: 'glucose.hydration', entityId: r.id, diff: { patientId: access.patientId, role: access.as, glasses: req.body.glasses } });
      return r;
    });
    await publishLog(svc, access.patientId, 'log.created', 'hydration', row.id, row.at, `${row.glasses} glass(es)`);
    return reply.code(201).send({ id: row.id, at: new Date(row.at).toISOString(), glasses: row.glasses });
  });

  app.get('/patients/:patientId/nutrition/daily', {
    schema: {
      tags, summary: 'Daily nutrition vs goals per local date (from/to ≤ 92 days, default the last 7 days); range=7d adds daily averages', params: P,
      querystring: Type.Object({ from: Type.Optional(DateStr), to: Type.Optional(DateStr), range: Type.Optional(Type.Literal('7d')) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          from: Type.String(), to: Type.String(), timezone: Type.String(), days: Type.Array(DayNutrition),
          average: Nullable(Type.Object({ caloriesKcal: Type.Number(), carbsG: Type.Number(), proteinG: Type.Number(), fatG: Type.Number(), fiberG: Type.Number(), hydrationGlasses: Type.Number(), mealsCount: Type.Number() })),
        }), ...problemResponses(400, 401, 404),
      },
    },
    preHandler: readers,
  }, async (req) => {
    const access = patientAccess(req);
    const zone = await patientZone(db, access.patientId);
    const today = localDate(zone, Date.now());
    const to = req.query.range ? today : req.query.to ?? today;
    const from = req.query.range ? addDays(today, -6) : req.query.from ?? addDays(to, -6);
    const span = (Date.parse(to) - Date.parse(from)) / 86_400_000;
    if (span < 0 || span >= 92) throw badRequest('invalid_range', 'from..to must be 1 to 92 days.', [{ path: 'query.from', message: 'must be on or before to, at most 92 days' }]);
    const days = await dailyNutrition(db, access.patientId, zone, from, to);
    const avg = (f: (d: (typeof days)[number]) => number) => round1(days.reduce((s, d) => s + f(d), 0) / days.length);
    await recordHealthRead(db, req, access, 'nutrition', { from, to });
    return {
      from, to, timezone: zone, days,
      average: req.query.range ? {
        caloriesKcal: avg((d) => d.caloriesKcal), carbsG: avg((d) => d.carbsG), proteinG: avg((d) => d.proteinG), fatG: avg((d) => d.fatG),
        fiberG: avg((d) => d.fiberG), hydrationGlasses: avg((d) => d.hydrationGlasses), mealsCount: avg((d) => d.mealsCount),
      } : null,
    };
  });

  app.get('/patients/:patientId/goals', {
    schema: { tags, summary: 'Nutrition and activity goals (defaults when never set)', params: P, response: { 200: GoalsSchema, ...problemResponses(401, 404) } },
    preHandler: readers,
  }, async (req) => goalsOf(db, patientAccess(req).patientId));

  app.put('/patients/:patientId/goals', {
    schema: {
      tags, summary: 'Set goals (patient, clinician, admin)', params: P,
      body: Type.Object({
        caloriesKcal: GoalsSchema.properties.caloriesKcal, carbsG: Type.Optional(GoalsSchema.properties.carbsG), hydrationGlasses: GoalsSchema.properties.hydrationGlasses,
        steps: GoalsSchema.properties.steps, activeMinutes: GoalsSchema.properties.activeMinutes,
      }, { additionalProperties: false }),
      response: { 200: GoalsSchema, ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: patientScope(ctx, ['patient', 'clinician', 'admin']),
  }, async (req) => {
    const access = patientAccess(req);
    const b = req.body;
    const values = { calories_kcal: b.caloriesKcal, carbs_g: b.carbsG ?? null, hydration_glasses: b.hydrationGlasses, steps: b.steps, active_minutes: b.activeMinutes, updated_by: authenticatedUser(req).id, updated_at: new Date() };
    return db.transaction().execute(async (tx) => {
      await tx.insertInto('glucose.goals').values({ patient_id: access.patientId, ...values }).onConflict((oc) => oc.column('patient_id').doUpdateSet(values)).execute();
      await recordAudit(tx, actorOf(req), { action: 'glucose.goals.updated', entity: 'glucose.goals', entityId: access.patientId, diff: { patientId: access.patientId, role: access.as, ...b } });
      return goalsOf(tx, access.patientId);
    });
  });

  const toFood = (f: { id: string; name: string; category: string; portion_label: string; carbs_g: string; protein_g: string; fat_g: string; calories_kcal: number; gi_category: string; fast_acting: boolean; locale: string }) => ({
    id: f.id, name: f.name, category: f.category, portionLabel: f.portion_label, carbsG: Number(f.carbs_g), proteinG: Number(f.protein_g), fatG: Number(f.fat_g),
    caloriesKcal: f.calories_kcal, giCategory: f.gi_category, fastActing: f.fast_acting, locale: f.locale,
  });

  app.get('/food-items', {
    schema: {
      tags, summary: 'Food catalog (any signed-in user)',
      querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 60 })), category: Type.Optional(Type.String({ maxLength: 40 })), limit: Type.Integer({ minimum: 1, maximum: 200, default: 100 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(FoodItem) }), ...problemResponses(400, 401) },
    },
    preHandler: ctx.requireAuth,
  }, async (req) => {
    let q = db.selectFrom('glucose.food_items').selectAll().orderBy('category').orderBy('name').limit(req.query.limit);
    if (req.query.q) q = q.where('name', 'ilike', `%${req.query.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`);
    if (req.query.category) q = q.where('category', '=', req.query.category);
    return { items: (await q.execute()).map(toFood) };
  });

  app.post('/food-items', {
    schema: { tags, summary: 'Add a food item (admin)', body: FoodBody, response: { 201: FoodItem, ...problemResponses(400, 401, 403, 409) } },
    preHandler: ctx.requireRole('admin'),
  }, async (req, reply) => {
    const b = req.body;
    const row = await db.transaction().execute(async (tx) => {
      const dup = await tx.selectFrom('glucose.food_items').select('id').where('locale', '=', b.locale ?? 'en').where('name', '=', b.name).executeTakeFirst();
      if (dup) throw conflict('food_item_exists', 'A food item with this name exists.');
      const r = await tx.insertInto('glucose.food_items').values({
        name: b.name, category: b.category, portion_label: b.portionLabel, carbs_g: b.carbsG, protein_g: b.proteinG, fat_g: b.fatG, calories_kcal: b.caloriesKcal,
        gi_category: b.giCategory, fast_acting: b.fastActing, locale: b.locale ?? 'en',
      }).returningAll().executeTakeFirstOrThrow();
      await recordAudit(tx, actorOf(req), { action: 'glucose.food_item.created', entity: 'glucose.food_item', entityId: r.id, diff: b });
      return r;
    });
    return reply.code(201).send(toFood(row));
  });

  app.put('/food-items/:itemId', {
    schema: { tags, summary: 'Change a food item (admin)', params: Type.Object({ itemId: Type.String({ format: 'uuid' }) }), body: FoodBody, response: { 200: FoodItem, ...problemResponses(400, 401, 403, 404) } },
    preHandler: ctx.requireRole('admin'),
  }, async (req) => {
    const b = req.body;
    return db.transaction().execute(async (tx) => {
      const r = await tx.updateTable('glucose.food_items').set({
        name: b.name, category: b.category, portion_label: b.portionLabel, carbs_g: b.carbsG, protein_g: b.proteinG, fat_g: b.fatG, calories_kcal: b.caloriesKcal,
        gi_category: b.giCategory, fast_acting: b.fastActing, locale: b.locale ?? 'en', updated_at: new Date(),
      }).where('id', '=', req.params.itemId).returningAll().executeTakeFirst();
      if (!r) throw notFound('food_item_not_found', 'No such food item.');
      await recordAudit(tx, actorOf(req), { action: 'glucose.food_item.updated', entity: 'glucose.food_item', entityId: r.id, diff: b });
      return toFood(r);
    });
  });

  app.delete('/food-items/:itemId', {
    schema: { tags, summary: 'Remove a food item (admin)', params: Type.Object({ itemId: Type.String({ format: 'uuid' }) }), response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    preHandler: ctx.requireRole('admin'),
  }, async (req, reply) => {
    await db.transaction().execute(async (tx) => {
      const r = await tx.deleteFrom('glucose.food_items').where('id', '=', req.params.itemId).returning('id').executeTakeFirst();
      if (!r) throw notFound('food_item_not_found', 'No such food item.');
      await recordAudit(tx, actorOf(req), { action: 'glucose.food_item.deleted', entity: 'glucose.food_item', entityId: r.id });
    });
    return reply.code(204).send(null);
  });
}
