import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App, ModuleContext } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { conflict, unprocessable } from '../../../platform/http/errors.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { idCursor, toPage } from '../../../platform/http/pagination.js';
import { insertRow, listRows, mustFind, updateRow } from '../http/resource.js';
import { IdParams, PageQuery, Record_, RecordPage, Version } from '../http/schemas.js';
import { MANAGE, READ, WRITE } from '../http/roles.js';
import { check, outside } from '../suppliers/rules.js';
import { DestinationBody, MaterialFields, destinations, materials } from './model.js';

const tags = ['sourcing materials'];
const MaterialCreate = Type.Object(MaterialFields, { additionalProperties: false });
const MaterialPatch = Type.Object({ ...Type.Partial(MaterialCreate).properties, version: Version }, { additionalProperties: false });
const MaterialPut = Type.Object({ ...MaterialFields, version: Version }, { additionalProperties: false });

function materialChecks(b: Record<string, any>) {
  if ((b.unit === 'l' || b.unit === 'unit') && !(b.massKgPerUnit > 0)) {
    throw unprocessable('mass_required', 'Materials counted in litres or units need massKgPerUnit above 0.', [{ path: 'body.massKgPerUnit', message: 'is required for l and unit' }]);
  }
  check([
    typeof b.massKgPerUnit === 'number' && b.massKgPerUnit <= 0 && { path: 'body.massKgPerUnit', message: 'must be above 0' },
    typeof b.defectHandlingCostPerUnit === 'number' && b.defectHandlingCostPerUnit < 0 && { path: 'body.defectHandlingCostPerUnit', message: 'must not be negative' },
  ]);
}

export default async function catalogRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;

  app.get('/materials', {
    schema: {
      tags, summary: 'Materials',
      querystring: Type.Object({ ...PageQuery.properties, q: Type.Optional(Type.String({ maxLength: 200 })), category: Type.Optional(Type.String({ maxLength: 200 })), status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('archived')])) }),
      response: { 200: RecordPage, ...problemResponses(400, 401, 403) },
    },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    const { q, category, status, limit, cursor } = req.query;
    const where = [sql`t.status = ${status ?? 'active'}`];
    if (q) where.push(sql`t.name ilike ${`%${q.replace(/[%_\\]/g, '\\$&')}%`}`);
    if (category) where.push(sql`t.category = ${category}`);
    return toPage(await listRows(db, materials, where, idCursor(cursor), limit), limit, (r) => [r.id]);
  });

  app.post('/materials', {
    schema: { tags, summary: 'Create a material', body: MaterialCreate, response: { 201: Record_, ...problemResponses(400, 401, 403, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
    config: { idempotent: true },
  }, async (req, reply) => {
    materialChecks(req.body);
    const me = authenticatedUser(req);
    const body = { ...req.body, massKgPerUnit: req.body.unit === 'kg' ? 1 : req.body.unit === 't' ? 1000 : req.body.massKgPerUnit };
    const created = await db.transaction().execute(async (tx) => {
      const dup = await sql`select 1 from sourcing.materials where lower(name) = lower(${body.name}) and status = 'active'`.execute(tx);
      if (dup.rows.length) throw conflict('duplicate_material', `A material named "${body.name}" already exists.`);
      return insertRow(tx, req, materials, body, { createdBy: me.id });
    });
    return reply.code(201).send(created);
  });

  const withCounts = async (id: string) => {
    const m = await mustFind(db, materials, id);
    const { rows } = await sql<{ offers: number; assessments: number }>`select
      (select count(*)::int from sourcing.offers where material_id = ${id}) as offers,
      (select count(*)::int from sourcing.assessments where material_id = ${id}) as assessments`.execute(db);
    return { ...m, offersCount: rows[0]!.offers, assessmentsCount: rows[0]!.assessments };
  };

  app.get('/materials/:id', {
    schema: { tags, summary: 'A material with offer and assessment counts', params: IdParams, response: { 200: Record_, ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => withCounts(req.params.id));

  const edit = async (req: any, full: boolean) => {
    const { version, ...body } = req.body as Record<string, any>;
    await db.transaction().execute(async (tx) => {
      const before = await mustFind(tx, materials, req.params.id, true);
      if (before.status === 'archived') throw conflict('invalid_transition', 'An archived material is not edited.');
      const merged = { ...before, ...body };
      if (full) for (const k of ['category', 'description']) body[k] ??= null;
      materialChecks(merged);
      if (body.unit && body.unit !== before.unit) {
        const used = await sql`select 1 from sourcing.offers where material_id = ${req.params.id} limit 1`.execute(tx);
        if (used.rows.length) throw conflict('unit_locked', 'The unit cannot change once offers exist.');
        if (body.unit === 'kg') body.massKgPerUnit = 1;
        if (body.unit === 't') body.massKgPerUnit = 1000;
      }
      await updateRow(tx, req, materials, req.params.id, version, body);
    });
    return withCounts(req.params.id);
  };
  app.put('/materials/:id', {
    schema: { tags, summary: 'Replace a material (with version)', params: IdParams, body: MaterialPut, response: { 200: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req) => edit(req, true));
  app.patch('/materials/:id', {
    schema: { tags, summary: 'Change a material (with version)', params: IdParams, body: MaterialPatch, response: { 200: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req) => edit(req, false));

  app.delete('/materials/:id', {
    schema: { tags, summary: 'Archive a material (manager); its history stays', params: IdParams, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...MANAGE),
  }, async (req, reply) => {
    await db.transaction().execute(async (tx) => {
      const m = await mustFind(tx, materials, req.params.id, true);
      if (m.status !== 'archived') await updateRow(tx, req, materials, req.params.id, null, {}, { status: 'archived' }, 'archived');
    });
    return reply.code(204).send(null);
  });

  app.get('/materials/:id/offers', {
    schema: { tags, summary: 'Offers for a material, with supplier and site names', params: IdParams, querystring: Type.Object({ ...PageQuery.properties, status: Type.Optional(Type.String({ maxLength: 20 })) }), response: { 200: RecordPage, ...problemResponses(400, 401, 403, 404) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    await mustFind(db, materials, req.params.id);
    const { offers } = await import('../offers/model.js');
    const where = [sql`t.material_id = ${req.params.id}`];
    if (req.query.status) where.push(sql`t.status = ${req.query.status}`);
    const rows = await listRows(db, offers, where, idCursor(req.query.cursor), req.query.limit);
    const page = toPage(rows, req.query.limit, (r) => [r.id]);
    const names = await sql<{ id: string; supplier: string; supplier_status: string; site: string | null }>`
      select o.id, s.name as supplier, s.status as supplier_status, si.name as site from sourcing.offers o join sourcing.suppliers s on s.id = o.supplier_id
      join sourcing.supplier_sites si on si.id = o.site_id where o.id = any(${page.items.map((i) => i.id)}::uuid[])`.execute(db);
    const byId = new Map(names.rows.map((n) => [n.id, n]));
    return { ...page, items: page.items.map((o) => ({ ...o, supplierName: byId.get(o.id)?.supplier, supplierStatus: byId.get(o.id)?.supplier_status, siteName: byId.get(o.id)?.site })) };
  });

  // Destinations
  const destTags = ['sourcing destinations'];
  app.get('/destinations', {
    schema: { tags: destTags, summary: 'Own plants and warehouses', querystring: PageQuery, response: { 200: RecordPage, ...problemResponses(400, 401, 403) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => toPage(await listRows(db, destinations, [], idCursor(req.query.cursor), req.query.limit), req.query.limit, (r) => [r.id]));

  const destChecks = (b: Record<string, unknown>) => check([outside(b.latitude, -90, 90, 'body.latitude'), outside(b.longitude, -180, 180, 'body.longitude')]);
  app.post('/destinations', {
    schema: { tags: destTags, summary: 'Add a destination', body: DestinationBody, response: { 201: Record_, ...problemResponses(400, 401, 403, 422) } },
    preHandler: app.requireRole(...WRITE),
    config: { idempotent: true },
  }, async (req, reply) => {
    destChecks(req.body);
    const me = authenticatedUser(req);
    return reply.code(201).send(await db.transaction().execute((tx) => insertRow(tx, req, destinations, req.body, { createdBy: me.id })));
  });
  app.patch('/destinations/:id', {
    schema: { tags: destTags, summary: 'Change a destination', params: IdParams, body: Type.Object({ ...Type.Partial(DestinationBody).properties, version: Version }, { additionalProperties: false }), response: { 200: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req) => {
    const { version, ...body } = req.body;
    destChecks(body);
    return db.transaction().execute((tx) => updateRow(tx, req, destinations, req.params.id, version, body));
  });
}
