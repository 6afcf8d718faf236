import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../types.js';
import type { Role } from '../../config.js';
import { problemResponses } from '../../http/problem.js';
import { conflict, notFound, unprocessable, badRequest } from '../../http/errors.js';
import { Page, PageQuery, idCursor, toPage } from '../../http/pagination.js';
import { actorOf, recordAudit } from '../../audit/writer.js';
import { DisplayName, Email, Password, RoleSchema } from '../schemas.js';
import { findUserByEmail, loadUserDto, rolesOf, toUserDto } from '../users.js';
import { hashPassword, passwordProblems } from '../passwords.js';
import { announceRevoked, revokeUserSessions } from '../sessions.js';
import { authenticatedUser } from '../guards.js';

const UserId = Type.Object({ id: Type.String({ format: 'uuid' }) });

export default async function userAdminRoutes(app: App) {
  const { platform } = app;
  const admin = app.requireRole('admin');

  const loadOr404 = async (id: string) => {
    const user = await loadUserDto(platform.db, id);
    if (!user) throw notFound('user_not_found', 'No such user.');
    return user;
  };

  app.get('/api/v1/users', {
    schema: {
      tags: ['users'], summary: 'Find users (admin)',
      querystring: Type.Intersect([PageQuery, Type.Object({
        search: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the email or name' })),
        role: Type.Optional(RoleSchema),
        status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('locked')])),
      })]),
      response: { 200: Page(Type.Ref('User')), ...problemResponses(400, 401, 403) },
    },
    preHandler: admin,
  }, async (req) => {
    const { search, role, status, limit } = req.query;
    const after = idCursor(req.query.cursor);
    let q = platform.db.selectFrom('platform.users as u').selectAll('u')
      .select(sql<string[]>`coalesce((select array_agg(role order by role) from platform.user_roles r where r.user_id = u.id), '{}')`.as('roles'))
      .orderBy('u.id', 'desc').limit(limit + 1);
    if (after) q = q.where('u.id', '<', after);
    if (search) {
      const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) => eb.or([eb('u.email', 'ilike', pattern), eb('u.display_name', 'ilike', pattern)]));
    }
    if (role) q = q.where(({ exists, selectFrom }) => exists(selectFrom('platform.user_roles as r').select('r.role').whereRef('r.user_id', '=', 'u.id').where('r.role', '=', role)));
    if (status) q = q.where('u.status', '=', status);
    const rows = await q.execute();
    return toPage(rows, limit, (r) => [r.id], (r) => toUserDto(r, r.roles as Role[]));
  });

  app.post('/api/v1/users', {
    schema: {
      tags: ['users'], summary: 'Create an account with roles (admin)',
      body: Type.Object({ email: Email, displayName: DisplayName, password: Password, roles: Type.Array(RoleSchema, { minItems: 1, uniqueItems: true }) }, { additionalProperties: false }),
      response: { 201: Type.Ref('User'), ...problemResponses(400, 401, 403, 409) },
    },
    preHandler: admin,
    config: { idempotent: true },
  }, async (req, reply) => {
    const email = req.body.email.toLowerCase();
    const problems = passwordProblems(req.body.password, email, 'body.password');
    if (problems.length) throw badRequest('validation_failed', 'The request has invalid fields; see errors.', problems);
    if (await findUserByEmail(platform.db, email)) throw conflict('email_taken', 'An account with this email already exists.');
    const passwordHash = await hashPassword(req.body.password);
    const me = authenticatedUser(req);
    const id = await platform.db.transaction().execute(async (tx) => {
      const user = await tx.insertInto('platform.users').values({ email, password_hash: passwordHash, display_name: req.body.displayName.trim() })
        .returning('id').executeTakeFirstOrThrow();
      await tx.insertInto('platform.user_roles').values(req.body.roles.map((role) => ({ user_id: user.id, role, granted_by: me.id }))).execute();
      await recordAudit(tx, actorOf(req), { action: 'user.created', entity: 'user', entityId: user.id, diff: { email, roles: req.body.roles } });
      return user.id;
    });
    return reply.code(201).send(await loadOr404(id));
  });

  app.get('/api/v1/users/:id', {
    schema: { tags: ['users'], summary: 'One user (admin)', params: UserId, response: { 200: Type.Ref('User'), ...problemResponses(401, 403, 404) } },
    preHandler: admin,
  }, async (req) => loadOr404(req.params.id));

  app.post('/api/v1/users/:id/roles', {
    schema: {
      tags: ['users'], summary: 'Grant a role (admin)', params: UserId,
      body: Type.Object({ role: RoleSchema }, { additionalProperties: false }),
      response: { 200: Type.Ref('User'), ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: admin,
  }, async (req) => {
    await loadOr404(req.params.id);
    const me = authenticatedUser(req);
    await platform.db.transaction().execute(async (tx) => {
      const inserted = await tx.insertInto('platform.user_roles').values({ user_id: req.params.id, role: req.body.role, granted_by: me.id })
        .onConflict((oc) => oc.doNothing()).returning('role').executeTakeFirst();
      if (inserted) await recordAudit(tx, actorOf(req), { action: 'user.role_granted', entity: 'user', entityId: req.params.id, diff: { role: req.body.role } });
    });
    platform.events.emit('user.roles_changed', { userId: req.params.id });
    return loadOr404(req.params.id);
  });

  app.delete('/api/v1/users/:id/roles/:role', {
    schema: {
      tags: ['users'], summary: 'Revoke a role (admin); the user signs in again to drop it from open sessions',
      params: Type.Object({ id: Type.String({ format: 'uuid' }), role: RoleSchema }),
      response: { 200: Type.Ref('User'), ...problemResponses(400, 401, 403, 404, 422) },
    },
    preHandler: admin,
  }, async (req) => {
    await loadOr404(req.params.id);
    const revoked = await platform.db.transaction().execute(async (tx) => {
      if (req.params.role === 'admin') await assertNotLastAdmin(tx, req.params.id);
      const deleted = await tx.deleteFrom('platform.user_roles').where('user_id', '=', req.params.id).where('role', '=', req.params.role)
        .returning('role').executeTakeFirst();
      if (!deleted) return [];
      await recordAudit(tx, actorOf(req), { action: 'user.role_revoked', entity: 'user', entityId: req.params.id, diff: { role: req.params.role } });
      // Access tokens carry roles: close the sessions so the revoked role is gone within seconds.
      return revokeUserSessions(tx, req.params.id, 'role_revoked');
    });
    announceRevoked(platform, req.params.id, revoked, 'role_revoked');
    platform.events.emit('user.roles_changed', { userId: req.params.id });
    return loadOr404(req.params.id);
  });

  for (const action of ['lock', 'unlock'] as const) {
    app.post(`/api/v1/users/:id/${action}`, {
      schema: {
        tags: ['users'], summary: action === 'lock' ? 'Lock an account and sign it out everywhere (admin)' : 'Unlock an account (admin)',
        params: UserId,
        // No body at all is fine (Fastify validates a missing body as null).
        body: Type.Union([Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }), Type.Null()]),
        response: { 200: Type.Ref('User'), ...problemResponses(401, 403, 404, 422) },
      },
      preHandler: admin,
    }, async (req) => {
      await loadOr404(req.params.id);
      const me = authenticatedUser(req);
      if (action === 'lock' && req.params.id === me.id) throw unprocessable('cannot_lock_self', 'You cannot lock your own account.');
      const revoked = await platform.db.transaction().execute(async (tx) => {
        if (action === 'lock' && (await rolesOf(tx, req.params.id)).includes('admin')) await assertNotLastAdmin(tx, req.params.id);
        await tx.updateTable('platform.users').set(action === 'lock'
          ? { status: 'locked', updated_at: new Date() }
          : { status: 'active', failed_login_count: 0, locked_until: null, updated_at: new Date() })
          .where('id', '=', req.params.id).execute();
        await recordAudit(tx, actorOf(req), { action: `user.${action}ed`, entity: 'user', entityId: req.params.id, diff: { reason: req.body?.reason ?? null } });
        return action === 'lock' ? revokeUserSessions(tx, req.params.id, 'account_locked') : [];
      });
      announceRevoked(platform, req.params.id, revoked, 'account_locked');
      platform.events.emit('user.changed', { userId: req.params.id });
      return loadOr404(req.params.id);
    });
  }
}

async function assertNotLastAdmin(db: Parameters<typeof rolesOf>[0], userId: string) {
  const others = await db.selectFrom('platform.user_roles as r').innerJoin('platform.users as u', 'u.id', 'r.user_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('r.role', '=', 'admin').where('u.status', '=', 'active').where('r.user_id', '!=', userId)
    .executeTakeFirstOrThrow();
  if (Number(others.n) === 0) throw unprocessable('last_admin', 'This is the last active administrator; grant admin to someone else first.');
}
