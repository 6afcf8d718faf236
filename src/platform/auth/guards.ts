import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Role } from '../config.js';
import { forbidden, notFound, unauthorized } from '../http/errors.js';
import type { AuthUser } from '../types.js';

const GUARD = Symbol.for('atrium.guard');
export type Guard = preHandlerAsyncHookHandler & { [GUARD]: true };

const guard = (check: (req: FastifyRequest) => Promise<void>): Guard =>
  Object.assign(async function guardHook(req: FastifyRequest) { await check(req); }, { [GUARD]: true as const }) as unknown as Guard;

export const isGuard = (fn: unknown): boolean => typeof fn === 'function' && (fn as Partial<Guard>)[GUARD] === true;

/** The signed-in caller, or 401; 403 when a role requires two-factor the session has not passed. */
export function authenticatedUser(req: FastifyRequest): AuthUser {
  const user = req.user;
  if (!user) {
    throw req.authProblem
      ? unauthorized('invalid_token', 'Your access token is invalid or expired; refresh it or sign in again.')
      : unauthorized();
  }
  const required = req.server.platform.config.totpRequiredRoles;
  if (!user.totpAt && !req.routeOptions.config.allowWithoutTotp && user.roles.some((r) => required.includes(r))) {
    throw forbidden('totp_required', 'Your role requires two-factor authentication: enrol at /api/v1/auth/totp/enroll, then sign in again.');
  }
  return user;
}

export const requireAuth: Guard = guard(async (req) => { authenticatedUser(req); });

export const requireRole = (...roles: Role[]): Guard => guard(async (req) => {
  const user = authenticatedUser(req);
  if (!user.roles.some((r) => roles.includes(r))) throw forbidden('role_required', `This needs one of the roles: ${roles.join(', ')}.`);
});

/**
 * For records owned through a relation (a patient's care team, a gaveur's lots, a supervisor's sites):
 * `check` says whether the caller may see the record the request names. When it may not, the answer
 * is 404, exactly as if the record did not exist.
 */
export const requireRelation = (check: (req: FastifyRequest, user: AuthUser) => Promise<boolean> | boolean): Guard =>
  guard(async (req) => {
    const user = authenticatedUser(req);
    if (!(await check(req, user))) throw notFound();
  });
