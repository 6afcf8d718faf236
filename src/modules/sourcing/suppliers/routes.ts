import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App, ModuleContext } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { conflict } from '../../../platform/http/errors.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { idCursor, toPage } from '../../../platform/http/pagination.js';
import { deleteRow, insertRow, listRows, mustFind, updateRow } from '../http/resource.js';
import { Country, IdParams, PageQuery, Record_, RecordPage, Version } from '../http/schemas.js';
import { MANAGE, READ, WRITE } from '../http/roles.js';
import { SiteBody, SupplierFields, sites, suppliers } from './model.js';
import { check, checkSupplierMove, outside } from './rules.js';
import { supplierDetail } from './detail.js';
import { publish } from '../events.js';
import { supplierKpis } from '../quality/kpis.js';
import { bandOf, DEFAULT_PARAMS } from '../scoring/params.js';

const tags = ['sourcing suppliers'];
const SupplierCreate = Type.Object({ ...SupplierFields, sites: Type.Optional(Type.Array(SiteBody, { maxItems: 50 })) }, { additionalProperties: false });
const SupplierPatch = Type.Object({ ...Type.Partial(Type.Object(SupplierFields)).properties, version: Version }, { additionalProperties: false });
const SupplierPut = Type.Object({ ...SupplierFields, version: Version }, { additionalProperties: false });

const siteChecks = (b: Record<string, unknown>, prefix = 'body') => [
  outside(b.latitude, -90, 90, `${prefix}.latitude`), outside(b.longitude, -180, 180, `${prefix}.longitude`),
  outside(b.renewableEnergyPct, 0, 100, `${prefix}.renewableEnergyPct`),
];

export default async function supplierRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;

  app.get('/suppliers', {
    schema: {
      tags, summary: 'Suppliers (archived hidden unless status=archived)',
      querystring: Type.Object({
        ...PageQuery.properties, q: Type.Optional(Type.String({ maxLength: 200 })), country: Type.Optional(Country),
        status: Type.Optional(Type.Union(['active', 'on_hold', 'blocked', 'archived'].map((s) => Type.Literal(s)))),
        materialId: Type.Optional(Type.String({ format: 'uuid' })), certification: Type.Optional(Type.String({ maxLength: 40 })),
        band: Type.Optional(Type.Union([Type.Literal('high'), Type.Literal('medium'), Type.Literal('low'), Type.Literal('none')], { description: 'band of the latest approved weighted score; none = never approved' })),
        bbox: Type.Optional(Type.String({ pattern: '^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$', description: 'minLon,minLat,maxLon,maxLat: suppliers with a site inside' })),
      }),
      response: { 200: RecordPage, ...problemResponses(400, 401, 403) },
    },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    const { q, country, status, materialId, certification, band, bbox, limit, cursor } = req.query;
    const where = [status ? sql`t.status = ${status}` : sql`t.status <> 'archived'`];
    if (q) where.push(sql`t.name ilike ${`%${q.replace(/[%_\\]/g, '\\$&')}%`}`);
    if (country) where.push(sql`t.country = ${country}`);
    if (materialId) where.push(sql`exists (select 1 from sourcing.offers o where o.supplier_id = t.id and o.material_id = ${materialId})`);
    if (certification) where.push(sql`exists (select 1 from sourcing.supplier_certifications c where c.supplier_id = t.id and c.code = ${certification} and current_date between c.valid_from and c.valid_until)`);
    if (bbox) {
      const [minLon, minLat, maxLon, maxLat] = bbox.split(',').map(Number) as [number, number, number, number];
      where.push(sql`exists (select 1 from sourcing.supplier_sites si where si.supplier_id = t.id and si.longitude between ${minLon} and ${maxLon} and si.latitude between ${minLat} and ${maxLat})`);
    }
    if (band) {
      const latest = sql`(select i.weighted_score from sourcing.assessment_items i join sourcing.assessments a on a.id = i.assessment_id
        where i.supplier_id = t.id and a.status = 'approved' and i.included order by a.approved_at desc limit 1)`;
      const { high, medium } = DEFAULT_PARAMS.bands;
      where.push(band === 'none' ? sql`${latest} is null` : band === 'high' ? sql`${latest} >= ${high}`
        : band === 'medium' ? sql`${latest} >= ${medium} and ${latest} < ${high}` : sql`${latest} < ${medium}`);
    }
    const rows = await listRows(db, suppliers, where, idCursor(cursor), limit);
    const page = toPage(rows, limit, (r) => [r.id]);
    const ids = page.items.map((r) => r.id as string);
    if (ids.length === 0) return page;
    const extras = await sql<{ id: string; lat: string | null; lon: string | null; certs: string[] | null; expiring: string[] | null; materials: string[] | null; latest: any }>`
      select s.id,
        (select latitude from sourcing.supplier_sites where supplier_id = s.id order by is_primary desc, id limit 1) as lat,
        (select longitude from sourcing.supplier_sites where supplier_id = s.id order by is_primary desc, id limit 1) as lon,
        (select array_agg(distinct code) from sourcing.supplier_certifications where supplier_id = s.id and current_date between valid_from and valid_until) as certs,
        (select array_agg(distinct code) from sourcing.supplier_certifications where supplier_id = s.id and current_date between valid_from and valid_until
            and valid_until < current_date + 60) as expiring,
        (select array_agg(distinct material_id) from sourcing.offers where supplier_id = s.id and status = 'active') as materials,
        (select json_build_object('economic', i.economic_score, 'quality', i.quality_score, 'environmental', i.environmental_score,
                'weighted', i.weighted_score, 'assessmentId', a.id, 'approvedAt', a.approved_at)
           from sourcing.assessment_items i join sourcing.assessments a on a.id = i.assessment_id
          where i.supplier_id = s.id and a.status = 'approved' and i.included order by a.approved_at desc limit 1) as latest
      from sourcing.suppliers s where s.id = any(${ids}::uuid[])`.execute(db);
    const byId = new Map(extras.rows.map((e) => [e.id, e]));
    const today = new Date().toISOString().slice(0, 10);
    // Stored KPIs (sourcing.recompute-kpis); a supplier not computed yet is computed live once here.
    const stored = await sql<{ supplier_id: string; otif_pct: string | null }>`
      select supplier_id, otif_pct from sourcing.supplier_kpis where material_id is null and supplier_id = any(${ids}::uuid[])`.execute(db);
    const otif = new Map<string, number | null>(stored.rows.map((r) => [r.supplier_id, r.otif_pct === null ? null : Number(r.otif_pct)]));
    for (const id of ids) if (!otif.has(id)) otif.set(id, (await supplierKpis(db, id, null, today)).otifPct);
    return {
      ...page,
      items: page.items.map((s) => {
        const e = byId.get(s.id as string)!;
        return {
          ...s, primarySite: e.lat === null ? null : { lat: Number(e.lat), lon: Number(e.lon) },
          validCertifications: e.certs ?? [], expiringCertifications: e.expiring ?? [], materials: e.materials ?? [], latestScores: e.latest,
          latestBand: e.latest?.weighted == null ? null : bandOf(Number(e.latest.weighted)), otifPct: otif.get(s.id as string) ?? null,
        };
      }),
    };
  });

  app.post('/suppliers', {
    schema: { tags, summary: 'Create a supplier, optionally with its sites', body: SupplierCreate, response: { 201: Record_, ...problemResponses(400, 401, 403, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
    config: { idempotent: true },
  }, async (req, reply) => {
    const { sites: siteBodies = [], ...body } = req.body;
    check([outside(body.riskAllowancePct, 0, 50, 'body.riskAllowancePct'), ...siteBodies.flatMap((s, i) => siteChecks(s, `body.sites.${i}`))]);
    if (body.status === 'blocked' && !body.statusReason) checkSupplierMove('on_hold', 'blocked', null);
    const me = authenticatedUser(req);
    const created = await db.transaction().execute(async (tx) => {
      const dup = await sql`select 1 from sourcing.suppliers where lower(name) = lower(${body.name}) and country = ${body.country} and archived_at is null`.execute(tx);
      if (dup.rows.length) throw conflict('duplicate_supplier', `A supplier named "${body.name}" already exists in ${body.country}.`);
      const s = await insertRow(tx, req, suppliers, body, { createdBy: me.id });
      const primaryGiven = siteBodies.some((x) => x.isPrimary);
      const made = [];
      for (const [i, site] of siteBodies.entries()) {
        made.push(await insertRow(tx, req, sites, { ...site, isPrimary: site.isPrimary ?? (!primaryGiven && i === 0) }, { supplierId: s.id, createdBy: me.id }));
      }
      return { ...s, sites: made };
    });
    await publish(ctx, 'sourcing.suppliers', 'supplier.created', { id: created.id });
    return reply.code(201).send(created);
  });

  app.get('/suppliers/:id', {
    schema: { tags, summary: 'A supplier with sites, valid certificates, KPIs, offer count and latest scores', params: IdParams, response: { 200: Record_, ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => supplierDetail(db, req.params.id));

  const edit = async (req: any, full: boolean) => {
    const { version, ...body } = req.body as Record<string, any>;
    check([outside(body.riskAllowancePct, 0, 50, 'body.riskAllowancePct')]);
    return db.transaction().execute(async (tx) => {
      const before = await mustFind(tx, suppliers, req.params.id, true);
      if (before.status === 'archived') throw conflict('invalid_transition', 'An archived supplier is restored before it is edited.');
      if (body.status) checkSupplierMove(before.status as string, body.status, body.statusReason ?? before.statusReason as string);
      if (full) for (const k of ['legalName', 'address', 'website', 'contact', 'statusReason', 'ecovadis', 'nextReviewOn', 'notes']) body[k] ??= null;
      if ((body.name && body.name !== before.name) || (body.country && body.country !== before.country)) {
        const dup = await sql`select 1 from sourcing.suppliers where lower(name) = lower(${body.name ?? before.name}) and country = ${body.country ?? before.country} and archived_at is null and id <> ${req.params.id}`.execute(tx);
        if (dup.rows.length) throw conflict('duplicate_supplier', 'Another supplier has this name in this country.');
      }
      return updateRow(tx, req, suppliers, req.params.id, version, body);
    }).then(async (r) => { await publish(ctx, 'sourcing.suppliers', 'supplier.updated', { id: r.id }); return r; });
  };
  app.put('/suppliers/:id', {
    schema: { tags, summary: 'Replace the editable fields of a supplier (with version)', params: IdParams, body: SupplierPut, response: { 200: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req) => edit(req, true));
  app.patch('/suppliers/:id', {
    schema: { tags, summary: 'Change some fields of a supplier (with version); status moves follow §3.3', params: IdParams, body: SupplierPatch, response: { 200: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req) => edit(req, false));

  app.delete('/suppliers/:id', {
    schema: { tags, summary: 'Archive a supplier (manager): its active offers are withdrawn, draft and scored assessments become stale', params: IdParams, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...MANAGE),
  }, async (req, reply) => {
    await db.transaction().execute(async (tx) => {
      const before = await mustFind(tx, suppliers, req.params.id, true);
      if (before.status === 'archived') return;
      await updateRow(tx, req, suppliers, req.params.id, null, {}, { status: 'archived', archivedAt: new Date().toISOString() }, 'archived');
      const withdrawn = await sql<{ id: string }>`update sourcing.offers set status = 'withdrawn', updated_at = now(), version = version + 1
        where supplier_id = ${req.params.id} and status = 'active' returning id`.execute(tx);
      await sql`update sourcing.assessments a set stale = true where a.status in ('draft', 'scored')
        and exists (select 1 from sourcing.assessment_offers ao join sourcing.offers o on o.id = ao.offer_id where ao.assessment_id = a.id and o.supplier_id = ${req.params.id})`.execute(tx);
      await recordAudit(tx, actorOf(req), { action: 'sourcing.offer.withdrawn', entity: 'sourcing.supplier', entityId: req.params.id, diff: { offerIds: withdrawn.rows.map((r) => r.id) } });
    });
    await publish(ctx, 'sourcing.suppliers', 'supplier.archived', { id: req.params.id });
    return reply.code(204).send(null);
  });

  app.post('/suppliers/:id/restore', {
    schema: { tags, summary: 'Restore an archived supplier (manager)', params: IdParams, response: { 200: Record_, ...problemResponses(401, 403, 404, 409) } },
    preHandler: app.requireRole(...MANAGE),
  }, async (req) => db.transaction().execute(async (tx) => {
    const before = await mustFind(tx, suppliers, req.params.id, true);
    if (before.status !== 'archived') throw conflict('invalid_transition', 'Only an archived supplier can be restored.');
    const dup = await sql`select 1 from sourcing.suppliers where lower(name) = lower(${before.name as string}) and country = ${before.country as string} and archived_at is null`.execute(tx);
    if (dup.rows.length) throw conflict('duplicate_supplier', 'Another active supplier now has this name in this country.');
    return updateRow(tx, req, suppliers, req.params.id, null, {}, { status: 'active', archivedAt: null }, 'restored');
  }));

  // Sites
  app.get('/suppliers/:id/sites', {
    schema: { tags, summary: 'Sites of a supplier', params: IdParams, querystring: PageQuery, response: { 200: RecordPage, ...problemResponses(400, 401, 403, 404) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    await mustFind(db, suppliers, req.params.id);
    const rows = await listRows(db, sites, [sql`t.supplier_id = ${req.params.id}`], idCursor(req.query.cursor), req.query.limit);
    return toPage(rows, req.query.limit, (r) => [r.id]);
  });

  app.post('/suppliers/:id/sites', {
    schema: { tags, summary: 'Add a site', params: IdParams, body: SiteBody, response: { 201: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
    config: { idempotent: true },
  }, async (req, reply) => {
    check(siteChecks(req.body));
    const me = authenticatedUser(req);
    const site = await db.transaction().execute(async (tx) => {
      const s = await mustFind(tx, suppliers, req.params.id, true);
      if (s.status === 'archived') throw conflict('invalid_transition', 'An archived supplier takes no new sites.');
      if (req.body.isPrimary) await sql`update sourcing.supplier_sites set is_primary = false where supplier_id = ${req.params.id} and is_primary`.execute(tx);
      return insertRow(tx, req, sites, req.body, { supplierId: req.params.id, createdBy: me.id });
    });
    return reply.code(201).send(site);
  });

  app.patch('/sites/:id', {
    schema: { tags, summary: 'Change a site', params: IdParams, body: Type.Object({ ...Type.Partial(SiteBody).properties, version: Version }, { additionalProperties: false }), response: { 200: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req) => {
    const { version, ...body } = req.body;
    check(siteChecks(body));
    return db.transaction().execute(async (tx) => {
      const site = await mustFind(tx, sites, req.params.id, true);
      if (body.isPrimary) await sql`update sourcing.supplier_sites set is_primary = false where supplier_id = ${site.supplierId as string} and is_primary and id <> ${req.params.id}`.execute(tx);
      return updateRow(tx, req, sites, req.params.id, version, body);
    });
  });

  app.delete('/sites/:id', {
    schema: { tags, summary: 'Delete a site without active offers', params: IdParams, response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req, reply) => {
    await db.transaction().execute(async (tx) => {
      await mustFind(tx, sites, req.params.id, true);
      const used = await sql`select 1 from sourcing.offers where site_id = ${req.params.id} and status = 'active' limit 1`.execute(tx);
      if (used.rows.length) throw conflict('site_in_use', 'The site has active offers; withdraw them first.');
      const any = await sql`select 1 from sourcing.offers where site_id = ${req.params.id} limit 1`.execute(tx);
      if (any.rows.length) throw conflict('site_in_use', 'Past offers refer to this site; it is kept for their history.');
      await deleteRow(tx, req, sites, req.params.id);
    });
    return reply.code(204).send(null);
  });
}
