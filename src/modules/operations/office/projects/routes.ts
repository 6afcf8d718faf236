import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App, ModuleContext } from '../../../../platform/types.js';
import { problemResponses } from '../../../../platform/http/problem.js';
import { actorOf, recordAudit } from '../../../../platform/audit/writer.js';
import { authenticatedUser } from '../../../../platform/auth/guards.js';
import { conflict, notFound, unprocessable } from '../../../../platform/http/errors.js';
import { inTransaction, type DbOrTx } from '../../../../platform/db/transaction.js';
import { idCursor, Page, PageQuery, toPage } from '../../../../platform/http/pagination.js';
import { OFFICE, assertOrganization, visibleOrganizations } from '../access.js';
import { IdParams, NullableText, NullableUuid, Project, ProjectStatus, projectOut, Uuid, Version } from '../model.js';
import { columnsOf, updateVersioned } from '../patching.js';

const tags = ['operations projects'];
const ProjectFields = {
  number: Type.String({ minLength: 1, maxLength: 50 }), name: Type.String({ minLength: 1, maxLength: 200 }),
  clientId: Type.Optional(NullableUuid), team: Type.Optional(NullableText(100)), type: Type.Optional(NullableText(100)),
  description: Type.Optional(NullableText(5000)), status: Type.Optional(ProjectStatus),
};
const ProjectCreate = Type.Object({ organizationId: Uuid, ...ProjectFields }, { additionalProperties: false });
const ProjectPatch = Type.Object({ ...Type.Partial(Type.Object(ProjectFields)).properties, version: Version }, { additionalProperties: false });
const COLUMNS = { number: 'number', name: 'name', clientId: 'client_id', team: 'team', type: 'type', description: 'description', status: 'status' };
const ProjectDetail = Type.Object({
  ...Project.properties,
  totalsByStatus: Type.Array(Type.Object({ status: Type.String(), currency: Type.String(), count: Type.Integer(), amount: Type.String() })),
});

const projectQuery = (db: DbOrTx) => db.selectFrom('operations.project as p').leftJoin('operations.client as c', 'c.id', 'p.client_id').selectAll('p').select('c.name as client_name');

const numberTaken = (err: unknown): never => {
  const e = err as { code?: string; constraint?: string };
  if (e.code === '23505' && e.constraint === 'project_organization_id_number_key') throw conflict('project_number_taken', 'Another project of this organisation has this number.');
  if (e.code === '23503') throw unprocessable('client_not_in_organization', 'The client does not belong to the project\'s organisation.', [{ path: 'body.clientId', message: 'client_not_in_organization' }]);
  throw err;
};

export default async function projectRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;

  const load = async (user: Parameters<typeof assertOrganization>[1], id: string) => {
    const row = await projectQuery(db).where('p.id', '=', id).executeTakeFirst();
    if (!row) throw notFound();
    await assertOrganization(db, user, row.organization_id);
    return row;
  };

  app.get('/projects', {
    schema: {
      tags, summary: 'Projects of the caller\'s organisations',
      querystring: Type.Object({ ...PageQuery.properties, organizationId: Type.Optional(Uuid), status: Type.Optional(ProjectStatus), clientId: Type.Optional(Uuid), q: Type.Optional(Type.String({ maxLength: 200 })) }),
      response: { 200: Page(Project), ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => {
    const user = authenticatedUser(req);
    const { organizationId, status, clientId, q, cursor, limit } = req.query;
    if (organizationId) await assertOrganization(db, user, organizationId);
    const orgs = organizationId ? [organizationId] : await visibleOrganizations(db, user);
    let query = projectQuery(db);
    if (orgs !== null) query = query.where('p.organization_id', '=', sql<string>`any(${orgs}::uuid[])`);
    if (status) query = query.where('p.status', '=', status);
    if (clientId) query = query.where('p.client_id', '=', clientId);
    if (q) { const like = `%${q.replace(/[%_\\]/g, '\\$&')}%`; query = query.where((eb) => eb.or([eb('p.name', 'ilike', like), eb('p.number', 'ilike', like)])); }
    const after = idCursor(cursor);
    if (after) query = query.where('p.id', '<', after);
    const rows = await query.orderBy('p.id', 'desc').limit(limit + 1).execute();
    return toPage(rows, limit, (r) => [r.id], projectOut);
  });

  app.post('/projects', {
    schema: { tags, summary: 'Create a project', body: ProjectCreate, response: { 201: Project, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...OFFICE),
    config: { idempotent: true },
  }, async (req, reply) => {
    const user = authenticatedUser(req);
    await assertOrganization(db, user, req.body.organizationId);
    const id = await inTransaction(db, async (tx) => {
      const created = await tx.insertInto('operations.project').values({ organization_id: req.body.organizationId, ...columnsOf(req.body, COLUMNS) } as never).returningAll().executeTakeFirstOrThrow().catch(numberTaken);
      await recordAudit(tx, actorOf(req), { action: 'operations.project.created', entity: 'operations.project', entityId: created.id, diff: { organizationId: created.organization_id, after: projectOut(created) } });
      return created.id;
    });
    return reply.code(201).send(projectOut(await load(user, id)));
  });

  app.get('/projects/:id', {
    schema: { tags, summary: 'A project with its quote totals by status', params: IdParams, response: { 200: ProjectDetail, ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => {
    const row = await load(authenticatedUser(req), req.params.id);
    const totals = await db.selectFrom('operations.quote').where('project_id', '=', row.id)
      .select(['status', 'currency', sql<number>`count(*)::int`.as('count'), sql<string>`sum(amount)::text`.as('amount')])
      .groupBy(['status', 'currency']).orderBy('status').execute();
    return { ...projectOut(row), totalsByStatus: totals.map((t) => ({ status: t.status, currency: String(t.currency).trim(), count: t.count, amount: t.amount })) };
  });

  app.patch('/projects/:id', {
    schema: { tags, summary: 'Change a project', params: IdParams, body: ProjectPatch, response: { 200: Project, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => {
    const user = authenticatedUser(req);
    const before = await load(user, req.params.id);
    await inTransaction(db, async (tx) => {
      const row = await updateVersioned(tx, 'operations.project', 'project', req.params.id, req.body.version, columnsOf(req.body, COLUMNS)).catch(numberTaken);
      await recordAudit(tx, actorOf(req), { action: 'operations.project.updated', entity: 'operations.project', entityId: row.id, diff: { organizationId: row.organization_id, before: projectOut(before), after: projectOut(row) } });
    });
    return projectOut(await load(user, req.params.id));
  });
}
