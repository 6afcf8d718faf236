import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../../platform/types.js';
import type { DbOrTx, Tx } from '../../../platform/db/transaction.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { badRequest, notFound } from '../../../platform/http/errors.js';
import { Refusal } from '../access/problems.js';
import { patientAccess, patientScope } from '../access/scope.js';
import { recordHealthRead } from '../access/audit.js';
import { patientZone } from '../patients/zone.js';
import type { GlucoseServices } from '../services.js';
import { Enum, Nullable } from '../readings/model.js';
import { addDays, localDate } from '../medications/schedule.js';
import { publishLog } from './events.js';
import { after, page, timeCursor } from './paging.js';
import { readingsBetween, type Point } from './impact.js';
import { goalsOf } from './routes.js';
import type { ActivityType, Intensity } from './tables.js';

export const ACTIVITY_TYPES = ['walking', 'running', 'cycling', 'swimming', 'strength', 'yoga', 'other'] as const;
export const INTENSITIES = ['low', 'moderate', 'vigorous'] as const;
export const MET: Record<Intensity, number> = { low: 3.0, moderate: 5.0, vigorous: 8.0 };
const MAX_MS = 12 * 3_600_000;
const Iso = Type.String({ format: 'date-time' });
const P = Type.Object({ patientId: Type.String() });
const AP = Type.Object({ patientId: Type.String(), activityId: Type.String({ format: 'uuid' }) });

/** MET × weight (kg) × hours; null without a weight (§4.6; 60 min moderate at 70 kg → 350 kcal). */
export const activityCalories = (intensity: Intensity, weightKg: number | null, minutes: number) =>
  weightKg === null ? null : Math.round(MET[intensity] * weightKg * (minutes / 60));

/** Glucose at start, minimum during and at end of a session (nearest readings within ±10 min). */
export function sessionGlucose(readings: Point[], startMs: number, endMs: number) {
  const near = (t: number) => readings.filter((r) => Math.abs(r.atMs - t) <= 10 * 60_000).sort((a, b) => Math.abs(a.atMs - t) - Math.abs(b.atMs - t))[0]?.value ?? null;
  const during = readings.filter((r) => r.atMs >= startMs && r.atMs <= endMs).map((r) => r.value);
  return { atStart: near(startMs), minDuring: during.length ? Math.min(...during) : null, atEnd: near(endMs) };
}

export const ActivitySchema = Type.Object({
  id: Type.String(), patientId: Type.String(), activityType: Type.String(), name: Nullable(Type.String()), startedAt: Iso, endedAt: Iso, durationMin: Type.Integer(),
  intensity: Type.String(), caloriesKcal: Nullable(Type.Integer()), steps: Nullable(Type.Integer()), heartRateAvg: Nullable(Type.Integer()), source: Type.String(),
  notes: Nullable(Type.String()), enteredBy: Nullable(Type.String()),
  glucose: Type.Optional(Type.Object({ atStart: Nullable(Type.Number()), minDuring: Nullable(Type.Number()), atEnd: Nullable(Type.Number()) })),
});

interface Row { id: string; patient_id: string; activity_type: ActivityType; name: string | null; started_at: Date; ended_at: Date; intensity: Intensity; calories_kcal: number | null; steps: number | null; heart_rate_avg: number | null; source: string; notes: string | null; entered_by: string | null }
export const toActivityDto = (r: Row) => ({
  id: r.id, patientId: r.patient_id, activityType: r.activity_type, name: r.name, startedAt: new Date(r.started_at).toISOString(), endedAt: new Date(r.ended_at).toISOString(),
  durationMin: Math.round((new Date(r.ended_at).getTime() - new Date(r.started_at).getTime()) / 60_000), intensity: r.intensity, caloriesKcal: r.calories_kcal,
  steps: r.steps, heartRateAvg: r.heart_rate_avg, source: r.source, notes: r.notes, enteredBy: r.entered_by,
});

async function weightOf(db: DbOrTx, patientId: string): Promise<number | null> {
  const s = await db.selectFrom('glucose.patient_settings').select('weight_kg').where('patient_id', '=', patientId).executeTakeFirst();
  return s?.weight_kg ? Number(s.weight_kg) : null;
}

function checkTimes(startMs: number, endMs: number, now: number) {
  if (!(endMs > startMs)) throw badRequest('invalid_times', 'endedAt must be after startedAt.', [{ path: 'body.endedAt', message: 'must be after startedAt' }]);
  if (endMs - startMs > MAX_MS) throw badRequest('activity_too_long', 'A session lasts at most 12 hours.', [{ path: 'body.endedAt', message: 'must be within 12 hours of startedAt' }]);
  if (endMs > now + 60_000) throw badRequest('activity_in_future', 'A session cannot end in the future.', [{ path: 'body.endedAt', message: 'must not be in the future' }]);
  if (startMs < now - 30 * 86_400_000) throw badRequest('activity_too_old', 'Sessions can be logged up to 30 days back.', [{ path: 'body.startedAt', message: 'must be within the last 30 days' }]);
}

async function checkOverlap(tx: Tx, patientId: string, startMs: number, endMs: number, exceptId?: string) {
  const { rows } = await sql<{ id: string }>`select id from glucose.activity_sessions where patient_id = ${patientId} and source = 'manual' and deleted_at is null
    and started_at < ${new Date(endMs).toISOString()}::timestamptz and ended_at > ${new Date(startMs).toISOString()}::timestamptz
    ${exceptId ? sql`and id <> ${exceptId}` : sql``} limit 1`.execute(tx);
  if (rows.length) throw new Refusal(409, 'activity_overlap', 'This session overlaps another logged session.', { conflictingActivityId: rows[0].id });
}

/** Daily activity per local date: steps (max over sources), active minutes (moderate + vigorous), sessions with glucose. */
export async function dailyActivity(db: DbOrTx, patientId: string, zone: string, from: string, to: string) {
  const goals = await goalsOf(db, patientId);
  const fromMs = Date.parse(`${from}T00:00:00Z`) - 14 * 3_600_000;
  const toMs = Date.parse(`${addDays(to, 1)}T00:00:00Z`) + 14 * 3_600_000;
  const steps = await sql<{ date: string; steps: number }>`select to_char(local_date, 'YYYY-MM-DD') as date, max(steps)::int as steps from glucose.daily_steps
    where patient_id = ${patientId} and local_date between ${from}::date and ${to}::date group by local_date`.execute(db);
  const { rows } = await sql<Row>`select * from glucose.activity_sessions where patient_id = ${patientId} and deleted_at is null
    and started_at >= ${new Date(fromMs).toISOString()}::timestamptz and started_at < ${new Date(toMs).toISOString()}::timestamptz order by started_at`.execute(db);
  const sessions = rows.filter((r) => { const d = localDate(zone, new Date(r.started_at).getTime()); return d >= from && d <= to; });
  const readings = sessions.length ? await readingsBetween(db, patientId, Math.min(...sessions.map((s) => new Date(s.started_at).getTime())) - 600_000, Math.max(...sessions.map((s) => new Date(s.ended_at).getTime())) + 600_000) : [];
  const stepsByDay = new Map(steps.rows.map((r) => [r.date, r.steps]));
  const out = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const mine = sessions.filter((s) => localDate(zone, new Date(s.started_at).getTime()) === d);
    const activeMinutes = mine.filter((s) => s.intensity !== 'low').reduce((sum, s) => sum + (new Date(s.ended_at).getTime() - new Date(s.started_at).getTime()) / 60_000, 0);
    const daySteps = stepsByDay.get(d) ?? null;
    out.push({
      date: d, steps: daySteps, activeMinutes: Math.round(activeMinutes), caloriesKcal: mine.reduce((s, x) => s + (x.calories_kcal ?? 0), 0), goals,
      progressPct: { steps: daySteps === null ? null : Math.round((1000 * daySteps) / goals.steps) / 10, activeMinutes: Math.round((1000 * activeMinutes) / goals.activeMinutes) / 10 },
      sessions: mine.map((s) => ({ ...toActivityDto(s), glucose: sessionGlucose(readings, new Date(s.started_at).getTime(), new Date(s.ended_at).getTime()) })),
    });
  }
  return out;
}

export default async function activityRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const { db } = ctx;
  const tags = ['glucose nutrition and activity'];
  const loggers = patientScope(ctx, ['patient', 'caregiver', 'admin']);
  const notFoundActivity = () => notFound('activity_not_found', 'No such activity for this patient.');

  app.get('/patients/:patientId/activities', {
    schema: {
      tags, summary: 'Activity sessions, newest first (default: last 7 days)', params: P,
      querystring: Type.Object({ from: Type.Optional(Iso), to: Type.Optional(Iso), limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }), cursor: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(ActivitySchema), nextCursor: Nullable(Type.String()) }), ...problemResponses(400, 401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const to = req.query.to ? Date.parse(req.query.to) : Date.now() + 60_000;
    const from = req.query.from ? Date.parse(req.query.from) : to - 7 * 86_400_000;
    const { rows } = await sql<Row>`select * from glucose.activity_sessions where patient_id = ${access.patientId} and deleted_at is null
      and started_at >= ${new Date(from).toISOString()}::timestamptz and started_at <= ${new Date(to).toISOString()}::timestamptz
      ${after('started_at', timeCursor(req.query.cursor), true)}
      order by started_at desc, id desc limit ${req.query.limit + 1}`.execute(db);
    await recordHealthRead(db, req, access, 'activity', { from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    const out = page(rows, req.query.limit, (r) => [r.started_at, r.id]);
    return { items: out.items.map(toActivityDto), nextCursor: out.nextCursor };
  });

  const Body = Type.Object({
    activityType: Enum(ACTIVITY_TYPES), name: Type.Optional(Type.String({ maxLength: 120 })), startedAt: Iso, endedAt: Iso, intensity: Type.Optional(Enum(INTENSITIES)),
    caloriesKcal: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })), steps: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
    heartRateAvg: Type.Optional(Type.Integer({ minimum: 30, maximum: 230 })), notes: Type.Optional(Type.String({ maxLength: 500 })),
  }, { additionalProperties: false });

  app.post('/patients/:patientId/activities', {
    schema: {
      tags, summary: 'Log an activity session (patient, caregiver, admin); calories from MET × weight × hours when absent',
      description: '400 invalid_times, activity_too_long, activity_in_future, activity_too_old; 409 activity_overlap. Send Idempotency-Key to retry safely.',
      params: P, body: Body, response: { 201: ActivitySchema, ...problemResponses(400, 401, 403, 404, 409) },
    },
    preHandler: loggers, config: { idempotent: true },
  }, async (req, reply) => {
    const access = patientAccess(req);
    const b = req.body;
    const now = Date.now();
    const start = Date.parse(b.startedAt); const end = Date.parse(b.endedAt);
    checkTimes(start, end, now);
    const intensity = b.intensity ?? 'moderate';
    const row = await db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`activity:${access.patientId}`}))`.execute(tx);
      await checkOverlap(tx, access.patientId, start, end);
      const calories = b.caloriesKcal ?? activityCalories(intensity, await weightOf(tx, access.patientId), (end - start) / 60_000);
      const r = await tx.insertInto('glucose.activity_sessions').values({
        patient_id: access.patientId, activity_type: b.activityType, name: b.name ?? null, started_at: new Date(start), ended_at: new Date(end), intensity,
        calories_kcal: calories, steps: b.steps ?? null, heart_rate_avg: b.heartRateAvg ?? null, source: 'manual', notes: b.notes ?? null, entered_by: authenticatedUser(req).id,
      }).returningAll().executeTakeFirstOrThrow();
      await recordAudit(tx, actorOf(req), { action: 'glucose.activity.created', entity: 'glucose.activity', entityId: r.id, diff: { patientId: access.patientId, role: access.as, activityType: b.activityType, startedAt: b.startedAt, endedAt: b.endedAt } });
      return r as unknown as Row;
    });
    await publishLog(svc, access.patientId, 'log.created', 'activity', row.id, row.started_at, `${row.activity_type} ${toActivityDto(row).durationMin} min`);
    return reply.code(201).send(toActivityDto(row));
  });

  app.patch('/patients/:patientId/activities/:activityId', {
    schema: { tags, summary: 'Correct an activity session (patient, caregiver, admin)', params: AP, body: Type.Partial(Body, { additionalProperties: false }), response: { 200: ActivitySchema, ...problemResponses(400, 401, 403, 404, 409) } },
    preHandler: loggers,
  }, async (req) => {
    const access = patientAccess(req);
    const b = req.body;
    const now = Date.now();
    const row = await db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`activity:${access.patientId}`}))`.execute(tx);
      const before = await tx.selectFrom('glucose.activity_sessions').selectAll().where('id', '=', req.params.activityId).where('patient_id', '=', access.patientId).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
      if (!before) throw notFoundActivity();
      const start = b.startedAt ? Date.parse(b.startedAt) : new Date(before.started_at).getTime();
      const end = b.endedAt ? Date.parse(b.endedAt) : new Date(before.ended_at).getTime();
      if (b.startedAt || b.endedAt) checkTimes(start, end, now);
      if (before.source === 'manual') await checkOverlap(tx, access.patientId, start, end, before.id);
      const intensity = b.intensity ?? before.intensity;
      const timingChanged = b.startedAt || b.endedAt || b.intensity;
      const r = await tx.updateTable('glucose.activity_sessions').set({
        activity_type: b.activityType ?? before.activity_type, name: b.name ?? before.name, started_at: new Date(start), ended_at: new Date(end), intensity,
        calories_kcal: b.caloriesKcal ?? (timingChanged ? activityCalories(intensity, await weightOf(tx, access.patientId), (end - start) / 60_000) : before.calories_kcal),
        steps: b.steps ?? before.steps, heart_rate_avg: b.heartRateAvg ?? before.heart_rate_avg, notes: b.notes ?? before.notes, updated_at: new Date(),
      }).where('id', '=', before.id).returningAll().executeTakeFirstOrThrow();
      await recordAudit(tx, actorOf(req), { action: 'glucose.activity.updated', entity: 'glucose.activity', entityId: r.id, diff: { patientId: access.patientId, role: access.as, ...b } });
      return r as unknown as Row;
    });
    return toActivityDto(row);
  });

  app.delete('/patients/:patientId/activities/:activityId', {
    schema: { tags, summary: 'Delete an activity session (patient, caregiver, admin)', params: AP, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    preHandler: loggers,
  }, async (req, reply) => {
    const access = patientAccess(req);
    const row = await db.transaction().execute(async (tx) => {
      const r = await tx.updateTable('glucose.activity_sessions').set({ deleted_at: new Date() }).where('id', '=', req.params.activityId).where('patient_id', '=', access.patientId)
        .where('deleted_at', 'is', null).returning(['id', 'started_at']).executeTakeFirst();
      if (!r) throw notFoundActivity();
      await recordAudit(tx, actorOf(req), { action: 'glucose.activity.deleted', entity: 'glucose.activity', entityId: r.id, diff: { patientId: access.patientId, role: access.as } });
      return r;
    });
    await publishLog(svc, access.patientId, 'log.deleted', 'activity', row.id, row.started_at, 'activity deleted');
    return reply.code(204).send(null);
  });

  app.put('/patients/:patientId/steps/:localDate', {
    schema: {
      tags, summary: 'Set the step count of a local day from one source (patient, caregiver, admin); the day counts the max over sources',
      params: Type.Object({ patientId: Type.String(), localDate: Type.String({ format: 'date' }) }),
      body: Type.Object({ steps: Type.Integer({ minimum: 0, maximum: 100000 }), source: Type.String({ minLength: 1, maxLength: 40 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ localDate: Type.String(), source: Type.String(), steps: Type.Integer(), daySteps: Type.Integer() }), ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: loggers,
  }, async (req) => {
    const access = patientAccess(req);
    const zone = await patientZone(db, access.patientId);
    const today = localDate(zone, Date.now());
    const day = req.params.localDate;
    if (day > today || day < addDays(today, -30)) throw badRequest('invalid_date', 'Steps can be set for today and the 30 days before.', [{ path: 'params.localDate', message: 'must be within the last 30 days' }]);
    return db.transaction().execute(async (tx) => {
      await tx.insertInto('glucose.daily_steps').values({ patient_id: access.patientId, local_date: day, source: req.body.source, steps: req.body.steps })
        .onConflict((oc) => oc.columns(['patient_id', 'local_date', 'source']).doUpdateSet({ steps: req.body.steps, updated_at: new Date() })).execute();
      const { rows } = await sql<{ steps: number }>`select max(steps)::int as steps from glucose.daily_steps where patient_id = ${access.patientId} and local_date = ${day}::date`.execute(tx);
      await recordAudit(tx, actorOf(req), { action: 'glucose.steps.updated', entity: 'glucose.steps', entityId: access.patientId, diff: { patientId: access.patientId, role: access.as, localDate: day, ...req.body } });
      return { localDate: day, source: req.body.source, steps: req.body.steps, daySteps: rows[0].steps };
    });
  });

  app.get('/patients/:patientId/activity/daily', {
    schema: {
      tags, summary: 'Daily activity per local date (default last 7 days, ≤ 92): steps, active minutes, sessions with glucose at start/min/end', params: P,
      querystring: Type.Object({ from: Type.Optional(Type.String({ format: 'date' })), to: Type.Optional(Type.String({ format: 'date' })) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          from: Type.String(), to: Type.String(), timezone: Type.String(),
          days: Type.Array(Type.Object({
            date: Type.String(), steps: Nullable(Type.Integer()), activeMinutes: Type.Integer(), caloriesKcal: Type.Integer(), goals: Type.Unknown(),
            progressPct: Type.Object({ steps: Nullable(Type.Number()), activeMinutes: Type.Number() }), sessions: Type.Array(ActivitySchema),
          })),
        }), ...problemResponses(400, 401, 404),
      },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const zone = await patientZone(db, access.patientId);
    const to = req.query.to ?? localDate(zone, Date.now());
    const from = req.query.from ?? addDays(to, -6);
    const span = (Date.parse(to) - Date.parse(from)) / 86_400_000;
    if (span < 0 || span >= 92) throw badRequest('invalid_range', 'from..to must be 1 to 92 days.', [{ path: 'query.from', message: 'must be on or before to, at most 92 days' }]);
    const days = await dailyActivity(db, access.patientId, zone, from, to);
    await recordHealthRead(db, req, access, 'activity', { from, to });
    return { from, to, timezone: zone, days };
  });
}
