import { Type, type Static } from 'typebox';
import { sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../../platform/types.js';
import type { Tx } from '../../../platform/db/transaction.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { badRequest, conflict, notFound } from '../../../platform/http/errors.js';
import { RefusalSchema, refuse } from '../access/problems.js';
import { patientAccess, patientScope, type PatientAccess } from '../access/scope.js';
import { recordHealthRead } from '../access/audit.js';
import { patientZone } from '../patients/zone.js';
import type { GlucoseServices } from '../services.js';
import { Enum, Nullable } from '../readings/model.js';
import { publishLog } from '../nutrition/events.js';
import { addDays, localDate } from './schedule.js';
import { checkIntake, checkReschedule, LATE_RECORDING_MS } from './rules.js';
import {
  adherenceOf, cancelFutureDoses, generateDoses, insulinKindOf, listDoses, listPlans, loadDose, loadPlan, moveStock, refreshStock,
  regenerateDoses, stockView, toDoseDto, type PlanRow, type StockRow,
} from './service.js';
import type { DoseStatus, Schedule } from './tables.js';

const KINDS = ['insulin_rapid', 'insulin_ultra_rapid', 'insulin_long', 'insulin_intermediate', 'insulin_premixed', 'oral', 'glp1', 'other'] as const;
const UNITS = ['mg', 'mcg', 'ml', 'units', 'tablet', 'capsule', 'puff', 'drop'] as const;
const STATUSES = ['scheduled', 'taken', 'skipped', 'missed', 'cancelled'] as const;
const Iso = Type.String({ format: 'date-time' });
const DateStr = Type.String({ format: 'date', description: 'Local date YYYY-MM-DD' });
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

const ScheduleSchema = Type.Union([
  Type.Object({
    type: Type.Literal('fixed_times'),
    times: Type.Array(Type.String({ pattern: HHMM.source }), { minItems: 1, maxItems: 12, description: '1–12 distinct local times HH:mm' }),
    daysOfWeek: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7, description: 'ISO weekdays (1 = Monday); default every day' })),
  }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('interval'), firstDoseAt: Iso, intervalHours: Type.Integer({ minimum: 1, maximum: 72 }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('as_needed') }, { additionalProperties: false }),
]);

const PlanFields = {
  name: Type.String({ minLength: 1, maxLength: 120 }),
  kind: Enum(KINDS),
  doseAmount: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }),
  doseUnit: Enum(UNITS),
  schedule: ScheduleSchema,
  startDate: DateStr,
  endDate: Type.Optional(Nullable(DateStr)),
  maxDurationDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'Converted to endDate = startDate + maxDurationDays − 1' })),
  instructions: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  stockTracking: Type.Optional(Type.Boolean()),
};
const PlanBody = Type.Object({
  ...PlanFields,
  initialStock: Type.Optional(Type.Number({ minimum: 0, maximum: 99_999_999 })),
  warningDays: Type.Optional(Type.Integer({ minimum: 2, maximum: 60 })),
  criticalDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 59 })),
}, { additionalProperties: false });
const PlanPatch = Type.Object({
  name: Type.Optional(PlanFields.name), kind: Type.Optional(PlanFields.kind), doseAmount: Type.Optional(PlanFields.doseAmount),
  doseUnit: Type.Optional(PlanFields.doseUnit), schedule: Type.Optional(ScheduleSchema), startDate: Type.Optional(DateStr),
  endDate: PlanFields.endDate, maxDurationDays: PlanFields.maxDurationDays, instructions: PlanFields.instructions,
  stockTracking: PlanFields.stockTracking, active: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

const PlanSchema = Type.Object({
  id: Type.String(), patientId: Type.String(), name: Type.String(), kind: Type.String(), doseAmount: Type.Number(), doseUnit: Type.String(),
  schedule: Type.Unknown(), startDate: Type.String(), endDate: Nullable(Type.String()), instructions: Nullable(Type.String()),
  prescribedBy: Nullable(Type.String()), active: Type.Boolean(), stockTracking: Type.Boolean(), insulinKind: Nullable(Type.String()),
  createdAt: Iso, updatedAt: Iso,
});
const DoseSchema = Type.Object({
  id: Type.String(), planId: Type.String(), planName: Nullable(Type.String()), kind: Nullable(Type.String()), amount: Nullable(Type.Number()), unit: Nullable(Type.String()),
  scheduledAt: Iso, originalScheduledAt: Iso, status: Type.String(), asNeeded: Type.Boolean(), takenAt: Nullable(Iso), outOfWindow: Type.Boolean(),
  delayReason: Nullable(Type.String()), skipReason: Nullable(Type.String()), notes: Nullable(Type.String()), rescheduleCount: Type.Integer(),
  recordedBy: Nullable(Type.String()), recordedByName: Nullable(Type.String()), recordedAt: Nullable(Iso),
  countdownSeconds: Type.Integer(), isDelayed: Type.Boolean(), overdueLevel: Type.String({ description: 'none (≤ 30 min late), minor (30–120), critical (> 120)' }),
});
const StockSchema = Type.Object({
  id: Type.String(), planId: Type.String(), planName: Type.String(), unit: Type.String(), unitsRemaining: Type.Number(), warningDays: Type.Integer(),
  criticalDays: Type.Integer(), dailyUsage: Nullable(Type.Number()), daysOfSupply: Nullable(Type.Number()), projectedDepletionDate: Nullable(Type.String()),
  status: Type.String(), statusChangedAt: Iso,
});
const PerPlan = Type.Object({
  planId: Type.String(), name: Type.String(), active: Type.Boolean(), adherence24hPct: Nullable(Type.Number()), adherence7dPct: Nullable(Type.Number()),
  due24h: Type.Integer(), taken24h: Type.Integer(), due7d: Type.Integer(), taken7d: Type.Integer(),
});
const Adherence = Type.Object({
  adherence24hPct: Nullable(Type.Number()), adherence7dPct: Nullable(Type.Number()), due24h: Type.Integer(), taken24h: Type.Integer(),
  due7d: Type.Integer(), taken7d: Type.Integer(), perPlan: Type.Array(PerPlan),
});

const P = Type.Object({ patientId: Type.String() });
const PlanP = Type.Object({ patientId: Type.String(), planId: Type.String({ format: 'uuid' }) });
const DoseP = Type.Object({ patientId: Type.String(), doseId: Type.String({ format: 'uuid' }) });
const StockP = Type.Object({ patientId: Type.String(), stockId: Type.String({ format: 'uuid' }) });

const toPlanDto = (p: PlanRow) => ({
  id: p.id, patientId: p.patient_id, name: p.name, kind: p.kind, doseAmount: Number(p.dose_amount), doseUnit: p.dose_unit, schedule: p.schedule,
  startDate: p.start_date, endDate: p.end_date, instructions: p.instructions, prescribedBy: p.prescribed_by, active: p.active,
  stockTracking: p.stock_tracking, insulinKind: insulinKindOf(p) ?? null, createdAt: new Date(p.created_at).toISOString(), updatedAt: new Date(p.updated_at).toISOString(),
});

const planNotFound = () => notFound('plan_not_found', 'No such medication plan for this patient.');
const doseNotFound = () => notFound('dose_not_found', 'No such dose for this patient.');

/** Validation the schema cannot express: distinct times, dates in order, warning above critical. */
function checkPlanFields(body: { schedule?: Schedule; startDate?: string; endDate?: string | null; maxDurationDays?: number }, current?: PlanRow) {
  const s = body.schedule;
  if (s?.type === 'fixed_times' && new Set(s.times).size !== s.times.length) throw badRequest('invalid_schedule', 'Times must be distinct.', [{ path: 'body.schedule.times', message: 'must be distinct' }]);
  if (body.endDate !== undefined && body.maxDurationDays !== undefined) throw badRequest('invalid_dates', 'Give endDate or maxDurationDays, not both.', [{ path: 'body.maxDurationDays', message: 'cannot be combined with endDate' }]);
  const start = body.startDate ?? current?.start_date;
  const end = body.maxDurationDays !== undefined && start ? addDays(start, body.maxDurationDays - 1) : body.endDate !== undefined ? body.endDate : current?.end_date ?? null;
  if (start && end && end < start) throw badRequest('invalid_dates', 'endDate must not be before startDate.', [{ path: 'body.endDate', message: 'must be on or after startDate' }]);
  return end;
}

/** A change of plan by someone other than the patient tells the patient (§2), once a day per area. */
async function tellPatient(svc: GlucoseServices, tx: Tx, req: FastifyRequest, access: PatientAccess) {
  const me = authenticatedUser(req);
  if (me.id === access.patientId) return;
  const by = await tx.selectFrom('platform.users').select('display_name').where('id', '=', me.id).executeTakeFirstOrThrow();
  const zone = await patientZone(tx, access.patientId);
  await svc.ctx.notify.send({
    to: { userId: access.patientId }, template: 'glucose.settings_changed', data: { area: 'medications', by: by.display_name },
    dedupKey: `glucose.settings-changed:${access.patientId}:medications:${localDate(zone, Date.now())}`,
  }, { db: tx });
}

export default async function medicationRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const { db } = ctx;
  const tags = ['glucose medications'];
  const readers = patientScope(ctx);
  const planWriters = patientScope(ctx, ['patient', 'clinician', 'admin']);
  const intakeWriters = patientScope(ctx, ['patient', 'caregiver', 'admin']);

  app.get('/patients/:patientId/medication-plans', {
    schema: {
      tags, summary: 'Medication plans of a patient', params: P,
      querystring: Type.Object({ active: Type.Optional(Type.Boolean({ description: 'true: only active plans' })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(PlanSchema) }), ...problemResponses(400, 401, 404) },
    },
    preHandler: readers,
  }, async (req) => {
    const access = patientAccess(req);
    const items = (await listPlans(db, access.patientId, req.query.active === true)).map(toPlanDto);
    await recordHealthRead(db, req, access, 'medications');
    return { items };
  });

  app.post('/patients/:patientId/medication-plans', {
    schema: {
      tags, summary: 'Create a medication plan (patient, clinician, admin); doses are generated 30 days ahead',
      description: '400 invalid_schedule, invalid_dates, invalid_stock_thresholds. Send Idempotency-Key to retry safely.',
      params: P, body: PlanBody, response: { 201: PlanSchema, ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: planWriters, config: { idempotent: true },
  }, async (req, reply) => {
    const access = patientAccess(req);
    const body = req.body;
    const endDate = checkPlanFields(body);
    const warning = body.warningDays ?? 10; const critical = body.criticalDays ?? 7;
    if (critical >= warning) throw badRequest('invalid_stock_thresholds', 'criticalDays must be below warningDays.', [{ path: 'body.criticalDays', message: 'must be below warningDays' }]);
    const me = authenticatedUser(req);
    const now = Date.now();
    const plan = await db.transaction().execute(async (tx) => {
      const { id } = await tx.insertInto('glucose.medication_plans').values({
        patient_id: access.patientId, name: body.name, kind: body.kind, dose_amount: body.doseAmount, dose_unit: body.doseUnit,
        schedule: JSON.stringify(body.schedule), start_date: body.startDate, end_date: endDate, instructions: body.instructions ?? null,
        prescribed_by: access.as === 'clinician' ? me.id : null, stock_tracking: body.stockTracking ?? false, created_by: me.id,
      }).returning('id').executeTakeFirstOrThrow();
      const row = (await loadPlan(tx, access.patientId, id))!;
      await generateDoses(tx, row, await patientZone(tx, access.patientId), now);
      if (row.stock_tracking) {
        const stock = await tx.insertInto('glucose.medication_stock').values({
          plan_id: id, patient_id: access.patientId, units_remaining: body.initialStock ?? 0, warning_days: warning, critical_days: critical,
        }).returning('id').executeTakeFirstOrThrow();
        if (body.initialStock) await tx.insertInto('glucose.stock_movements').values({ stock_id: stock.id, delta: body.initialStock, reason: 'refill', dose_id: null, actor: me.id }).execute();
        await refreshStock(ctx, tx, stock.id, now);
      }
      await recordAudit(tx, actorOf(req), { action: 'glucose.medication_plan.created', entity: 'glucose.medication_plan', entityId: id, diff: { patientId: access.patientId, role: access.as, ...body } });
      await tellPatient(svc, tx, req, access);
      return row;
    });
    return reply.code(201).send(toPlanDto(plan));
  });

  app.get('/patients/:patientId/medication-plans/:planId', {
    schema: { tags, summary: 'One medication plan', params: PlanP, response: { 200: PlanSchema, ...problemResponses(401, 404) } },
    preHandler: readers,
  }, async (req) => {
    const access = patientAccess(req);
    const plan = await loadPlan(db, access.patientId, req.params.planId);
    if (!plan) throw planNotFound();
    await recordHealthRead(db, req, access, 'medications', { planId: plan.id });
    return toPlanDto(plan);
  });

  app.patch('/patients/:patientId/medication-plans/:planId', {
    schema: {
      tags, summary: 'Change a plan (patient, clinician, admin): schedule, dose or dates regenerate future doses; active=false cancels them',
      params: PlanP, body: PlanPatch, response: { 200: PlanSchema, ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: planWriters,
  }, async (req) => {
    const access = patientAccess(req);
    const body = req.body;
    const now = Date.now();
    const plan = await db.transaction().execute(async (tx) => {
      const before = await loadPlan(tx, access.patientId, req.params.planId, true);
      if (!before) throw planNotFound();
      const endDate = checkPlanFields(body, before);
      const set: Record<string, unknown> = { updated_at: new Date() };
      if (body.name !== undefined) set.name = body.name;
      if (body.kind !== undefined) set.kind = body.kind;
      if (body.doseAmount !== undefined) set.dose_amount = body.doseAmount;
      if (body.doseUnit !== undefined) set.dose_unit = body.doseUnit;
      if (body.schedule !== undefined) set.schedule = JSON.stringify(body.schedule);
      if (body.startDate !== undefined) set.start_date = body.startDate;
      if (body.endDate !== undefined || body.maxDurationDays !== undefined) set.end_date = endDate;
      if (body.instructions !== undefined) set.instructions = body.instructions;
      if (body.stockTracking !== undefined) set.stock_tracking = body.stockTracking;
      if (body.active !== undefined) set.active = body.active;
      await tx.updateTable('glucose.medication_plans').set(set).where('id', '=', before.id).execute();
      const after = (await loadPlan(tx, access.patientId, before.id))!;
      const timing = ['schedule', 'dose_amount', 'start_date', 'end_date'].some((k) => k in set);
      if (!after.active && before.active) await cancelFutureDoses(tx, after.id, now);
      else if (after.active && (timing || !before.active)) await regenerateDoses(tx, after, now);
      if (after.stock_tracking) {
        const existing = await tx.selectFrom('glucose.medication_stock').select('id').where('plan_id', '=', after.id).executeTakeFirst();
        const stockId = existing?.id ?? (await tx.insertInto('glucose.medication_stock').values({ plan_id: after.id, patient_id: access.patientId }).returning('id').executeTakeFirstOrThrow()).id;
        await refreshStock(ctx, tx, stockId, now);
      }
      await recordAudit(tx, actorOf(req), { action: 'glucose.medication_plan.updated', entity: 'glucose.medication_plan', entityId: after.id, diff: { patientId: access.patientId, role: access.as, ...body } });
      await tellPatient(svc, tx, req, access);
      return after;
    });
    return toPlanDto(plan);
  });

  app.delete('/patients/:patientId/medication-plans/:planId', {
    schema: { tags, summary: 'Delete a plan (patient, clinician, admin); recorded doses stay in the history, future ones are cancelled', params: PlanP, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    preHandler: planWriters,
  }, async (req, reply) => {
    const access = patientAccess(req);
    await db.transaction().execute(async (tx) => {
      const plan = await loadPlan(tx, access.patientId, req.params.planId, true);
      if (!plan) throw planNotFound();
      await tx.updateTable('glucose.medication_plans').set({ deleted_at: new Date(), active: false, updated_at: new Date() }).where('id', '=', plan.id).execute();
      await cancelFutureDoses(tx, plan.id, Date.now());
      await recordAudit(tx, actorOf(req), { action: 'glucose.medication_plan.deleted', entity: 'glucose.medication_plan', entityId: plan.id, diff: { patientId: access.patientId, role: access.as, name: plan.name } });
      await tellPatient(svc, tx, req, access);
    });
    return reply.code(204).send(null);
  });

  app.get('/patients/:patientId/medication-doses', {
    schema: {
      tags, summary: 'Doses in a time range (default now → +24 h) with countdown and overdue level', params: P,
      querystring: Type.Object({ from: Type.Optional(Iso), to: Type.Optional(Iso), status: Type.Optional(Enum(STATUSES)), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ from: Iso, to: Iso, items: Type.Array(DoseSchema) }), ...problemResponses(400, 401, 404) },
    },
    preHandler: readers,
  }, async (req) => {
    const access = patientAccess(req);
    const now = Date.now();
    const from = req.query.from ? Date.parse(req.query.from) : now;
    const to = req.query.to ? Date.parse(req.query.to) : from + 86_400_000;
    if (to < from || to - from > 92 * 86_400_000) throw badRequest('invalid_range', 'to must follow from, at most 92 days later.', [{ path: 'query.to', message: 'must be after from and within 92 days' }]);
    const rows = await listDoses(db, access.patientId, from, to, req.query.status as DoseStatus | undefined, req.query.limit);
    await recordHealthRead(db, req, access, 'medication_doses', { from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), items: rows.map((r) => toDoseDto(r, now)) };
  });

  const IntakeBody = Type.Object({
    status: Type.Union([Type.Literal('taken'), Type.Literal('skipped')]),
    takenAt: Type.Optional(Type.String({ format: 'date-time', description: 'Default now; ≤ now + 5 min' })),
    delayReason: Type.Optional(Type.String({ maxLength: 200, description: 'Required when takenAt is more than 2 h from the scheduled time' })),
    skipReason: Type.Optional(Type.String({ maxLength: 200 })),
    notes: Type.Optional(Type.String({ maxLength: 500 })),
  }, { additionalProperties: false });

  app.post('/patients/:patientId/medication-doses/:doseId/intake', {
    schema: {
      tags, summary: 'Record a dose as taken or skipped (patient, caregiver, admin)',
      description: '400 delay_reason_required, taken_at_in_future; 409 dose_already_recorded, dose_cancelled; 422 dose_record_too_late. '
        + 'Taken decrements stock and, for insulin plans in units, creates an insulin dose. Send Idempotency-Key to retry safely.',
      params: DoseP, body: IntakeBody, response: { 200: DoseSchema, 422: RefusalSchema, ...problemResponses(400, 401, 403, 404, 409) },
    },
    preHandler: intakeWriters, config: { idempotent: true },
  }, async (req) => {
    const access = patientAccess(req);
    const me = authenticatedUser(req);
    const now = Date.now();
    const dose = await db.transaction().execute(async (tx) => {
      const d = await loadDose(tx, access.patientId, req.params.doseId, true);
      if (!d) throw doseNotFound();
      const { takenAtMs, outOfWindow } = checkIntake({ status: d.status, scheduledAtMs: new Date(d.scheduled_at).getTime() }, req.body, now);
      await tx.updateTable('glucose.medication_doses').set({
        status: req.body.status, taken_at: takenAtMs === null ? null : new Date(takenAtMs), out_of_window: outOfWindow,
        delay_reason: req.body.delayReason ?? null, skip_reason: req.body.status === 'skipped' ? req.body.skipReason ?? null : null,
        notes: req.body.notes ?? null, recorded_by: me.id, recorded_at: new Date(now),
      }).where('id', '=', d.id).execute();
      if (req.body.status === 'taken') await applyTaken(tx, svc, d, takenAtMs!, me.id, now);
      await recordAudit(tx, actorOf(req), {
        action: 'glucose.medication_dose.recorded', entity: 'glucose.medication_dose', entityId: d.id,
        diff: { patientId: access.patientId, role: access.as, status: req.body.status, takenAt: takenAtMs ? new Date(takenAtMs).toISOString() : null, outOfWindow },
      });
      return (await loadDose(tx, access.patientId, d.id))!;
    });
    await publishLog(svc, access.patientId, 'log.created', 'medication_intake', dose.id, dose.taken_at ?? dose.scheduled_at, `${dose.plan_name}: ${dose.status}`);
    return toDoseDto(dose, now);
  });

  app.delete('/patients/:patientId/medication-doses/:doseId/intake', {
    schema: {
      tags, summary: 'Undo a recorded intake within 24 h (patient, caregiver, admin); restores stock and removes the insulin dose',
      description: '409 dose_not_recorded; 422 undo_too_late.', params: DoseP, response: { 200: DoseSchema, 422: RefusalSchema, ...problemResponses(401, 403, 404, 409) },
    },
    preHandler: intakeWriters,
  }, async (req) => {
    const access = patientAccess(req);
    const me = authenticatedUser(req);
    const now = Date.now();
    const dose = await db.transaction().execute(async (tx) => {
      const d = await loadDose(tx, access.patientId, req.params.doseId, true);
      if (!d) throw doseNotFound();
      if (d.status !== 'taken' && d.status !== 'skipped') throw conflictNotRecorded();
      if (!d.recorded_at || now - new Date(d.recorded_at).getTime() > LATE_RECORDING_MS) throw refuseUndo();
      if (d.as_needed) {
        await revertTaken(tx, svc, d, me.id, now);
        await tx.deleteFrom('glucose.medication_doses').where('id', '=', d.id).execute();
      } else {
        if (d.status === 'taken') await revertTaken(tx, svc, d, me.id, now);
        const settled = now > new Date(d.scheduled_at).getTime() + 2 * 3_600_000;
        await tx.updateTable('glucose.medication_doses').set({
          status: settled ? 'missed' : 'scheduled', taken_at: null, out_of_window: false, delay_reason: null, skip_reason: null, recorded_by: null, recorded_at: null,
        }).where('id', '=', d.id).execute();
      }
      await recordAudit(tx, actorOf(req), { action: 'glucose.medication_dose.undone', entity: 'glucose.medication_dose', entityId: d.id, diff: { patientId: access.patientId, role: access.as, was: d.status } });
      return (await loadDose(tx, access.patientId, d.id)) ?? { ...d, status: 'cancelled' as const };
    });
    await publishLog(svc, access.patientId, 'log.deleted', 'medication_intake', dose.id, dose.scheduled_at, `${dose.plan_name}: undone`);
    return toDoseDto(dose, now);
  });

  app.post('/patients/:patientId/medication-doses/:doseId/reschedule', {
    schema: {
      tags, summary: 'Move a scheduled dose by 15, 30 or 60 minutes (patient, caregiver, admin), at most twice',
      description: '400 invalid_delay; 409 dose_not_scheduled; 422 reschedule_limit_reached, reschedule_overlaps_next_dose.',
      params: DoseP, body: Type.Object({ delayMinutes: Type.Integer(), reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
      response: { 200: DoseSchema, 422: RefusalSchema, ...problemResponses(400, 401, 403, 404, 409) },
    },
    preHandler: intakeWriters, config: { idempotent: true },
  }, async (req) => {
    const access = patientAccess(req);
    const now = Date.now();
    const dose = await db.transaction().execute(async (tx) => {
      const d = await loadDose(tx, access.patientId, req.params.doseId, true);
      if (!d) throw doseNotFound();
      const next = await tx.selectFrom('glucose.medication_doses').select('scheduled_at').where('plan_id', '=', d.plan_id)
        .where('id', '<>', d.id).where('status', '<>', 'cancelled').where('scheduled_at', '>', d.scheduled_at).orderBy('scheduled_at').limit(1).executeTakeFirst();
      const at = checkReschedule({ status: d.status, scheduledAtMs: new Date(d.scheduled_at).getTime(), rescheduleCount: d.reschedule_count }, req.body.delayMinutes, next ? new Date(next.scheduled_at).getTime() : null);
      await tx.updateTable('glucose.medication_doses').set({
        scheduled_at: new Date(at), reschedule_count: d.reschedule_count + 1, delay_reason: req.body.reason ?? d.delay_reason,
        // reminders follow the new time
        reminders_sent: 0,
      }).where('id', '=', d.id).execute();
      await recordAudit(tx, actorOf(req), {
        action: 'glucose.medication_dose.rescheduled', entity: 'glucose.medication_dose', entityId: d.id,
        diff: { patientId: access.patientId, role: access.as, delayMinutes: req.body.delayMinutes, scheduledAt: new Date(at).toISOString() },
      });
      return (await loadDose(tx, access.patientId, d.id))!;
    });
    return toDoseDto(dose, now);
  });

  app.post('/patients/:patientId/medication-plans/:planId/intakes', {
    schema: {
      tags, summary: 'Record an intake of an as-needed plan (patient, caregiver, admin)',
      description: '400 taken_at_in_future, taken_at_too_old; 422 plan_not_as_needed, plan_inactive. Send Idempotency-Key to retry safely.',
      params: PlanP,
      body: Type.Object({ takenAt: Type.Optional(Iso), amount: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })), notes: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
      response: { 201: DoseSchema, 422: RefusalSchema, ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: intakeWriters, config: { idempotent: true },
  }, async (req, reply) => {
    const access = patientAccess(req);
    const me = authenticatedUser(req);
    const now = Date.now();
    const takenAt = req.body.takenAt ? Date.parse(req.body.takenAt) : now;
    if (takenAt > now + 5 * 60_000) throw badRequest('taken_at_in_future', 'takenAt cannot be more than 5 minutes ahead.', [{ path: 'body.takenAt', message: 'must not be more than 5 minutes in the future' }]);
    if (takenAt < now - 30 * 86_400_000) throw badRequest('taken_at_too_old', 'Intakes can be recorded up to 30 days back.', [{ path: 'body.takenAt', message: 'must be within the last 30 days' }]);
    const dose = await db.transaction().execute(async (tx) => {
      const plan = await loadPlan(tx, access.patientId, req.params.planId, true);
      if (!plan) throw planNotFound();
      if (plan.schedule.type !== 'as_needed') throw refusePlan('plan_not_as_needed', 'This plan has a schedule: record its doses instead.');
      if (!plan.active) throw refusePlan('plan_inactive', 'This plan is not active.');
      const at = new Date(takenAt);
      const { id } = await tx.insertInto('glucose.medication_doses').values({
        plan_id: plan.id, patient_id: access.patientId, scheduled_at: at, original_scheduled_at: at, status: 'taken', as_needed: true,
        amount: req.body.amount ?? null, taken_at: at, notes: req.body.notes ?? null, recorded_by: me.id, recorded_at: new Date(now),
      }).onConflict((oc) => oc.columns(['plan_id', 'original_scheduled_at']).doNothing()).returning('id').executeTakeFirst() ?? {};
      if (!id) throw refusePlan('intake_exists', 'An intake of this plan is already recorded at that exact time.');
      const d = (await loadDose(tx, access.patientId, id))!;
      await applyTaken(tx, svc, d, takenAt, me.id, now);
      await recordAudit(tx, actorOf(req), { action: 'glucose.medication_dose.recorded', entity: 'glucose.medication_dose', entityId: id, diff: { patientId: access.patientId, role: access.as, status: 'taken', asNeeded: true, takenAt: at.toISOString() } });
      return d;
    });
    await publishLog(svc, access.patientId, 'log.created', 'medication_intake', dose.id, dose.taken_at!, `${dose.plan_name}: taken`);
    return reply.code(201).send(toDoseDto(dose, now));
  });

  app.get('/patients/:patientId/medications/adherence', {
    schema: {
      tags, summary: 'Adherence = taken ÷ due doses over the last 24 h and 7 days, overall and per plan', params: P,
      response: { 200: Adherence, ...problemResponses(401, 404) },
    },
    preHandler: readers,
  }, async (req) => {
    const access = patientAccess(req);
    const out = await adherenceOf(db, access.patientId, Date.now());
    await recordHealthRead(db, req, access, 'medications', { view: 'adherence' });
    return out;
  });

  app.get('/patients/:patientId/medications/stock', {
    schema: { tags, summary: 'Stock of every tracked plan: usage, days of supply, depletion date, status', params: P, response: { 200: Type.Object({ items: Type.Array(StockSchema) }), ...problemResponses(401, 404) } },
    preHandler: readers,
  }, async (req) => {
    const access = patientAccess(req);
    const now = Date.now();
    const zone = await patientZone(db, access.patientId);
    const stocks = await sql<StockRow>`select s.* from glucose.medication_stock s join glucose.medication_plans p on p.id = s.plan_id
      where s.patient_id = ${access.patientId} and p.deleted_at is null and p.stock_tracking order by p.name`.execute(db);
    const plans = new Map((await listPlans(db, access.patientId, false)).map((p) => [p.id, p]));
    const items = [];
    for (const s of stocks.rows) items.push(await stockView(db, s, plans.get(s.plan_id)!, zone, now));
    await recordHealthRead(db, req, access, 'medications', { view: 'stock' });
    return { items };
  });

  app.post('/patients/:patientId/medications/stock/:stockId/adjustments', {
    schema: {
      tags, summary: 'Refill or correct a stock (patient, caregiver, admin): delta or setTo',
      description: '400 invalid_adjustment. Send Idempotency-Key to retry safely (a refill must not count twice).',
      params: StockP,
      body: Type.Object({
        delta: Type.Optional(Type.Number({ minimum: -99_999, maximum: 99_999 })), setTo: Type.Optional(Type.Number({ minimum: 0, maximum: 99_999_999 })),
        reason: Type.Union([Type.Literal('refill'), Type.Literal('correction'), Type.Literal('loss')]),
      }, { additionalProperties: false }),
      response: { 200: StockSchema, ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: intakeWriters, config: { idempotent: true },
  }, async (req) => {
    const access = patientAccess(req);
    const me = authenticatedUser(req);
    const { delta, setTo, reason } = req.body;
    if ((delta === undefined) === (setTo === undefined)) throw badRequest('invalid_adjustment', 'Give either delta or setTo.', [{ path: 'body.delta', message: 'exactly one of delta and setTo' }]);
    if (reason === 'refill' && delta !== undefined && delta <= 0) throw badRequest('invalid_adjustment', 'A refill adds units.', [{ path: 'body.delta', message: 'must be positive for a refill' }]);
    if (reason === 'loss' && delta !== undefined && delta >= 0) throw badRequest('invalid_adjustment', 'A loss removes units.', [{ path: 'body.delta', message: 'must be negative for a loss' }]);
    const now = Date.now();
    return db.transaction().execute(async (tx) => {
      const stock = await tx.selectFrom('glucose.medication_stock').selectAll().where('id', '=', req.params.stockId).where('patient_id', '=', access.patientId).forUpdate().executeTakeFirst();
      if (!stock) throw notFound('stock_not_found', 'No such stock for this patient.');
      const change = delta ?? Math.round((setTo! - Number(stock.units_remaining)) * 100) / 100;
      if (change !== 0) await moveStock(tx, stock.id, change, reason, null, me.id);
      const view = await refreshStock(ctx, tx, stock.id, now);
      await recordAudit(tx, actorOf(req), { action: 'glucose.medication_stock.adjusted', entity: 'glucose.medication_stock', entityId: stock.id, diff: { patientId: access.patientId, role: access.as, delta: change, reason } });
      return view!;
    });
  });
}

const conflictNotRecorded = () => conflict('dose_not_recorded', 'This dose has no recorded intake to undo.');
const refuseUndo = () => refuse('undo_too_late', 'An intake can be undone within 24 hours of recording it.');
const refusePlan = (code: string, detail: string) => refuse(code, detail);

/** Stock decrement and, for insulin plans in units, the insulin dose (same transaction). */
async function applyTaken(tx: Tx, svc: GlucoseServices, d: Awaited<ReturnType<typeof loadDose>> & object, takenAtMs: number, actor: string, nowMs: number) {
  const plan = (await loadPlan(tx, d.patient_id, d.plan_id))!;
  const amount = d.amount !== null ? Number(d.amount) : Number(plan.dose_amount);
  const stock = await tx.selectFrom('glucose.medication_stock').select('id').where('plan_id', '=', plan.id).executeTakeFirst();
  if (stock && plan.stock_tracking) {
    await moveStock(tx, stock.id, -amount, 'intake', d.id, actor);
    await refreshStock(svc.ctx, tx, stock.id, nowMs);
  }
  const kind = insulinKindOf(plan);
  if (kind && amount >= 0.05 && amount <= 100) {
    await tx.insertInto('glucose.insulin_doses').values({
      patient_id: d.patient_id, administered_at: new Date(takenAtMs), units: Math.round(amount * 20) / 20, insulin_kind: kind,
      purpose: kind === 'long' || kind === 'intermediate' ? 'basal' : 'other', source: 'medication', medication_dose_id: d.id, entered_by: actor,
    }).execute();
  }
}

/** Undo of a taken dose: stock back (intake_reverted) and the insulin dose made from it removed. */
async function revertTaken(tx: Tx, svc: GlucoseServices, d: Awaited<ReturnType<typeof loadDose>> & object, actor: string, nowMs: number) {
  const taken = await tx.selectFrom('glucose.stock_movements').select(['stock_id', sql<string>`sum(delta)`.as('total')])
    .where('dose_id', '=', d.id).where('reason', 'in', ['intake', 'intake_reverted', 'correction']).groupBy('stock_id').executeTakeFirst();
  if (taken && Number(taken.total) < 0) {
    await moveStock(tx, taken.stock_id, -Number(taken.total), 'intake_reverted', d.id, actor);
    await refreshStock(svc.ctx, tx, taken.stock_id, nowMs);
  }
  await tx.updateTable('glucose.insulin_doses').set({ deleted_at: new Date(nowMs) }).where('medication_dose_id', '=', d.id).where('deleted_at', 'is', null).execute();
}

export type PlanBodyT = Static<typeof PlanBody>;
