import { Type } from 'typebox';
import type { App } from '../../types.js';
import { problemResponses } from '../../http/problem.js';
import { unauthorized } from '../../http/errors.js';
import { actorOf, recordAudit } from '../../audit/writer.js';
import { announceRevoked, revokeSession, rotateRefreshToken } from '../sessions.js';
import { tokenResponse } from '../issue.js';
import { authenticatedUser } from '../guards.js';

export default async function sessionRoutes(app: App) {
  const { platform } = app;

  app.post('/api/v1/auth/refresh', {
    schema: {
      tags: ['auth'],
      summary: 'Trade a refresh token for a new pair (rotation)',
      description: 'A refresh token works once. Presenting one that was already used revokes its whole session.',
      body: Type.Object({ refreshToken: Type.String({ minLength: 20, maxLength: 200 }) }, { additionalProperties: false }),
      response: { 200: Type.Ref('TokenResponse'), ...problemResponses(400, 401, 429) },
    },
    config: { public: true, rateLimit: { max: platform.config.rateLimit.authMax * 5, timeWindow: '1 minute' } },
  }, async (req) => {
    const rotated = await rotateRefreshToken(platform.db, req.body.refreshToken, platform.config.refreshTokenTtlDays);
    if ('reused' in rotated) {
      announceRevoked(platform, rotated.userId, [rotated.reused], 'refresh_token_reuse');
      await recordAudit(platform.db, { ...actorOf(req), actorId: rotated.userId }, {
        action: 'auth.refresh_token_reused', entity: 'session', entityId: rotated.reused,
      });
      throw unauthorized('refresh_token_reused', 'This refresh token was already used, so the session was closed for safety. Sign in again.');
    }
    const user = await platform.db.selectFrom('platform.users').select('status').where('id', '=', rotated.userId).executeTakeFirst();
    if (user?.status !== 'active') {
      await revokeSession(platform.db, rotated.sessionId, 'account_locked');
      announceRevoked(platform, rotated.userId, [rotated.sessionId], 'account_locked');
      throw unauthorized('account_locked', 'This account is locked. Contact an administrator.');
    }
    return tokenResponse(platform, platform.db, rotated.userId, rotated.sessionId, rotated.refreshToken, rotated.totpVerifiedAt);
  });

  app.post('/api/v1/auth/logout', {
    schema: { tags: ['auth'], summary: 'End this session (its refresh token stops working)', response: { 204: Type.Null(), ...problemResponses(401) } },
    preHandler: app.requireAuth,
    config: { allowWithoutTotp: true },
  }, async (req, reply) => {
    const user = authenticatedUser(req);
    await platform.db.transaction().execute(async (tx) => {
      await revokeSession(tx, user.sessionId, 'logout');
      await recordAudit(tx, actorOf(req), { action: 'auth.signed_out', entity: 'session', entityId: user.sessionId });
    });
    announceRevoked(platform, user.id, [user.sessionId], 'logout');
    return reply.code(204).send(null);
  });
}
