import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../../platform/types.js';
import type { Role } from '../../../platform/config.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { conflict, forbidden, notFound, unprocessable, badRequest } from '../../../platform/http/errors.js';
import { patientAccess, patientScope } from '../access/scope.js';
import type { GlucoseServices } from '../services.js';
import type { Relation } from '../tables.js';

const INVITATION_DAYS = 14;
const RelationSchema = Type.Union([Type.Literal('caregiver'), Type.Literal('clinician')]);
const Iso = Type.String({ format: 'date-time' });
const Person = Type.Object({ id: Type.String(), displayName: Type.String(), email: Type.String() });

const Invitation = Type.Object({
  id: Type.String(), patientEmail: Type.String(), relation: RelationSchema, message: Type.Union([Type.String(), Type.Null()]),
  status: Type.String({ description: 'pending | accepted | declined | cancelled | expired' }), createdAt: Iso, expiresAt: Iso,
  inviter: Type.Optional(Person),
});

const Link = Type.Object({
  id: Type.String(), patientId: Type.String(), member: Person, relation: RelationSchema, via: Type.String(), since: Iso,
});

const InvitationParams = Type.Object({ invitationId: Type.String({ format: 'uuid' }) });

interface InvitationRow {
  id: string; patient_email: string; relation: Relation; message: string | null; status: string; created_at: Date; expires_at: Date;
  inviter_id?: string; inviter_name?: string; inviter_email?: string;
}

const toInvitation = (r: InvitationRow, now = Date.now()) => ({
  id: r.id, patientEmail: r.patient_email, relation: r.relation, message: r.message,
  status: r.status === 'pending' && new Date(r.expires_at).getTime() <= now ? 'expired' : r.status,
  createdAt: new Date(r.created_at).toISOString(), expiresAt: new Date(r.expires_at).toISOString(),
  ...(r.inviter_id && r.inviter_name ? { inviter: { id: r.inviter_id, displayName: r.inviter_name, email: r.inviter_email! } } : {}),
});

const invitationNotFound = () => notFound('invitation_not_found', 'No such invitation.');

export default async function careTeamRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const { db } = ctx;
  const tags = ['glucose care team'];

  const loadLink = async (linkId: string) => {
    const { rows } = await sql<{ id: string; patient_id: string; member_id: string; relation: Relation; via: string; created_at: Date; display_name: string; email: string }>`
      select l.id, l.patient_id, l.member_id, l.relation, l.via, l.created_at, u.display_name, u.email
      from glucose.care_links l join platform.users u on u.id = l.member_id where l.id = ${linkId}`.execute(db);
    const r = rows[0];
    return r && {
      id: r.id, patientId: r.patient_id, relation: r.relation, via: r.via, since: new Date(r.created_at).toISOString(),
      member: { id: r.member_id, displayName: r.display_name, email: r.email },
    };
  };

  app.post('/care-team/invitations', {
    schema: {
      tags, summary: 'Ask to follow a patient (caregiver, clinician); the patient accepts or declines',
      description: 'The answer is the same whether or not an account has this email, so asking never reveals who uses Atrium.',
      body: Type.Object({
        patientEmail: Type.String({ format: 'email', maxLength: 254 }),
        relation: Type.Optional(RelationSchema),
        message: Type.Optional(Type.String({ maxLength: 500 })),
      }, { additionalProperties: false }),
      response: { 201: Invitation, ...problemResponses(400, 401, 403, 409) },
    },
    preHandler: app.requireRole('caregiver', 'clinician'),
    config: { idempotent: true },
  }, async (req, reply) => {
    const me = authenticatedUser(req);
    const held = me.roles.filter((r): r is Relation => r === 'caregiver' || r === 'clinician');
    const relation = req.body.relation ?? (held.length === 1 ? held[0] : undefined);
    if (!relation) throw badRequest('relation_required', 'You hold both roles: say whether you follow as caregiver or clinician.', [{ path: 'body.relation', message: 'is required' }]);
    if (!held.includes(relation)) throw forbidden('role_required', `Following as ${relation} needs the ${relation} role.`);
    const email = req.body.patientEmail.toLowerCase();
    const self = await db.selectFrom('platform.users').select('email').where('id', '=', me.id).executeTakeFirstOrThrow();
    if (self.email.toLowerCase() === email) throw unprocessable('cannot_follow_self', 'You cannot follow yourself.');
    const linked = await sql<{ id: string }>`
      select l.id from glucose.care_links l join platform.users u on u.id = l.patient_id
      where u.email = ${email} and l.member_id = ${me.id} and l.ended_at is null`.execute(db);
    if (linked.rows.length) throw conflict('already_linked', 'You already follow this patient.');
    const row = await db.transaction().execute(async (tx) => {
      const created = await tx.insertInto('glucose.care_invitations').values({
        inviter_id: me.id, relation, patient_email: email, message: req.body.message ?? null,
        expires_at: new Date(Date.now() + INVITATION_DAYS * 86_400_000),
      }).onConflict((oc) => oc.columns(['inviter_id', 'patient_email']).where(sql<boolean>`status = 'pending'`).doNothing())
        .returningAll().executeTakeFirst();
      if (!created) throw conflict('invitation_pending', 'You already asked this patient; wait for the answer or cancel it.');
      await recordAudit(tx, actorOf(req), { action: 'glucose.care_invitation.created', entity: 'glucose.care_invitation', entityId: created.id, diff: { relation, patientEmail: email } });
      return created;
    });
    return reply.code(201).send(toInvitation(row as InvitationRow));
  });

  app.get('/care-team/invitations', {
    schema: {
      tags, summary: 'Invitations I received (as a patient, pending) and sent (as a caregiver or clinician, last 90 days)',
      response: { 200: Type.Object({ received: Type.Array(Invitation), sent: Type.Array(Invitation) }), ...problemResponses(401) },
    },
    preHandler: app.requireAuth,
  }, async (req) => {
    const me = authenticatedUser(req);
    const received = me.roles.includes('patient') ? (await sql<InvitationRow>`
      select i.*, u.id as inviter_id, u.display_name as inviter_name, u.email as inviter_email
      from glucose.care_invitations i join platform.users u on u.id = i.inviter_id
      where i.patient_email = (select email from platform.users where id = ${me.id}) and i.status = 'pending' and i.expires_at > now()
      order by i.created_at desc limit 100`.execute(db)).rows : [];
    const sent = (await sql<InvitationRow>`
      select i.id, i.patient_email, i.relation, i.message, i.status, i.created_at, i.expires_at from glucose.care_invitations i
      where i.inviter_id = ${me.id} and i.created_at > now() - interval '90 days' order by i.created_at desc limit 100`.execute(db)).rows;
    return { received: received.map((r) => toInvitation(r)), sent: sent.map((r) => toInvitation(r)) };
  });

  for (const answer of ['accept', 'decline'] as const) {
    app.post(`/care-team/invitations/:invitationId/${answer}`, {
      schema: {
        tags, summary: answer === 'accept' ? 'Accept an invitation: the inviter joins my care team (patient)' : 'Decline an invitation (patient)',
        params: InvitationParams,
        body: Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]),
        response: { 200: answer === 'accept' ? Link : Invitation, ...problemResponses(401, 403, 404) },
      },
      preHandler: app.requireRole('patient'),
    }, async (req) => {
      const me = authenticatedUser(req);
      const result = await db.transaction().execute(async (tx) => {
        const { rows } = await sql<InvitationRow & { inviter_id: string }>`
          select i.* from glucose.care_invitations i
          where i.id = ${req.params.invitationId} and i.status = 'pending' and i.expires_at > now()
            and i.patient_email = (select email from platform.users where id = ${me.id})
          for update`.execute(tx);
        const invitation = rows[0];
        if (!invitation) throw invitationNotFound();
        let linkId: string | null = null;
        if (answer === 'accept') {
          const existing = await tx.selectFrom('glucose.care_links').select('id').where('patient_id', '=', me.id)
            .where('member_id', '=', invitation.inviter_id).where('ended_at', 'is', null).executeTakeFirst();
          linkId = existing?.id ?? (await tx.insertInto('glucose.care_links').values({
            patient_id: me.id, member_id: invitation.inviter_id, relation: invitation.relation, via: 'invitation', created_by: me.id,
          }).returning('id').executeTakeFirstOrThrow()).id;
        }
        const updated = await tx.updateTable('glucose.care_invitations')
          .set({ status: answer === 'accept' ? 'accepted' : 'declined', responded_at: new Date(), link_id: linkId })
          .where('id', '=', invitation.id).returningAll().executeTakeFirstOrThrow();
        await recordAudit(tx, actorOf(req), {
          action: `glucose.care_invitation.${answer}ed`, entity: 'glucose.care_invitation', entityId: invitation.id,
          diff: { patientId: me.id, memberId: invitation.inviter_id, relation: invitation.relation, linkId },
        });
        return { updated, linkId };
      });
      return answer === 'accept' ? (await loadLink(result.linkId!))! : toInvitation(result.updated as InvitationRow);
    });
  }

  app.delete('/care-team/invitations/:invitationId', {
    schema: { tags, summary: 'Cancel an invitation I sent', params: InvitationParams, response: { 204: Type.Null(), ...problemResponses(401, 404) } },
    preHandler: app.requireAuth,
  }, async (req, reply) => {
    const me = authenticatedUser(req);
    await db.transaction().execute(async (tx) => {
      const cancelled = await tx.updateTable('glucose.care_invitations').set({ status: 'cancelled', responded_at: new Date() })
        .where('id', '=', req.params.invitationId).where('inviter_id', '=', me.id).where('status', '=', 'pending')
        .returning('id').executeTakeFirst();
      if (!cancelled) throw invitationNotFound();
      await recordAudit(tx, actorOf(req), { action: 'glucose.care_invitation.cancelled', entity: 'glucose.care_invitation', entityId: cancelled.id });
    });
    return reply.code(204).send(null);
  });

  app.get('/patients/:patientId/care-team', {
    schema: {
      tags, summary: 'The patient\'s care team (patient, admin)',
      params: Type.Object({ patientId: Type.String() }),
      response: { 200: Type.Object({ items: Type.Array(Link) }), ...problemResponses(401, 403, 404) },
    },
    preHandler: patientScope(ctx, ['patient', 'admin']),
  }, async (req) => {
    const { patientId } = patientAccess(req);
    const { rows } = await sql<{ id: string }>`
      select id from glucose.care_links where patient_id = ${patientId} and ended_at is null order by relation, created_at`.execute(db);
    return { items: (await Promise.all(rows.map((r) => loadLink(r.id)))).filter((l) => l !== undefined) };
  });

  app.post('/patients/:patientId/care-team', {
    schema: {
      tags, summary: 'Link a caregiver or clinician to the patient directly (admin)',
      params: Type.Object({ patientId: Type.String() }),
      body: Type.Object({ memberId: Type.String({ format: 'uuid' }), relation: RelationSchema }, { additionalProperties: false }),
      response: { 201: Link, ...problemResponses(400, 401, 403, 404, 409, 422) },
    },
    preHandler: patientScope(ctx, ['admin']),
    config: { idempotent: true },
  }, async (req, reply) => {
    const { patientId } = patientAccess(req);
    const { memberId, relation } = req.body;
    const roles = await db.selectFrom('platform.user_roles').select('role').where('user_id', '=', memberId).execute();
    if (roles.length === 0 && !(await db.selectFrom('platform.users').select('id').where('id', '=', memberId).executeTakeFirst())) {
      throw notFound('member_not_found', 'No such user.');
    }
    if (!roles.some((r) => (r.role as Role) === relation)) throw unprocessable('member_lacks_role', `This user does not have the ${relation} role; grant it first.`);
    if (memberId === patientId) throw unprocessable('cannot_follow_self', 'A patient cannot be in their own care team.');
    const linkId = await db.transaction().execute(async (tx) => {
      const created = await tx.insertInto('glucose.care_links').values({ patient_id: patientId, member_id: memberId, relation, via: 'admin', created_by: authenticatedUser(req).id })
        .onConflict((oc) => oc.columns(['patient_id', 'member_id']).where('ended_at', 'is', null).doNothing()).returning('id').executeTakeFirst();
      if (!created) throw conflict('already_linked', 'This user already follows the patient.');
      await recordAudit(tx, actorOf(req), { action: 'glucose.care_link.created', entity: 'glucose.care_link', entityId: created.id, diff: { patientId, memberId, relation, via: 'admin' } });
      return created.id;
    });
    return reply.code(201).send((await loadLink(linkId))!);
  });

  app.delete('/patients/:patientId/care-team/:linkId', {
    schema: {
      tags, summary: 'End a care-team link (the patient, the member leaving, or an admin)',
      params: Type.Object({ patientId: Type.String(), linkId: Type.String({ format: 'uuid' }) }),
      response: { 204: Type.Null(), ...problemResponses(401, 403, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req, reply) => {
    const access = patientAccess(req);
    const me = authenticatedUser(req);
    await db.transaction().execute(async (tx) => {
      const link = await tx.selectFrom('glucose.care_links').select(['id', 'member_id']).where('id', '=', req.params.linkId)
        .where('patient_id', '=', access.patientId).where('ended_at', 'is', null).executeTakeFirst();
      if (!link) throw notFound('care_link_not_found', 'No such care-team link.');
      if ((access.as === 'caregiver' || access.as === 'clinician') && link.member_id !== me.id) throw forbidden('not_your_link', 'You can only end your own link.');
      await tx.updateTable('glucose.care_links').set({ ended_at: new Date(), ended_by: me.id }).where('id', '=', link.id).execute();
      await recordAudit(tx, actorOf(req), { action: 'glucose.care_link.ended', entity: 'glucose.care_link', entityId: link.id, diff: { patientId: access.patientId, memberId: link.member_id, role: access.as } });
    });
    return reply.code(204).send(null);
  });
}
