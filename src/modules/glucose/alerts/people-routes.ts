import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { badRequest, notFound } from '../../../platform/http/errors.js';
import { patientAccess, patientNotFound, patientScope, resolvePatientAccess } from '../access/scope.js';
import { recordHealthRead } from '../access/audit.js';
import type { GlucoseServices } from '../services.js';
import { Nullable } from '../readings/model.js';
import './tables.js';

const Level = Type.Union([Type.Literal('all'), Type.Literal('critical'), Type.Literal('none')]);
const Subscription = Type.Object({
  patientId: Type.String(), displayName: Type.String(), level: Level,
  isDefault: Type.Boolean({ description: 'true when no level was chosen: patient all, caregiver critical, clinician none' }),
});

const Contact = Type.Object({
  id: Type.String(), patientId: Type.String(), name: Type.String(), phoneE164: Type.String(), email: Nullable(Type.String()),
  whatsapp: Type.Boolean(), relation: Nullable(Type.String()), priority: Type.Integer(),
});
const ContactFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  phoneE164: Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164, e.g. +33612345678' }),
  email: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 254 }))),
  whatsapp: Type.Optional(Type.Boolean()),
  relation: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
  priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 9 })),
};

type ContactRow = { id: string; patient_id: string; name: string; phone_e164: string; email: string | null; whatsapp: boolean; relation: string | null; priority: number };
const toContact = (c: ContactRow) => ({ id: c.id, patientId: c.patient_id, name: c.name, phoneE164: c.phone_e164, email: c.email, whatsapp: c.whatsapp, relation: c.relation, priority: c.priority });

export default async function alertPeopleRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const { db } = ctx;
  const tags = ['glucose alerts'];

  const subscriptionsOf = async (userId: string, roles: string[]) => {
    const { rows } = await sql<{ patient_id: string; display_name: string; level: 'all' | 'critical' | 'none' | null; relation: string }>`
      select p.id as patient_id, p.display_name, s.level, v.relation from (
        select ${userId}::uuid as patient_id, 'patient' as relation where ${roles.includes('patient')}
        union all
        select l.patient_id, l.relation from glucose.care_links l
        where l.member_id = ${userId} and l.ended_at is null and l.relation = any(${roles.filter((r) => r === 'caregiver' || r === 'clinician')}::text[])
      ) v join platform.users p on p.id = v.patient_id
      left join glucose.alert_subscriptions s on s.user_id = ${userId} and s.patient_id = v.patient_id
      order by p.display_name, p.id`.execute(db);
    const fallback = (relation: string) => (relation === 'patient' ? 'all' : relation === 'caregiver' ? 'critical' : 'none');
    return rows.map((r) => ({ patientId: r.patient_id, displayName: r.display_name, level: r.level ?? fallback(r.relation), isDefault: r.level === null }));
  };

  app.get('/me/alert-subscriptions', {
    schema: { tags, summary: 'Which patients\' alerts reach me: one row per patient I follow (and myself as a patient)', response: { 200: Type.Array(Subscription), ...problemResponses(401) } },
    preHandler: app.requireAuth,
  }, async (req) => {
    const me = authenticatedUser(req);
    return subscriptionsOf(me.id, me.roles);
  });

  app.put('/me/alert-subscriptions', {
    schema: {
      tags, summary: 'Choose the level (all | critical | none) per patient; patients not listed keep theirs',
      body: Type.Array(Type.Object({ patientId: Type.String(), level: Level }, { additionalProperties: false }), { maxItems: 500 }),
      response: { 200: Type.Array(Subscription), ...problemResponses(400, 401, 404) },
    },
    preHandler: app.requireAuth,
  }, async (req) => {
    const me = authenticatedUser(req);
    await db.transaction().execute(async (tx) => {
      for (const item of req.body) {
        const access = await resolvePatientAccess(tx, me, item.patientId);
        // Admins reach every patient but follow none: subscriptions are for the patient and their care team.
        if (!access || access.as === 'admin' && access.patientId !== me.id) throw patientNotFound();
        await tx.insertInto('glucose.alert_subscriptions').values({ user_id: me.id, patient_id: access.patientId, level: item.level, updated_at: new Date() })
          .onConflict((oc) => oc.columns(['user_id', 'patient_id']).doUpdateSet({ level: item.level, updated_at: new Date() })).execute();
      }
      await recordAudit(tx, actorOf(req), { action: 'glucose.alert_subscriptions.updated', entity: 'glucose.alert_subscriptions', entityId: me.id, diff: { items: req.body } });
    });
    return subscriptionsOf(me.id, me.roles);
  });

  const params = Type.Object({ patientId: Type.String() });
  const contactParams = Type.Object({ patientId: Type.String(), contactId: Type.String() });
  const findContact = async (patientId: string, contactId: string) => {
    if (!/^[0-9a-f-]{36}$/i.test(contactId)) return undefined;
    return db.selectFrom('glucose.emergency_contacts').selectAll().where('id', '=', contactId).where('patient_id', '=', patientId).executeTakeFirst();
  };
  const contactNotFound = () => notFound('contact_not_found', 'No such emergency contact for this patient.');

  app.get('/patients/:patientId/emergency-contacts', {
    schema: { tags, summary: 'Emergency contacts, by priority (escalation recipients and call_contact targets)', params, response: { 200: Type.Array(Contact), ...problemResponses(401, 404) } },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const rows = await db.selectFrom('glucose.emergency_contacts').selectAll().where('patient_id', '=', access.patientId).orderBy('priority').orderBy('id').execute();
    await recordHealthRead(db, req, access, 'emergency_contacts');
    return rows.map(toContact);
  });

  app.post('/patients/:patientId/emergency-contacts', {
    schema: { tags, summary: 'Add an emergency contact (patient, admin)', params, body: Type.Object(ContactFields, { additionalProperties: false }), response: { 201: Contact, ...problemResponses(400, 401, 403, 404) } },
    preHandler: patientScope(ctx, ['patient', 'admin']),
    config: { idempotent: true },
  }, async (req, reply) => {
    const access = patientAccess(req);
    const b = req.body;
    const row = await db.transaction().execute(async (tx) => {
      const created = await tx.insertInto('glucose.emergency_contacts').values({
        patient_id: access.patientId, name: b.name, phone_e164: b.phoneE164, email: b.email ?? null, whatsapp: b.whatsapp ?? false, relation: b.relation ?? null, priority: b.priority ?? 1,
      }).returningAll().executeTakeFirstOrThrow();
      await recordAudit(tx, actorOf(req), { action: 'glucose.emergency_contact.created', entity: 'glucose.emergency_contact', entityId: created.id, diff: { patientId: access.patientId, name: b.name } });
      return created;
    });
    return reply.code(201).send(toContact(row));
  });

  app.patch('/patients/:patientId/emergency-contacts/:contactId', {
    schema: {
      tags, summary: 'Change an emergency contact (patient, admin)', params: contactParams,
      body: Type.Partial(Type.Object(ContactFields), { additionalProperties: false, minProperties: 1 }), response: { 200: Contact, ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: patientScope(ctx, ['patient', 'admin']),
  }, async (req) => {
    const access = patientAccess(req);
    if (!(await findContact(access.patientId, req.params.contactId))) throw contactNotFound();
    const b = req.body;
    if (Object.keys(b).length === 0) throw badRequest('validation_failed', 'Send at least one field.');
    const row = await db.transaction().execute(async (tx) => {
      const updated = await tx.updateTable('glucose.emergency_contacts').set({
        name: b.name, phone_e164: b.phoneE164, email: b.email, whatsapp: b.whatsapp, relation: b.relation, priority: b.priority, updated_at: new Date(),
      }).where('id', '=', req.params.contactId).returningAll().executeTakeFirstOrThrow();
      await recordAudit(tx, actorOf(req), { action: 'glucose.emergency_contact.updated', entity: 'glucose.emergency_contact', entityId: updated.id, diff: { patientId: access.patientId, fields: Object.keys(b) } });
      return updated;
    });
    return toContact(row);
  });

  app.delete('/patients/:patientId/emergency-contacts/:contactId', {
    schema: { tags, summary: 'Remove an emergency contact (patient, admin)', params: contactParams, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    preHandler: patientScope(ctx, ['patient', 'admin']),
  }, async (req, reply) => {
    const access = patientAccess(req);
    if (!(await findContact(access.patientId, req.params.contactId))) throw contactNotFound();
    await db.transaction().execute(async (tx) => {
      await tx.deleteFrom('glucose.emergency_contacts').where('id', '=', req.params.contactId).execute();
      await recordAudit(tx, actorOf(req), { action: 'glucose.emergency_contact.deleted', entity: 'glucose.emergency_contact', entityId: req.params.contactId, diff: { patientId: access.patientId } });
    });
    return reply.code(204).send(null);
  });
}
