import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App, ModuleContext } from '../../../../platform/types.js';
import { problemResponses } from '../../../../platform/http/problem.js';
import { actorOf, recordAudit } from '../../../../platform/audit/writer.js';
import { authenticatedUser } from '../../../../platform/auth/guards.js';
import { notFound } from '../../../../platform/http/errors.js';
import { inTransaction } from '../../../../platform/db/transaction.js';
import { idCursor, Page, PageQuery, toPage } from '../../../../platform/http/pagination.js';
import { OFFICE, assertOrganization, visibleOrganizations } from '../access.js';
import { Client, clientOut, IdParams, NullableText, Uuid, Version } from '../model.js';
import { columnsOf, updateVersioned } from '../patching.js';

const tags = ['operations clients'];
const ClientFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  contactFirstName: Type.Optional(NullableText(100)), contactLastName: Type.Optional(NullableText(100)),
  email: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 254 }), Type.Null()])),
  phone: Type.Optional(Type.Union([Type.String({ pattern: '^\\+[1-9][0-9]{1,14}$', description: 'E.164' }), Type.Null()])),
  team: Type.Optional(NullableText(100)), notes: Type.Optional(NullableText(5000)),
};
const ClientCreate = Type.Object({ organizationId: Uuid, ...ClientFields }, { additionalProperties: false });
const ClientPatch = Type.Object({ ...Type.Partial(Type.Object(ClientFields)).properties, version: Version }, { additionalProperties: false });
const COLUMNS = { name: 'name', contactFirstName: 'contact_first_name', contactLastName: 'contact_last_name', email: 'email', phone: 'phone', team: 'team', notes: 'notes' };

export async function loadClient(db: ModuleContext['db'], user: Parameters<typeof assertOrganization>[1], id: string) {
  const row = await db.selectFrom('operations.client').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  await assertOrganization(db, user, row.organization_id);
  return row;
}

export default async function clientRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;

  app.get('/clients', {
    schema: {
      tags, summary: 'Clients of the caller\'s organisations (q = name prefix)',
      querystring: Type.Object({ ...PageQuery.properties, organizationId: Type.Optional(Uuid), q: Type.Optional(Type.String({ maxLength: 200 })), archived: Type.Optional(Type.Boolean()) }),
      response: { 200: Page(Client), ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => {
    const user = authenticatedUser(req);
    const { organizationId, q, archived, cursor, limit } = req.query;
    if (organizationId) await assertOrganization(db, user, organizationId);
    const orgs = organizationId ? [organizationId] : await visibleOrganizations(db, user);
    let query = db.selectFrom('operations.client').selectAll();
    if (orgs !== null) query = query.where('organization_id', '=', sql<string>`any(${orgs}::uuid[])`);
    query = archived ? query.where('archived_at', 'is not', null) : query.where('archived_at', 'is', null);
    if (q) query = query.where(sql<boolean>`lower(name) like ${`${q.toLowerCase().replace(/[%_\\]/g, '\\$&')}%`}`);
    const after = idCursor(cursor);
    if (after) query = query.where('id', '<', after);
    const rows = await query.orderBy('id', 'desc').limit(limit + 1).execute();
    return toPage(rows, limit, (r) => [r.id], clientOut);
  });

  app.post('/clients', {
    schema: { tags, summary: 'Create a client', body: ClientCreate, response: { 201: Client, ...problemResponses(400, 401, 403, 404, 422) } },
    preHandler: app.requireRole(...OFFICE),
    config: { idempotent: true },
  }, async (req, reply) => {
    await assertOrganization(db, authenticatedUser(req), req.body.organizationId);
    const row = await inTransaction(db, async (tx) => {
      const created = await tx.insertInto('operations.client').values({ organization_id: req.body.organizationId, ...columnsOf(req.body, COLUMNS) } as never).returningAll().executeTakeFirstOrThrow();
      await recordAudit(tx, actorOf(req), { action: 'operations.client.created', entity: 'operations.client', entityId: created.id, diff: { organizationId: created.organization_id, after: clientOut(created) } });
      return created;
    });
    return reply.code(201).send(clientOut(row));
  });

  app.get('/clients/:id', {
    schema: { tags, summary: 'A client', params: IdParams, response: { 200: Client, ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => clientOut(await loadClient(db, authenticatedUser(req), req.params.id)));

  app.patch('/clients/:id', {
    schema: { tags, summary: 'Change a client', params: IdParams, body: ClientPatch, response: { 200: Client, ...problemResponses(400, 401, 403, 404, 409) } },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => {
    const before = await loadClient(db, authenticatedUser(req), req.params.id);
    return inTransaction(db, async (tx) => {
      const row = await updateVersioned(tx, 'operations.client', 'client', req.params.id, req.body.version, columnsOf(req.body, COLUMNS));
      await recordAudit(tx, actorOf(req), { action: 'operations.client.updated', entity: 'operations.client', entityId: row.id, diff: { organizationId: row.organization_id, before: clientOut(before), after: clientOut(row) } });
      return clientOut(row);
    });
  });

  app.post('/clients/:id/archive', {
    schema: { tags, summary: 'Archive a client (hidden from lists; its quotes stay)', params: IdParams, response: { 200: Client, ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => {
    await loadClient(db, authenticatedUser(req), req.params.id);
    return inTransaction(db, async (tx) => {
      const row = await tx.updateTable('operations.client').set({ archived_at: sql`coalesce(archived_at, now())` as never, updated_at: new Date(), version: sql`version + 1` as never })
        .where('id', '=', req.params.id).returningAll().executeTakeFirstOrThrow();
      await recordAudit(tx, actorOf(req), { action: 'operations.client.archived', entity: 'operations.client', entityId: row.id, diff: { organizationId: row.organization_id } });
      return clientOut(row);
    });
  });
}
