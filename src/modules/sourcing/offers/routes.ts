import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App, ModuleContext } from '../../../platform/types.js';
import type { Tx } from '../../../platform/db/transaction.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { conflict, unprocessable } from '../../../platform/http/errors.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { idCursor, toPage } from '../../../platform/http/pagination.js';
import { insertRow, listRows, mustFind, updateRow, type ApiRow } from '../http/resource.js';
import { DateOnly, Id, IdParams, PageQuery, Record_, RecordPage, Version } from '../http/schemas.js';
import { READ, WRITE } from '../http/roles.js';
import { check, outside } from '../suppliers/rules.js';
import { OfferFields, offers } from './model.js';
import { legsOf, resolveLegs, writeLegs } from './legs.js';

const tags = ['sourcing offers'];
const OfferCreate = Type.Object(OfferFields, { additionalProperties: false });
const OfferPatch = Type.Object({ ...Type.Partial(OfferCreate).properties, status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('withdrawn')])), version: Version }, { additionalProperties: false });
const OfferPut = Type.Object({ ...OfferFields, version: Version }, { additionalProperties: false });

function offerChecks(b: Record<string, any>) {
  check([
    typeof b.price === 'number' && b.price <= 0 && { path: 'body.price', message: 'must be above 0' },
    typeof b.moq === 'number' && b.moq < 0 && { path: 'body.moq', message: 'must not be negative' },
    outside(b.leadTimeDays, 0, 365, 'body.leadTimeDays'),
    typeof b.capacityPerYear === 'number' && b.capacityPerYear <= 0 && { path: 'body.capacityPerYear', message: 'must be above 0' },
    typeof b.freightCostPerUnit === 'number' && b.freightCostPerUnit < 0 && { path: 'body.freightCostPerUnit', message: 'must not be negative' },
    outside(b.dutyRatePct, 0, 100, 'body.dutyRatePct'),
    b.validUntil && b.validFrom && b.validUntil < b.validFrom && { path: 'body.validUntil', message: 'is before validFrom' },
    ...(b.volumeDiscounts ?? []).map((d: { pct: number }, i: number) => outside(d.pct, 0, 50, `body.volumeDiscounts.${i}.pct`)),
    b.packaging && outside(b.packaging.recyclablePct, 0, 100, 'body.packaging.recyclablePct'),
  ]);
}

async function checkRefs(tx: Tx, b: Record<string, any>) {
  const { rows } = await sql<{ status: string | null; site_supplier: string | null; material: string | null; destination: string | null }>`
    select (select status from sourcing.suppliers where id = ${b.supplierId}) as status,
           (select supplier_id from sourcing.supplier_sites where id = ${b.siteId}) as site_supplier,
           (select status from sourcing.materials where id = ${b.materialId}) as material,
           (select id from sourcing.destinations where id = ${b.destinationId})::text as destination`.execute(tx);
  const r = rows[0]!;
  if (r.status === null) throw unprocessable('unknown_supplier', 'No such supplier.', [{ path: 'body.supplierId', message: 'is unknown' }]);
  if (r.status === 'blocked' || r.status === 'archived') throw unprocessable('supplier_not_active', `The supplier is ${r.status}.`, [{ path: 'body.supplierId', message: r.status }]);
  if (r.site_supplier !== b.supplierId) throw unprocessable('site_not_of_supplier', 'The site belongs to another supplier.', [{ path: 'body.siteId', message: 'is not a site of this supplier' }]);
  if (r.material === null) throw unprocessable('unknown_material', 'No such material.', [{ path: 'body.materialId', message: 'is unknown' }]);
  if (r.destination === null) throw unprocessable('unknown_destination', 'No such destination.', [{ path: 'body.destinationId', message: 'is unknown' }]);
}

export async function withLegs(db: Parameters<typeof legsOf>[0], rows: ApiRow[]) {
  const legs = await legsOf(db, rows.map((r) => r.id));
  return rows.map((r) => {
    const l = legs.get(r.id) ?? [];
    return { ...r, legs: l, estimated: { freight: r.freightCostPerUnit === null, distance: l.some((x) => x.distanceSource === 'estimated') } };
  });
}

export default async function offerRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;

  app.get('/offers', {
    schema: {
      tags, summary: 'Offers',
      querystring: Type.Object({ ...PageQuery.properties, materialId: Type.Optional(Id), supplierId: Type.Optional(Id), destinationId: Type.Optional(Id), status: Type.Optional(Type.Union(['active', 'expired', 'withdrawn'].map((s) => Type.Literal(s)))), validOn: Type.Optional(DateOnly) }),
      response: { 200: RecordPage, ...problemResponses(400, 401, 403) },
    },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    const { materialId, supplierId, destinationId, status, validOn, limit, cursor } = req.query;
    const where = [];
    if (materialId) where.push(sql`t.material_id = ${materialId}`);
    if (supplierId) where.push(sql`t.supplier_id = ${supplierId}`);
    if (destinationId) where.push(sql`t.destination_id = ${destinationId}`);
    if (status) where.push(sql`t.status = ${status}`);
    if (validOn) where.push(sql`t.valid_from <= ${validOn} and (t.valid_until is null or t.valid_until >= ${validOn})`);
    const page = toPage(await listRows(db, offers, where, idCursor(cursor), limit), limit, (r) => [r.id]);
    return { ...page, items: await withLegs(db, page.items) };
  });

  app.post('/offers', {
    schema: { tags, summary: 'Create an offer; legs omitted → one road leg with an estimated distance', body: OfferCreate, response: { 201: Record_, ...problemResponses(400, 401, 403, 422) } },
    preHandler: app.requireRole(...WRITE),
    config: { idempotent: true },
  }, async (req, reply) => {
    const { legs, ...body } = req.body;
    offerChecks(body);
    const me = authenticatedUser(req);
    const created = await db.transaction().execute(async (tx) => {
      await checkRefs(tx, body);
      const resolved = await resolveLegs(tx, legs, body.siteId, body.destinationId);
      const o = await insertRow(tx, req, offers, body, { createdBy: me.id });
      await writeLegs(tx, o.id, resolved);
      return o;
    });
    return reply.code(201).send((await withLegs(db, [created]))[0]);
  });

  app.get('/offers/:id', {
    schema: { tags, summary: 'An offer with its legs', params: IdParams, response: { 200: Record_, ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => (await withLegs(db, [await mustFind(db, offers, req.params.id)]))[0]);

  const edit = async (req: any, full: boolean) => {
    const { version, legs, ...body } = req.body as Record<string, any>;
    const today = new Date().toISOString().slice(0, 10);
    const updated = await db.transaction().execute(async (tx) => {
      const before = await mustFind(tx, offers, req.params.id, true);
      const merged = { ...before, ...body };
      offerChecks(merged);
      if (full) for (const k of ['incoterm', 'freightCostPerUnit', 'paymentTerms', 'packaging', 'validUntil', 'notes']) body[k] ??= null;
      if (body.supplierId || body.siteId || body.materialId || body.destinationId) await checkRefs(tx, merged);
      // Expired or withdrawn offers come back only with a validity reaching today (spec §3.3).
      if (before.status !== 'active' && (body.validUntil || body.status === 'active')) {
        if (merged.validUntil && merged.validUntil < today) throw conflict('invalid_transition', 'Reactivating an offer needs validUntil on or after today.');
        body.status = 'active';
      }
      if (body.status === 'active' && before.status === 'active') delete body.status;
      const after = await updateRow(tx, req, offers, req.params.id, version, body);
      if (legs || body.siteId || body.destinationId) await writeLegs(tx, req.params.id, await resolveLegs(tx, legs, merged.siteId, merged.destinationId));
      if (after.status !== before.status || legs) {
        await sql`update sourcing.assessments a set stale = true where a.status in ('draft', 'scored')
          and exists (select 1 from sourcing.assessment_offers ao where ao.assessment_id = a.id and ao.offer_id = ${req.params.id})`.execute(tx);
      }
      return after;
    });
    return (await withLegs(db, [updated]))[0];
  };
  app.put('/offers/:id', {
    schema: { tags, summary: 'Replace an offer (with version); approved assessments keep their snapshot', params: IdParams, body: OfferPut, response: { 200: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req) => edit(req, true));
  app.patch('/offers/:id', {
    schema: { tags, summary: 'Change an offer (with version); status withdrawn, or active again with a validity reaching today', params: IdParams, body: OfferPatch, response: { 200: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req) => edit(req, false));

  app.delete('/offers/:id', {
    schema: { tags, summary: 'Withdraw an offer', params: IdParams, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req, reply) => {
    await db.transaction().execute(async (tx) => {
      const o = await mustFind(tx, offers, req.params.id, true);
      if (o.status !== 'withdrawn') await updateRow(tx, req, offers, req.params.id, null, {}, { status: 'withdrawn' }, 'withdrawn');
    });
    return reply.code(204).send(null);
  });
}
