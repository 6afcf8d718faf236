import { Type } from 'typebox';
import type { App } from '../../types.js';
import { problemResponses } from '../../http/problem.js';
import { notFound, unprocessable, conflict, type FieldError } from '../../http/errors.js';
import { actorOf, changes, recordAudit } from '../../audit/writer.js';
import { DisplayName, Email, Phone, QuietHours, TimeZone } from '../schemas.js';
import { findUserByEmail, findUserById, isValidTimeZone, toUserDto, rolesOf } from '../users.js';
import { verifyPassword } from '../passwords.js';
import { announceRevoked, listActiveSessions, revokeSession, revokeUserSessions } from '../sessions.js';
import { authenticatedUser } from '../guards.js';

export const ProfilePatch = Type.Object({
  displayName: Type.Optional(DisplayName),
  email: Type.Optional(Email),
  currentPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Required to change the email' })),
  phone: Type.Optional(Type.Union([Phone, Type.Null()])),
  locale: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('fr')])),
  timeZone: Type.Optional(TimeZone),
  glucoseUnit: Type.Optional(Type.Union([Type.Literal('mg/dL'), Type.Literal('mmol/L')])),
  lowThresholdMgdl: Type.Optional(Type.Integer({ minimum: 40, maximum: 120 })),
  highThresholdMgdl: Type.Optional(Type.Integer({ minimum: 120, maximum: 400 })),
  quietHours: Type.Optional(Type.Union([QuietHours, Type.Null()])),
}, { additionalProperties: false, minProperties: 1 });

const Session = Type.Object({
  id: Type.String({ format: 'uuid' }),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  twoFactor: Type.Boolean(),
  current: Type.Boolean(),
});

export default async function meRoutes(app: App) {
  const { platform } = app;

  app.get('/api/v1/me', {
    schema: { tags: ['me'], summary: 'My profile, roles and preferences', response: { 200: Type.Ref('User'), ...problemResponses(401) } },
    preHandler: app.requireAuth,
    config: { allowWithoutTotp: true },
  }, async (req) => {
    const user = await platform.profiles.get(authenticatedUser(req).id);
    if (!user) throw notFound();
    return user;
  });

  app.patch('/api/v1/me', {
    schema: {
      tags: ['me'], summary: 'Update my profile and preferences',
      body: ProfilePatch,
      response: { 200: Type.Ref('User'), ...problemResponses(400, 401, 409, 422) },
    },
    preHandler: app.requireAuth,
    config: { allowWithoutTotp: true },
  }, async (req) => {
    const me = authenticatedUser(req);
    const body = req.body;
    const user = (await findUserById(platform.db, me.id))!;
    const before = toUserDto(user, me.roles);
    const problems: FieldError[] = [];
    if (body.timeZone !== undefined && !isValidTimeZone(body.timeZone)) problems.push({ path: 'body.timeZone', message: 'is not an IANA time zone (e.g. Europe/Paris)' });
    const low = body.lowThresholdMgdl ?? user.low_threshold_mgdl;
    const high = body.highThresholdMgdl ?? user.high_threshold_mgdl;
    if (low >= high) problems.push({ path: 'body.lowThresholdMgdl', message: 'must be below the high threshold' });
    const emailChanges = body.email !== undefined && body.email.toLowerCase() !== user.email;
    if (emailChanges && !(body.currentPassword && await verifyPassword(user.password_hash, body.currentPassword))) {
      problems.push({ path: 'body.currentPassword', message: 'your current password is needed to change the email' });
    }
    if (problems.length) throw unprocessable('invalid_preferences', 'Some values cannot be saved; see errors.', problems);
    if (emailChanges && await findUserByEmail(platform.db, body.email!)) throw conflict('email_taken', 'Another account uses this email.');

    const updated = await platform.db.transaction().execute(async (tx) => {
      const row = await tx.updateTable('platform.users').set({
        display_name: body.displayName?.trim(),
        email: emailChanges ? body.email!.toLowerCase() : undefined,
        phone: body.phone,
        locale: body.locale,
        time_zone: body.timeZone,
        glucose_unit: body.glucoseUnit,
        low_threshold_mgdl: body.lowThresholdMgdl,
        high_threshold_mgdl: body.highThresholdMgdl,
        ...(body.quietHours !== undefined ? {
          quiet_hours_start: body.quietHours?.start ?? null,
          quiet_hours_end: body.quietHours?.end ?? null,
          quiet_hours_allow_critical: body.quietHours?.allowCritical ?? true,
        } : {}),
        updated_at: new Date(),
      }).where('id', '=', me.id).returningAll().executeTakeFirstOrThrow();
      const after = toUserDto(row, await rolesOf(tx, me.id));
      await recordAudit(tx, actorOf(req), { action: 'user.profile_updated', entity: 'user', entityId: me.id, diff: changes(before, after) });
      return after;
    });
    platform.events.emit('user.changed', { userId: me.id });
    return updated;
  });

  app.get('/api/v1/me/sessions', {
    schema: { tags: ['me'], summary: 'My signed-in sessions (devices)', response: { 200: Type.Object({ items: Type.Array(Session) }), ...problemResponses(401) } },
    preHandler: app.requireAuth,
  }, async (req) => {
    const me = authenticatedUser(req);
    const rows = await listActiveSessions(platform.db, me.id);
    return {
      items: rows.map((s) => ({
        id: s.id, userAgent: s.user_agent, ip: s.ip,
        createdAt: new Date(s.created_at).toISOString(), lastUsedAt: new Date(s.last_used_at).toISOString(),
        expiresAt: new Date(s.expires_at).toISOString(), twoFactor: s.totp_verified_at !== null, current: s.id === me.sessionId,
      })),
    };
  });

  app.delete('/api/v1/me/sessions/:id', {
    schema: {
      tags: ['me'], summary: 'Sign out one of my sessions',
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      response: { 204: Type.Null(), ...problemResponses(401, 404) },
    },
    preHandler: app.requireAuth,
  }, async (req, reply) => {
    const me = authenticatedUser(req);
    const owned = await platform.db.selectFrom('platform.sessions').select('id').where('id', '=', req.params.id).where('user_id', '=', me.id)
      .where('revoked_at', 'is', null).executeTakeFirst();
    if (!owned) throw notFound('session_not_found', 'No such session.');
    await platform.db.transaction().execute(async (tx) => {
      await revokeSession(tx, owned.id, 'signed_out_by_user');
      await recordAudit(tx, actorOf(req), { action: 'auth.session_revoked', entity: 'session', entityId: owned.id });
    });
    announceRevoked(platform, me.id, [owned.id], 'signed_out_by_user');
    return reply.code(204).send(null);
  });

  app.post('/api/v1/me/sessions/revoke-others', {
    schema: { tags: ['me'], summary: 'Sign out all my other sessions', response: { 200: Type.Object({ revoked: Type.Integer() }), ...problemResponses(401) } },
    preHandler: app.requireAuth,
  }, async (req) => {
    const me = authenticatedUser(req);
    const ids = await platform.db.transaction().execute(async (tx) => {
      const revoked = await revokeUserSessions(tx, me.id, 'signed_out_by_user', me.sessionId);
      await recordAudit(tx, actorOf(req), { action: 'auth.other_sessions_revoked', entity: 'user', entityId: me.id, diff: { count: revoked.length } });
      return revoked;
    });
    announceRevoked(platform, me.id, ids, 'signed_out_by_user');
    return { revoked: ids.length };
  });
}
