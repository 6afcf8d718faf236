import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { badRequest, notFound } from '../../../platform/http/errors.js';
import { RefusalSchema, refuse } from '../access/problems.js';
import { patientAccess, patientScope } from '../access/scope.js';
import type { GlucoseServices } from '../services.js';
import { Nullable } from '../readings/model.js';
import { localTime, logAction, peopleOf, publishAll, Q, updateAlert, type AlertEvent } from './engine.js';
import { type AlertRow } from './model.js';
import { acknowledge } from './transitions.js';
import { actorFor } from './routes.js';
import type { AlertMessageData } from './messages.js';
import './tables.js';
import { logHypoTreatment } from '../nutrition/meals.js';

const RECHECK_MS = 15 * 60_000;

const Body = Type.Object({
  action: Type.Union([Type.Literal('treat_hypo'), Type.Literal('already_treated'), Type.Literal('call_contact')]),
  alertId: Type.Optional(Type.String({ format: 'uuid', description: 'Default: the open low alert of the patient' })),
  carbsG: Type.Optional(Type.Number({ description: 'treat_hypo: 5..60 g, default 15' })),
  logCarbs: Type.Optional(Type.Boolean({ description: 'treat_hypo: false to not log the carbohydrate' })),
  contactId: Type.Optional(Type.String({ format: 'uuid', description: 'call_contact: an emergency contact id or a linked caregiver\'s user id' })),
  note: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });

const Result = Type.Object({
  actionId: Type.String(), alertId: Nullable(Type.String()), nextSteps: Type.Array(Type.String()),
  recheckAt: Type.Optional(Type.String()), dialUri: Type.Optional(Nullable(Type.String({ description: 'tel: URI for the client to start the call; the server never calls' }))),
});

export default async function quickActionRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const { db } = ctx;

  app.post('/patients/:patientId/quick-actions', {
    schema: {
      tags: ['glucose alerts'], summary: 'Act on a low at once: treat_hypo (recheck in 15 min), already_treated, call_contact (patient, caregiver, admin)',
      description: 'Answers 202. treat_hypo acknowledges the alert and schedules a recheck 15 minutes later that reopens the alert when still low or nothing '
        + 'new was measured. call_contact sends an SMS (and push to a user) at once and returns a tel: URI. 400 invalid_carbs; 404 alert_not_found, '
        + 'contact_not_found; 422 contact_required, alert_required. Send Idempotency-Key to retry safely.',
      params: Type.Object({ patientId: Type.String() }), body: Body,
      response: { 202: Result, 422: RefusalSchema, ...problemResponses(400, 401, 403, 404, 409) },
    },
    preHandler: patientScope(ctx, ['patient', 'caregiver', 'admin']),
    config: { idempotent: true },
  }, async (req, reply) => {
    const access = patientAccess(req);
    const actor = actorFor(req, access);
    const body = req.body;
    const carbs = body.carbsG ?? 15;
    if (body.action === 'treat_hypo' && (carbs < 5 || carbs > 60)) throw badRequest('invalid_carbs', 'carbsG must be from 5 to 60 g.', [{ path: 'body.carbsG', message: 'must be from 5 to 60' }]);
    if (body.action === 'call_contact' && !body.contactId) throw refuse('contact_required', 'Name the person to call (contactId).');
    const events: AlertEvent[] = [];
    const result = await db.transaction().execute(async (tx) => {
      let alert: AlertRow | undefined;
      if (body.alertId) {
        alert = (await tx.selectFrom('glucose.alerts').selectAll().where('id', '=', body.alertId).where('patient_id', '=', access.patientId).forUpdate().executeTakeFirst()) as AlertRow | undefined;
        if (!alert) throw notFound('alert_not_found', 'No such alert for this patient.');
      } else {
        alert = (await tx.selectFrom('glucose.alerts').selectAll().where('patient_id', '=', access.patientId).where('family', '=', 'low')
          .where('status', '<>', 'resolved').forUpdate().executeTakeFirst()) as AlertRow | undefined;
      }
      if (!alert && body.action === 'already_treated') throw refuse('alert_required', 'There is no open alert to mark as treated.');
      const open = alert && alert.status !== 'resolved' ? alert : undefined;
      const out: { nextSteps: string[]; recheckAt?: string; dialUri?: string | null; payload: Record<string, unknown> } = { nextSteps: [], payload: {} };

      if (body.action === 'treat_hypo') {
        const recheckAt = new Date(Date.now() + RECHECK_MS);
        const people = await peopleOf(tx, access.patientId);
        const tz = people.find((p) => p.relation === 'patient')?.tz ?? 'UTC';
        out.recheckAt = recheckAt.toISOString();
        out.nextSteps = [`Take ${carbs} g of fast-acting carbohydrate.`, `Recheck your glucose at ${localTime(recheckAt, tz)}.`];
        out.payload = { carbsG: carbs, logCarbs: body.logCarbs !== false, note: body.note ?? null, recheckAt: out.recheckAt };
        // §4.3.5: the carbohydrate is logged as a hypo_treatment meal (absorption 120 min, source quick_action) unless logCarbs is false.
        if (body.logCarbs !== false) out.payload.mealId = (await logHypoTreatment(svc, tx, access.patientId, carbs, actor.userId, Date.now(), body.note ?? null)).id;
      } else if (body.action === 'call_contact') {
        const contact = await tx.selectFrom('glucose.emergency_contacts').select(['id', 'name', 'phone_e164']).where('id', '=', body.contactId!).where('patient_id', '=', access.patientId).executeTakeFirst();
        const member = contact ? undefined : (await sql<{ id: string; display_name: string; phone: string | null }>`
          select u.id, u.display_name, u.phone from glucose.care_links l join platform.users u on u.id = l.member_id
          where l.patient_id = ${access.patientId} and l.member_id = ${body.contactId!} and l.ended_at is null and l.relation = 'caregiver'`.execute(tx)).rows[0];
        if (!contact && !member) throw notFound('contact_not_found', 'No such emergency contact or linked caregiver.');
        const people = await peopleOf(tx, access.patientId);
        const patient = people.find((p) => p.relation === 'patient')!;
        const value = alert?.last_value === null || !alert ? null : Number(alert.last_value);
        const data: AlertMessageData = {
          kind: 'help', type: alert?.type ?? 'low', value, unit: 'mg/dL', arrow: '', patientName: patient.display_name,
          at: localTime(new Date(alert?.last_value_at ?? Date.now()), patient.tz), link: `${ctx.config.publicUrl}/glucose/alerts/${alert?.id ?? ''}`,
        };
        const phone = contact?.phone_e164 ?? member?.phone ?? null;
        const dedupKey = `glucose.alert:${alert?.id ?? access.patientId}:call:${body.contactId}:${Math.floor(Date.now() / 60_000)}`;
        if (phone) await ctx.notify.send({ to: { channel: 'sms', address: phone }, template: 'glucose.alert', critical: true, dedupKey, data: { ...data } }, { db: tx });
        if (member) await ctx.notify.send({ to: { userId: member.id }, template: 'glucose.alert', channels: ['push', 'inapp'], critical: true, dedupKey, data: { ...data } }, { db: tx });
        out.dialUri = phone ? `tel:${phone}` : null;
        out.nextSteps = [`Call ${contact?.name ?? member!.display_name}${phone ? ` (${phone})` : ''}.`];
        out.payload = { contactId: body.contactId, kind: contact ? 'emergency_contact' : 'caregiver', sms: phone !== null, note: body.note ?? null };
      } else {
        out.nextSteps = ['Keep watching your glucose.'];
        out.payload = { note: body.note ?? 'already treated' };
      }

      if (open) {
        const acked = await acknowledge(svc, tx, open, actor, body.action === 'already_treated' ? (body.note ?? 'already treated') : (body.note ?? null), body.action);
        alert = acked.alert;
        events.push(...acked.events);
      }
      const action = await logAction(tx, { id: alert?.id ?? null, patient_id: access.patientId }, body.action, actor, out.payload);
      if (body.action === 'treat_hypo') {
        const recheckAt = new Date(out.recheckAt!);
        const key = alert?.id ?? action.id;
        await ctx.jobs.send(Q.recheck, { patientId: access.patientId, alertId: alert && alert.status !== 'resolved' ? alert.id : null, actionId: action.id, actorId: actor.userId, at: new Date().toISOString() }, {
          db: tx, startAfter: recheckAt, singletonKey: `recheck:${key}:${action.id}`,
        });
        if (alert && alert.status !== 'resolved') await updateAlert(tx, alert.id, { follow_up_at: recheckAt });
      }
      await recordAudit(tx, actorOf(req), {
        action: `glucose.quick_action.${body.action}`, entity: 'glucose.alert', entityId: alert?.id ?? null,
        diff: { patientId: access.patientId, role: access.as, actionId: action.id, ...out.payload },
      });
      return { actionId: action.id, alertId: alert?.id ?? null, nextSteps: out.nextSteps, ...(out.recheckAt ? { recheckAt: out.recheckAt } : {}), ...(body.action === 'call_contact' ? { dialUri: out.dialUri ?? null } : {}) };
    });
    await publishAll(svc, events);
    return reply.code(202).send(result);
  });
}
