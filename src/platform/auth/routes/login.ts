import { Type } from 'typebox';
import type { App } from '../../types.js';
import { problemResponses } from '../../http/problem.js';
import { unauthorized } from '../../http/errors.js';
import { Email } from '../schemas.js';
import { burnPasswordCheck, verifyPassword } from '../passwords.js';
import { findUserByEmail, findUserById } from '../users.js';
import { actorOf, recordAudit } from '../../audit/writer.js';
import { assertCanAttempt, clearFailedAttempts, recordFailedAttempt } from '../lockout.js';
import { signIn } from '../issue.js';
import { verifySecondFactor } from '../totp.js';

const INVALID = () => unauthorized('invalid_credentials', 'Email or password is wrong.');

export default async function loginRoutes(app: App) {
  const { platform } = app;
  const authLimit = { max: platform.config.rateLimit.authMax, timeWindow: '1 minute' };

  app.post('/api/v1/auth/login', {
    schema: {
      tags: ['auth'],
      summary: 'Sign in with email and password',
      description: 'Answers the tokens, or `{mfaRequired, mfaToken}` when the account has two-factor on.',
      body: Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      response: { 200: Type.Union([Type.Ref('TokenResponse'), Type.Ref('MfaChallenge')]), ...problemResponses(400, 401, 403, 429) },
    },
    config: { public: true, rateLimit: authLimit },
  }, async (req) => {
    const user = await findUserByEmail(platform.db, req.body.email);
    if (!user) {
      await burnPasswordCheck(req.body.password);
      throw INVALID();
    }
    assertCanAttempt(user);
    if (!(await verifyPassword(user.password_hash, req.body.password))) {
      await recordFailedAttempt(platform, user, actorOf(req), 'password');
      throw INVALID();
    }
    if (user.totp_enabled_at) {
      return { mfaRequired: true as const, mfaToken: await platform.tokens.signMfa(user.id, { userAgent: req.headers['user-agent'] }) };
    }
    await clearFailedAttempts(platform, user.id);
    await recordAudit(platform.db, { ...actorOf(req), actorId: user.id, actorEmail: user.email }, { action: 'auth.signed_in', entity: 'user', entityId: user.id });
    return signIn(platform, req, user.id, null);
  });

  app.post('/api/v1/auth/login/totp', {
    schema: {
      tags: ['auth'],
      summary: 'Second step of sign-in: a TOTP code or a recovery code',
      body: Type.Object({
        mfaToken: Type.String({ minLength: 10, maxLength: 2000 }),
        code: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
        recoveryCode: Type.Optional(Type.String({ minLength: 8, maxLength: 32 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Ref('TokenResponse'), ...problemResponses(400, 401, 403, 429) },
    },
    config: { public: true, rateLimit: authLimit },
  }, async (req) => {
    const mfa = await platform.tokens.verifyMfa(req.body.mfaToken);
    if (!mfa) throw unauthorized('invalid_mfa_token', 'The sign-in step expired; enter your email and password again.');
    const user = await findUserById(platform.db, mfa.userId);
    if (!user || !user.totp_enabled_at) throw unauthorized('invalid_mfa_token', 'The sign-in step expired; enter your email and password again.');
    assertCanAttempt(user);
    const ok = await verifySecondFactor(platform, user, req.body);
    if (!ok) {
      await recordFailedAttempt(platform, user, actorOf(req), 'totp');
      throw unauthorized('invalid_totp_code', 'That code is not valid. Use the current code from your authenticator app, or a recovery code.');
    }
    await clearFailedAttempts(platform, user.id);
    await recordAudit(platform.db, { ...actorOf(req), actorId: user.id, actorEmail: user.email }, {
      action: 'auth.signed_in', entity: 'user', entityId: user.id, diff: { secondFactor: req.body.code ? 'totp' : 'recovery_code' },
    });
    return signIn(platform, req, user.id, new Date());
  });
}
