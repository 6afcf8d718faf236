import { Type } from 'typebox';
import type { App } from '../../types.js';
import { problemResponses } from '../../http/problem.js';
import { conflict, badRequest } from '../../http/errors.js';
import { DisplayName, Email, Password } from '../schemas.js';
import { hashPassword, passwordProblems } from '../passwords.js';
import { findUserByEmail } from '../users.js';
import { recordAudit, actorOf } from '../../audit/writer.js';
import { signIn } from '../issue.js';

export const RegisterBody = Type.Object({ email: Email, password: Password, displayName: DisplayName }, { additionalProperties: false });

export default async function registerRoute(app: App) {
  app.post('/api/v1/auth/register', {
    schema: {
      tags: ['auth'],
      summary: 'Create an account (role patient) and sign in',
      body: RegisterBody,
      response: { 201: Type.Ref('TokenResponse'), ...problemResponses(400, 409, 429) },
    },
    // Not `idempotent`: a replay would need the answer kept, and it holds a live refresh token that must
    // exist only hashed. A retried registration gets 409 email_taken, and the client signs in.
    config: { public: true, rateLimit: { max: app.platform.config.rateLimit.authMax, timeWindow: '1 minute' } },
  }, async (req, reply) => {
    const { platform } = app;
    const email = req.body.email.toLowerCase();
    const problems = passwordProblems(req.body.password, email, 'body.password');
    if (problems.length) throw badRequest('validation_failed', 'The request has invalid fields; see errors.', problems);
    if (await findUserByEmail(platform.db, email)) throw conflict('email_taken', 'An account with this email already exists. Sign in, or reset your password.');
    const passwordHash = await hashPassword(req.body.password);
    const userId = await platform.db.transaction().execute(async (tx) => {
      const user = await tx.insertInto('platform.users')
        .values({ email, password_hash: passwordHash, display_name: req.body.displayName.trim() })
        .onConflict((oc) => oc.column('email').doNothing())
        .returning('id').executeTakeFirst();
      if (!user) throw conflict('email_taken', 'An account with this email already exists. Sign in, or reset your password.');
      await tx.insertInto('platform.user_roles').values({ user_id: user.id, role: 'patient', granted_by: null }).execute();
      await recordAudit(tx, { ...actorOf(req), actorId: user.id, actorEmail: email }, {
        action: 'user.registered', entity: 'user', entityId: user.id, diff: { email, displayName: req.body.displayName, roles: ['patient'] },
      });
      return user.id;
    });
    return reply.code(201).send(await signIn(platform, req, userId, null));
  });
}
