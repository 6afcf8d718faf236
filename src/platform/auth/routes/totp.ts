import { Type } from 'typebox';
import type { App } from '../../types.js';
import { problemResponses } from '../../http/problem.js';
import { conflict, unprocessable } from '../../http/errors.js';
import { actorOf, recordAudit } from '../../audit/writer.js';
import { findUserById } from '../users.js';
import { authenticatedUser } from '../guards.js';
import { consumeRecoveryCode, consumeTotpCode, newTotpSecret, otpauthUrl, replaceRecoveryCodes } from '../totp.js';

const Code = Type.String({ pattern: '^[0-9]{6}$', description: 'Six-digit code from the authenticator app' });

export default async function totpRoutes(app: App) {
  const { platform } = app;
  const config = { allowWithoutTotp: true, rateLimit: { max: platform.config.rateLimit.authMax, timeWindow: '1 minute' } };

  app.post('/api/v1/auth/totp/enroll', {
    schema: {
      tags: ['auth'], summary: 'Start two-factor enrolment: a new secret to add to an authenticator app',
      response: { 200: Type.Object({ secret: Type.String(), otpauthUrl: Type.String() }), ...problemResponses(401, 409) },
    },
    preHandler: app.requireAuth,
    config,
  }, async (req) => {
    const user = (await findUserById(platform.db, authenticatedUser(req).id))!;
    if (user.totp_enabled_at) throw conflict('totp_already_enabled', 'Two-factor is already on. Turn it off first to enrol a new device.');
    const secret = newTotpSecret();
    await platform.db.updateTable('platform.users').set({ totp_secret: platform.totpBox.seal(secret), totp_last_step: null })
      .where('id', '=', user.id).execute();
    return { secret, otpauthUrl: otpauthUrl(secret, user.email) };
  });

  app.post('/api/v1/auth/totp/confirm', {
    schema: {
      tags: ['auth'], summary: 'Finish enrolment with a first code; answers the recovery codes, shown once',
      body: Type.Object({ code: Code }, { additionalProperties: false }),
      response: { 200: Type.Object({ recoveryCodes: Type.Array(Type.String()) }), ...problemResponses(400, 401, 409, 422) },
    },
    preHandler: app.requireAuth,
    config,
  }, async (req) => {
    const user = (await findUserById(platform.db, authenticatedUser(req).id))!;
    if (user.totp_enabled_at) throw conflict('totp_already_enabled', 'Two-factor is already on.');
    if (!user.totp_secret) throw unprocessable('totp_not_enrolling', 'Start with POST /api/v1/auth/totp/enroll.');
    return platform.db.transaction().execute(async (tx) => {
      if (!(await consumeTotpCode(platform, tx, user, user.totp_secret!, req.body.code))) {
        throw unprocessable('invalid_totp_code', 'That code does not match. Check the time on your phone and try the current code.', [{ path: 'body.code', message: 'does not match' }]);
      }
      await tx.updateTable('platform.users').set({ totp_enabled_at: new Date(), updated_at: new Date() }).where('id', '=', user.id).execute();
      const recoveryCodes = await replaceRecoveryCodes(tx, user.id);
      await recordAudit(tx, actorOf(req), { action: 'auth.totp_enabled', entity: 'user', entityId: user.id });
      return { recoveryCodes };
    }).then((result) => {
      platform.events.emit('user.changed', { userId: user.id });
      return result;
    });
  });

  app.delete('/api/v1/auth/totp', {
    schema: {
      tags: ['auth'], summary: 'Turn two-factor off (needs a current code or a recovery code)',
      body: Type.Object({ code: Type.Optional(Code), recoveryCode: Type.Optional(Type.String({ minLength: 8, maxLength: 32 })) }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...problemResponses(400, 401, 422) },
    },
    preHandler: app.requireAuth,
    config,
  }, async (req, reply) => {
    const user = (await findUserById(platform.db, authenticatedUser(req).id))!;
    if (!user.totp_enabled_at || !user.totp_secret) throw unprocessable('totp_not_enabled', 'Two-factor is not on.');
    await platform.db.transaction().execute(async (tx) => {
      const ok = req.body.code
        ? await consumeTotpCode(platform, tx, user, user.totp_secret!, req.body.code)
        : req.body.recoveryCode ? await consumeRecoveryCode(tx, user.id, req.body.recoveryCode) : false;
      if (!ok) throw unprocessable('invalid_totp_code', 'Give a current code or an unused recovery code to turn two-factor off.');
      await tx.updateTable('platform.users').set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null, updated_at: new Date() })
        .where('id', '=', user.id).execute();
      await tx.deleteFrom('platform.totp_recovery_codes').where('user_id', '=', user.id).execute();
      await recordAudit(tx, actorOf(req), { action: 'auth.totp_disabled', entity: 'user', entityId: user.id });
    });
    platform.events.emit('user.changed', { userId: user.id });
    return reply.code(204).send(null);
  });
}
