import { Type } from 'typebox';
import { sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { App, AuthUser } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { forbidden, notFound } from '../../../platform/http/errors.js';
import { decodeCursor, encodeCursor } from '../../../platform/http/pagination.js';
import { badRequest } from '../../../platform/http/errors.js';
import type { Guard } from '../../../platform/auth/guards.js';
import type { ModuleContext } from '../../../platform/types.js';
import { RefusalSchema } from '../access/problems.js';
import { patientAccess, patientNotFound, patientScope, resolvePatientAccess, type AccessKind, type PatientAccess } from '../access/scope.js';
import { recordHealthRead } from '../access/audit.js';
import type { GlucoseServices } from '../services.js';
import { Nullable } from '../readings/model.js';
import { AlertSchema, toAlert, type AlertRow } from './model.js';
import { publishAll, resolve, type Actor } from './engine.js';
import { acknowledge, lockForTransition, snooze } from './transitions.js';
import { conflict } from '../../../platform/http/errors.js';
import './tables.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const scoped = new WeakMap<FastifyRequest, { alertId: string; access: PatientAccess }>();

/**
 * Guard of /alerts/{alertId}/…: the alert's patient must be in the caller's scope, else 404 `patient_not_found`
 * (the same answer as an alert that does not exist, so nothing tells a stranger it exists); then 403 for a relation
 * that may not do this.
 */
export function alertScope(ctx: ModuleContext, allowed?: AccessKind[]): Guard {
  return ctx.requireRelation(async (req, user: AuthUser) => {
    const alertId = (req.params as { alertId?: string }).alertId ?? '';
    if (!UUID.test(alertId)) throw patientNotFound();
    const row = await ctx.db.selectFrom('glucose.alerts').select('patient_id').where('id', '=', alertId).executeTakeFirst();
    const access = row ? await resolvePatientAccess(ctx.db, user, row.patient_id) : undefined;
    if (!access) throw patientNotFound();
    if (allowed && !allowed.includes(access.as)) throw forbidden('not_allowed_for_relation', `As ${access.as === 'admin' ? 'an admin' : `the patient's ${access.as}`} you cannot do this; allowed: ${allowed.join(', ')}.`);
    scoped.set(req, { alertId: alertId.toLowerCase(), access });
    return true;
  });
}
const alertOf = (req: FastifyRequest) => scoped.get(req)!;

export const actorFor = (req: FastifyRequest, access: PatientAccess): Actor => ({ userId: authenticatedUser(req).id, role: access.as });

const Action = Type.Object({
  id: Type.String(), action: Type.String(), actorUserId: Nullable(Type.String()), actorRole: Nullable(Type.String()),
  payload: Nullable(Type.Unknown()), at: Type.String(),
});
const AlertWithActions = Type.Object({ ...AlertSchema.properties, actions: Type.Array(Action, { description: 'The action log, oldest first' }) });
const Version = Type.Optional(Type.Integer({ description: 'The alert version you saw; a different current version answers 409 alert_state_changed' }));
const AlertParams = Type.Object({ alertId: Type.String() });

export default async function alertRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const { db } = ctx;
  const tags = ['glucose alerts'];

  app.get('/alerts', {
    schema: {
      tags, summary: 'Alert inbox over every patient I can see, newest first',
      description: 'After a reconnection, `since` (ISO instant) returns alerts triggered or changed since then.',
      querystring: Type.Object({
        patientId: Type.Optional(Type.String()),
        status: Type.Optional(Type.String({ description: 'pending | acknowledged | snoozed | escalated | resolved | open (any but resolved)' })),
        severity: Type.Optional(Type.Union([Type.Literal('warning'), Type.Literal('critical')])),
        type: Type.Optional(Type.String()),
        since: Type.Optional(Type.String({ format: 'date-time' })),
        cursor: Type.Optional(Type.String({ maxLength: 512 })),
        limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(AlertSchema), nextCursor: Nullable(Type.String()) }), ...problemResponses(400, 401, 404) },
    },
    preHandler: app.requireAuth,
  }, async (req) => {
    const me = authenticatedUser(req);
    const q = req.query;
    let only: string | undefined;
    if (q.patientId) {
      const access = await resolvePatientAccess(db, me, q.patientId);
      if (!access) throw patientNotFound();
      only = access.patientId;
    }
    const position = decodeCursor(q.cursor);
    if (position && (typeof position[0] !== 'string' || typeof position[1] !== 'string')) throw badRequest('invalid_cursor', 'The cursor is not one this API returned; start again without it.');
    const admin = me.roles.includes('admin');
    const linkRoles = me.roles.filter((r) => r === 'caregiver' || r === 'clinician');
    const { rows } = await sql<AlertRow>`
      select a.* from glucose.alerts a
      where ${only ? sql`a.patient_id = ${only}` : admin ? sql`true` : sql`(
        ${me.roles.includes('patient') ? sql`a.patient_id = ${me.id} or` : sql``}
        a.patient_id in (select l.patient_id from glucose.care_links l where l.member_id = ${me.id} and l.ended_at is null and l.relation = any(${linkRoles}::text[])))`}
        ${q.status === 'open' ? sql`and a.status <> 'resolved'` : q.status ? sql`and a.status = ${q.status}` : sql``}
        ${q.severity ? sql`and a.severity = ${q.severity}` : sql``}
        ${q.type ? sql`and a.type = ${q.type}` : sql``}
        ${q.since ? sql`and (a.triggered_at >= ${q.since}::timestamptz or a.updated_at >= ${q.since}::timestamptz)` : sql``}
        ${position ? sql`and (a.triggered_at, a.id) < (${position[0] as string}::timestamptz, ${position[1] as string}::uuid)` : sql``}
      order by a.triggered_at desc, a.id desc limit ${q.limit + 1}`.execute(db);
    const page = rows.slice(0, q.limit);
    await recordAudit(db, actorOf(req), {
      action: 'glucose.alerts.read', entity: 'glucose.alerts', entityId: only ?? null,
      diff: { patientId: only ?? null, since: q.since ?? null, count: page.length, patients: [...new Set(page.map((r) => r.patient_id))] },
    });
    const last = page[page.length - 1];
    return { items: page.map(toAlert), nextCursor: rows.length > q.limit ? encodeCursor([new Date(last.triggered_at).toISOString(), last.id]) : null };
  });

  app.get('/patients/:patientId/alerts/:alertId', {
    schema: {
      tags, summary: 'One alert with its action log',
      params: Type.Object({ patientId: Type.String(), alertId: Type.String() }),
      response: { 200: AlertWithActions, ...problemResponses(401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const { alertId } = req.params;
    const row = UUID.test(alertId)
      ? (await db.selectFrom('glucose.alerts').selectAll().where('id', '=', alertId).where('patient_id', '=', access.patientId).executeTakeFirst()) as AlertRow | undefined
      : undefined;
    if (!row) throw notFound('alert_not_found', 'No such alert for this patient.');
    const actions = await db.selectFrom('glucose.alert_actions').selectAll().where('alert_id', '=', row.id).orderBy('created_at').orderBy('id').execute();
    await recordHealthRead(db, req, access, 'alert', { alertId: row.id });
    return {
      ...toAlert(row),
      actions: actions.map((a) => ({ id: a.id, action: a.action, actorUserId: a.actor_user_id, actorRole: a.actor_role, payload: a.payload ?? null, at: new Date(a.created_at).toISOString() })),
    };
  });

  app.post('/alerts/:alertId/acknowledge', {
    schema: {
      tags, summary: 'Acknowledge an alert: escalation stops, the alert is silent for the acknowledgement silence (patient, caregiver, clinician, admin)',
      description: 'From pending, escalated or snoozed. Acknowledging an acknowledged alert changes nothing. 409 alert_resolved; 409 alert_state_changed (with `alert`) when `version` is stale.',
      params: AlertParams, body: Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })), version: Version }, { additionalProperties: false }),
      response: { 200: AlertSchema, 409: RefusalSchema, ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: alertScope(ctx),
  }, async (req) => {
    const { alertId, access } = alertOf(req);
    const actor = actorFor(req, access);
    const { alert, events } = await db.transaction().execute(async (tx) => {
      const row = await lockForTransition(tx, alertId, req.body.version);
      const result = await acknowledge(svc, tx, row, actor, req.body.note ?? null);
      await recordAudit(tx, actorOf(req), { action: 'glucose.alert.acknowledged', entity: 'glucose.alert', entityId: alertId, diff: { patientId: row.patient_id, role: access.as, note: req.body.note ?? null } });
      return result;
    });
    await publishAll(svc, events);
    return toAlert(alert);
  });

  app.post('/alerts/:alertId/snooze', {
    schema: {
      tags, summary: 'Snooze an alert for 5–60 minutes (patient, caregiver, admin)',
      description: '400 invalid_snooze_duration; 409 alert_resolved; 422 urgent_low_not_snoozable unless `override: true`, a `reason` of ≥ 3 characters '
        + 'and `minutes` ≤ 30 (the override is logged and audited). A worsening ends the snooze; at its end the alert is pending again if still open.',
      params: AlertParams,
      body: Type.Object({ minutes: Type.Number({ description: '5..60' }), reason: Type.Optional(Type.String({ maxLength: 200 })), override: Type.Optional(Type.Boolean()), version: Version }, { additionalProperties: false }),
      response: { 200: AlertSchema, 400: RefusalSchema, 409: RefusalSchema, 422: RefusalSchema, ...problemResponses(401, 403, 404) },
    },
    preHandler: alertScope(ctx, ['patient', 'caregiver', 'admin']),
  }, async (req) => {
    const { alertId, access } = alertOf(req);
    const actor = actorFor(req, access);
    const { alert, events } = await db.transaction().execute(async (tx) => {
      const row = await lockForTransition(tx, alertId, req.body.version);
      const result = await snooze(svc, tx, row, actor, req.body);
      await recordAudit(tx, actorOf(req), {
        action: req.body.override ? 'glucose.alert.snoozed_override' : 'glucose.alert.snoozed', entity: 'glucose.alert', entityId: alertId,
        diff: { patientId: row.patient_id, role: access.as, type: row.type, minutes: req.body.minutes, reason: req.body.reason ?? null, override: req.body.override === true },
      });
      return result;
    });
    await publishAll(svc, events);
    return toAlert(alert);
  });

  app.post('/alerts/:alertId/close', {
    schema: {
      tags, summary: 'Close an alert (admin only): resolved with reason admin_closed',
      params: AlertParams, body: Type.Object({ reason: Type.String({ minLength: 3, maxLength: 500 }) }, { additionalProperties: false }),
      response: { 200: AlertSchema, ...problemResponses(400, 401, 403, 404, 409) },
    },
    preHandler: alertScope(ctx, ['admin']),
  }, async (req) => {
    const { alertId, access } = alertOf(req);
    const { alert, events } = await db.transaction().execute(async (tx) => {
      const row = await lockForTransition(tx, alertId);
      if (row.status === 'resolved') throw conflict('alert_resolved', 'The alert is already resolved.');
      const result = await resolve(tx, row, 'admin_closed', actorFor(req, access), { note: req.body.reason });
      await recordAudit(tx, actorOf(req), { action: 'glucose.alert.closed', entity: 'glucose.alert', entityId: alertId, diff: { patientId: row.patient_id, reason: req.body.reason } });
      return result;
    });
    await publishAll(svc, events);
    return toAlert(alert);
  });
}
