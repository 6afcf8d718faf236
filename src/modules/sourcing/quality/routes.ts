import { Type, type TObject } from 'typebox';
import { sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { App, ModuleContext } from '../../../platform/types.js';
import type { Tx } from '../../../platform/db/transaction.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { unprocessable, type FieldError } from '../../../platform/http/errors.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { idCursor, toPage } from '../../../platform/http/pagination.js';
import { deleteRow, insertRow, listRows, mustFind, updateRow, type Resource } from '../http/resource.js';
import { DateOnly, Id, IdParams, PageQuery, Record_, RecordPage, Version } from '../http/schemas.js';
import { MANAGE, READ, WRITE } from '../http/roles.js';
import { suppliers } from '../suppliers/model.js';
import { check, outside } from '../suppliers/rules.js';
import { AuditBody, CertificationBody, DeliveryBody, audits, certifications, deliveries } from './model.js';
import { supplierKpis } from './kpis.js';
import { queueKpiRecompute } from '../jobs/kpis.js';

const tags = ['sourcing supplier quality'];
type Validate = (tx: Tx, supplierId: string, merged: Record<string, any>) => Promise<void>;

/** GET/POST /suppliers/{id}/<path>; PATCH/DELETE /<path>/{id}: the child records of a supplier (spec §4.2). */
function childRoutes(app: App, ctx: ModuleContext, path: string, r: Resource, body: TObject, validate: Validate, onWrite?: (tx: Tx, supplierId: string) => Promise<unknown>) {
  const { db } = ctx;
  app.get(`/suppliers/:id/${path}`, {
    schema: { tags, summary: `${r.label}s of a supplier`, params: IdParams, querystring: PageQuery, response: { 200: RecordPage, ...problemResponses(400, 401, 403, 404) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    await mustFind(db, suppliers, req.params.id);
    const q = req.query as { cursor?: string; limit: number };
    const rows = await listRows(db, r, [sql`t.supplier_id = ${req.params.id}`], idCursor(q.cursor), q.limit);
    return toPage(rows, q.limit, (x) => [x.id]);
  });
  app.post(`/suppliers/:id/${path}`, {
    schema: { tags, summary: `Record a ${r.label}`, params: IdParams, body, response: { 201: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
    config: { idempotent: true },
  }, async (req, reply) => {
    const me = authenticatedUser(req);
    const created = await db.transaction().execute(async (tx) => {
      await mustFind(tx, suppliers, req.params.id);
      await validate(tx, req.params.id, req.body as Record<string, unknown>);
      await onWrite?.(tx, req.params.id);
      return insertRow(tx, req as FastifyRequest, r, req.body as Record<string, unknown>, { supplierId: req.params.id, createdBy: me.id });
    });
    return reply.code(201).send(created);
  });
  app.patch(`/${path}/:id`, {
    schema: { tags, summary: `Change a ${r.label}`, params: IdParams, body: Type.Object({ ...Type.Partial(body).properties, version: Version }, { additionalProperties: false }), response: { 200: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req) => {
    const { version, ...changes } = req.body as Record<string, unknown> & { version: number };
    return db.transaction().execute(async (tx) => {
      const before = await mustFind(tx, r, req.params.id, true);
      await validate(tx, before.supplierId as string, { ...before, ...changes });
      await onWrite?.(tx, before.supplierId as string);
      return updateRow(tx, req as FastifyRequest, r, req.params.id, version, changes);
    });
  });
  app.delete(`/${path}/:id`, {
    schema: { tags, summary: `Delete a ${r.label}`, params: IdParams, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req, reply) => {
    await db.transaction().execute(async (tx) => {
      const before = await mustFind(tx, r, req.params.id, true);
      await deleteRow(tx, req as FastifyRequest, r, req.params.id);
      await onWrite?.(tx, before.supplierId as string);
    });
    return reply.code(204).send(null);
  });
}

async function siteOf(tx: Tx, supplierId: string, siteId: unknown, errors: FieldError[]) {
  if (!siteId) return;
  const { rows } = await sql`select 1 from sourcing.supplier_sites where id = ${siteId as string} and supplier_id = ${supplierId}`.execute(tx);
  if (!rows.length) throw unprocessable('site_not_of_supplier', 'The site belongs to another supplier.', [{ path: 'body.siteId', message: 'is not a site of this supplier' }, ...errors]);
}

const GRADES: Record<string, RegExp> = { brcgs_food: /^(AA|A|B|C|D)\+?$/, ifs_food: /^(higher|foundation)$/ };

export default async function qualityRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;

  childRoutes(app, ctx, 'certifications', certifications, CertificationBody, async (tx, supplierId, b) => {
    const { rows } = await sql`select 1 from sourcing.certification_catalogue where code = ${b.code} and active`.execute(tx);
    if (!rows.length) throw unprocessable('unknown_certification', `No certification "${b.code}" in the catalogue.`, [{ path: 'body.code', message: 'is unknown' }]);
    if (b.grade) {
      if (!GRADES[b.code]) throw unprocessable('grade_not_applicable', `${b.code} carries no grade.`, [{ path: 'body.grade', message: 'only for brcgs_food and ifs_food' }]);
      if (!GRADES[b.code]!.test(b.grade)) throw unprocessable('grade_not_applicable', `"${b.grade}" is not a ${b.code} grade.`, [{ path: 'body.grade', message: 'unknown grade' }]);
    }
    check([b.validUntil < b.validFrom && { path: 'body.validUntil', message: 'is before validFrom' }]);
    await siteOf(tx, supplierId, b.siteId, []);
  });

  childRoutes(app, ctx, 'deliveries', deliveries, DeliveryBody, async (tx, supplierId, b) => {
    check([
      b.quantityOrdered <= 0 && { path: 'body.quantityOrdered', message: 'must be above 0' },
      b.promisedOn < b.orderedOn && { path: 'body.promisedOn', message: 'is before orderedOn' },
      b.deliveredOn && b.deliveredOn < b.orderedOn && { path: 'body.deliveredOn', message: 'is before orderedOn' },
      b.quantityAccepted != null && b.quantityDelivered != null && b.quantityAccepted > b.quantityDelivered && { path: 'body.quantityAccepted', message: 'exceeds quantityDelivered' },
      b.defectiveUnits != null && b.unitsInspected != null && b.defectiveUnits > b.unitsInspected && { path: 'body.defectiveUnits', message: 'exceeds unitsInspected' },
      ...['quantityDelivered', 'quantityAccepted', 'unitsInspected', 'defectiveUnits'].map((k) => typeof b[k] === 'number' && b[k] < 0 && { path: `body.${k}`, message: 'must not be negative' }),
    ]);
    const m = await sql`select 1 from sourcing.materials where id = ${b.materialId}`.execute(tx);
    if (!m.rows.length) throw unprocessable('unknown_material', 'No such material.', [{ path: 'body.materialId', message: 'is unknown' }]);
    if (b.offerId) {
      const o = await sql`select 1 from sourcing.offers where id = ${b.offerId} and supplier_id = ${supplierId} and material_id = ${b.materialId}`.execute(tx);
      if (!o.rows.length) throw unprocessable('offer_material_mismatch', 'The offer is not this supplier\'s offer for this material.', [{ path: 'body.offerId', message: 'does not match' }]);
    }
  }, (tx, supplierId) => queueKpiRecompute(ctx, supplierId, tx));

  childRoutes(app, ctx, 'audits', audits, AuditBody, async (tx, supplierId, b) => {
    check([outside(b.scorePct, 0, 100, 'body.scorePct'), (b.openMajorFindings ?? 0) > (b.majorFindings ?? Infinity) && { path: 'body.openMajorFindings', message: 'exceeds majorFindings' }]);
    await siteOf(tx, supplierId, b.siteId, []);
  });

  app.post('/certifications/:id/verify', {
    schema: { tags, summary: 'Mark a certificate verified (manager)', params: IdParams, body: Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]), response: { 200: Record_, ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...MANAGE),
  }, async (req) => {
    const me = authenticatedUser(req);
    return db.transaction().execute((tx) => updateRow(tx, req, certifications, req.params.id, null, {}, { verifiedBy: me.id, verifiedAt: new Date().toISOString() }, 'verified'));
  });

  app.get('/suppliers/:id/kpis', {
    schema: {
      tags, summary: 'OTD, OTIF, PPM and lead-time variability over the last 365 days (spec §5.1), computed from the deliveries',
      params: IdParams, querystring: Type.Object({ materialId: Type.Optional(Id), asOf: Type.Optional(DateOnly) }),
      response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    await mustFind(db, suppliers, req.params.id);
    return supplierKpis(db, req.params.id, req.query.materialId ?? null, req.query.asOf ?? new Date().toISOString().slice(0, 10));
  });
}
