import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../types.js';
import { problemResponses } from '../../http/problem.js';
import { badRequest, unprocessable } from '../../http/errors.js';
import { actorOf, recordAudit } from '../../audit/writer.js';
import { Email, Password } from '../schemas.js';
import { hashPassword, passwordProblems, verifyPassword } from '../passwords.js';
import { findUserByEmail, findUserById } from '../users.js';
import { announceRevoked, revokeUserSessions } from '../sessions.js';
import { randomToken, sha256 } from '../tokens.js';
import { authenticatedUser } from '../guards.js';

const RESET_TTL_MINUTES = 60;

export default async function passwordRoutes(app: App) {
  const { platform } = app;
  const authLimit = { max: platform.config.rateLimit.authMax, timeWindow: '1 minute' };

  app.post('/api/v1/me/password', {
    schema: {
      tags: ['me'], summary: 'Change my password (other sessions are signed out)',
      body: Type.Object({ currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: Password }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...problemResponses(400, 401, 422, 429) },
    },
    preHandler: app.requireAuth,
    config: { allowWithoutTotp: true, rateLimit: authLimit },
  }, async (req, reply) => {
    const me = authenticatedUser(req);
    const user = (await findUserById(platform.db, me.id))!;
    if (!(await verifyPassword(user.password_hash, req.body.currentPassword))) {
      throw unprocessable('wrong_password', 'Your current password is not right.', [{ path: 'body.currentPassword', message: 'is not your current password' }]);
    }
    const problems = passwordProblems(req.body.newPassword, user.email, 'body.newPassword');
    if (problems.length) throw badRequest('validation_failed', 'The request has invalid fields; see errors.', problems);
    const passwordHash = await hashPassword(req.body.newPassword);
    const revoked = await platform.db.transaction().execute(async (tx) => {
      await tx.updateTable('platform.users').set({ password_hash: passwordHash, password_changed_at: new Date(), updated_at: new Date() })
        .where('id', '=', me.id).execute();
      const ids = await revokeUserSessions(tx, me.id, 'password_changed', me.sessionId);
      await recordAudit(tx, actorOf(req), { action: 'auth.password_changed', entity: 'user', entityId: me.id, diff: { otherSessionsClosed: ids.length } });
      return ids;
    });
    announceRevoked(platform, me.id, revoked, 'password_changed');
    return reply.code(204).send(null);
  });

  app.post('/api/v1/auth/password/forgot', {
    schema: {
      tags: ['auth'], summary: 'Email a password-reset link (the answer is the same whether the account exists or not)',
      body: Type.Object({ email: Email }, { additionalProperties: false }),
      response: { 202: Type.Object({ status: Type.Literal('accepted') }), ...problemResponses(400, 429) },
    },
    config: { public: true, rateLimit: authLimit },
  }, async (req, reply) => {
    const user = await findUserByEmail(platform.db, req.body.email);
    if (user && user.status === 'active') {
      const token = randomToken();
      await platform.db.transaction().execute(async (tx) => {
        await tx.insertInto('platform.password_reset_tokens').values({
          token_hash: sha256(token), user_id: user.id, expires_at: sql<Date>`now() + make_interval(mins => ${RESET_TTL_MINUTES})`,
        }).execute();
        await recordAudit(tx, { ...actorOf(req), actorId: user.id, actorEmail: user.email }, { action: 'auth.password_reset_requested', entity: 'user', entityId: user.id });
      });
      const link = `${platform.config.publicUrl}/reset-password?token=${encodeURIComponent(token)}`;
      await platform.mailer.send({ to: user.email, template: 'password_reset', locale: user.locale, data: { link, token, displayName: user.display_name } });
    }
    return reply.code(202).send({ status: 'accepted' as const });
  });

  app.post('/api/v1/auth/password/reset', {
    schema: {
      tags: ['auth'], summary: 'Set a new password with the emailed token (all sessions are signed out)',
      body: Type.Object({ token: Type.String({ minLength: 20, maxLength: 200 }), password: Password }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...problemResponses(400, 429) },
    },
    config: { public: true, rateLimit: authLimit },
  }, async (req, reply) => {
    const invalid = () => badRequest('invalid_reset_token', 'This reset link is invalid, used or expired. Ask for a new one.');
    const revoked = await platform.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('platform.password_reset_tokens').selectAll()
        .where('token_hash', '=', sha256(req.body.token)).forUpdate().executeTakeFirst();
      if (!row || row.used_at || new Date(row.expires_at) < new Date()) throw invalid();
      const user = (await findUserById(tx, row.user_id))!;
      const problems = passwordProblems(req.body.password, user.email, 'body.password');
      if (problems.length) throw badRequest('validation_failed', 'The request has invalid fields; see errors.', problems);
      await tx.updateTable('platform.password_reset_tokens').set({ used_at: new Date() }).where('user_id', '=', user.id).where('used_at', 'is', null).execute();
      await tx.updateTable('platform.users')
        .set({ password_hash: await hashPassword(req.body.password), password_changed_at: new Date(), updated_at: new Date(), failed_login_count: 0, locked_until: null })
        .where('id', '=', user.id).execute();
      const ids = await revokeUserSessions(tx, user.id, 'password_reset');
      await recordAudit(tx, { ...actorOf(req), actorId: user.id, actorEmail: user.email }, { action: 'auth.password_reset', entity: 'user', entityId: user.id });
      return { ids, userId: user.id };
    });
    announceRevoked(platform, revoked.userId, revoked.ids, 'password_reset');
    return reply.code(204).send(null);
  });
}
