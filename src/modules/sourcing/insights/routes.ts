import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App, ModuleContext } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { unprocessable } from '../../../platform/http/errors.js';
import { mustFind } from '../http/resource.js';
import { DateOnly, Id, IdParams } from '../http/schemas.js';
import { READ } from '../http/roles.js';
import { suppliers } from '../suppliers/model.js';
import { materials } from '../catalog/model.js';
import { bandOf } from '../scoring/params.js';
import { compareSuppliers } from '../assessments/analysis.js';

const tags = ['sourcing insights'];
const Any = Type.Object({}, { additionalProperties: true });
const MAX_FEATURES = 5000;

/** Latest approved item per supplier (optionally for one material), for map colours and list scores. */
const latestApproved = (materialId?: string) => sql`
  select distinct on (i.supplier_id) i.supplier_id, i.weighted_score, a.id as assessment_id
    from sourcing.assessment_items i join sourcing.assessments a on a.id = i.assessment_id
   where a.status = 'approved' and i.included ${materialId ? sql`and a.material_id = ${materialId}` : sql``}
   order by i.supplier_id, a.approved_at desc`;

export default async function insightRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;

  app.get('/suppliers/map', {
    schema: {
      tags, summary: 'GeoJSON of supplier sites (coloured by band) and destinations; bbox=minLon,minLat,maxLon,maxLat; routes=true adds leg lines of active offers',
      querystring: Type.Object({ bbox: Type.Optional(Type.String({ pattern: '^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$' })), materialId: Type.Optional(Id), band: Type.Optional(Type.Union([Type.Literal('high'), Type.Literal('medium'), Type.Literal('low')])), routes: Type.Optional(Type.Boolean()) }),
      response: { 200: Any, ...problemResponses(400, 401, 403, 422) },
    },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    const { bbox, materialId, band, routes } = req.query;
    const box = bbox?.split(',').map(Number);
    const inBox = (lat: string, lon: string) => (box ? sql`${sql.ref(lon)} between ${box[0]} and ${box[2]} and ${sql.ref(lat)} between ${box[1]} and ${box[3]}` : sql`true`);
    const { rows: sites } = await sql<{ site_id: string; supplier_id: string; name: string; site_name: string | null; lat: string; lon: string; score: string | null; assessment_id: string | null }>`
      with latest as (${latestApproved(materialId)})
      select si.id as site_id, s.id as supplier_id, s.name, si.name as site_name, si.latitude as lat, si.longitude as lon, l.weighted_score as score, l.assessment_id
        from sourcing.supplier_sites si join sourcing.suppliers s on s.id = si.supplier_id left join latest l on l.supplier_id = s.id
       where s.status <> 'archived' and ${inBox('si.latitude', 'si.longitude')}
         ${materialId ? sql`and exists (select 1 from sourcing.offers o where o.site_id = si.id and o.material_id = ${materialId})` : sql``}
       limit ${MAX_FEATURES + 1}`.execute(db);
    const features: unknown[] = [];
    for (const s of sites) {
      const score = s.score === null ? null : Number(s.score);
      const b = score === null ? null : bandOf(score);
      if (band && b !== band) continue;
      features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [Number(s.lon), Number(s.lat)] },
        properties: { kind: 'site', supplierId: s.supplier_id, siteId: s.site_id, name: s.site_name ? `${s.name} — ${s.site_name}` : s.name, band: b, weightedScore: score, assessmentId: s.assessment_id } });
    }
    const { rows: dests } = await sql<{ id: string; name: string; lat: string; lon: string }>`
      select id, name, latitude as lat, longitude as lon from sourcing.destinations where active and ${inBox('latitude', 'longitude')}`.execute(db);
    for (const d of dests) features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [Number(d.lon), Number(d.lat)] }, properties: { kind: 'destination', destinationId: d.id, name: d.name } });
    if (routes) {
      const { rows: lines } = await sql<{ id: string; slat: string; slon: string; dlat: string; dlon: string; modes: string[] }>`
        select o.id, si.latitude as slat, si.longitude as slon, d.latitude as dlat, d.longitude as dlon, array_agg(l.mode order by l.seq) as modes
          from sourcing.offers o join sourcing.supplier_sites si on si.id = o.site_id join sourcing.destinations d on d.id = o.destination_id
          join sourcing.offer_legs l on l.offer_id = o.id
         where o.status = 'active' ${materialId ? sql`and o.material_id = ${materialId}` : sql``} and ${inBox('si.latitude', 'si.longitude')}
         group by o.id, si.latitude, si.longitude, d.latitude, d.longitude limit ${MAX_FEATURES + 1}`.execute(db);
      // Leg end points are not stored: the line joins origin and destination and carries the modes in order.
      for (const l of lines) features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [[Number(l.slon), Number(l.slat)], [Number(l.dlon), Number(l.dlat)]] }, properties: { kind: 'route', offerId: l.id, mode: l.modes[0], modes: l.modes } });
    }
    if (features.length > MAX_FEATURES) throw unprocessable('too_many_features', `More than ${MAX_FEATURES} features: narrow the bbox.`, [{ path: 'query.bbox', message: 'too wide' }]);
    return { type: 'FeatureCollection', features };
  });

  const history = async (where: ReturnType<typeof sql>) => (await sql<any>`
    select a.id as "assessmentId", a.title, a.assessment_date::text as "assessmentDate", a.approved_at as "approvedAt", a.material_id as "materialId",
           i.offer_id as "offerId", i.supplier_id as "supplierId", i.economic_score::float8 as "economicScore", i.quality_score::float8 as "qualityScore",
           i.environmental_score::float8 as "environmentalScore", i.weighted_score::float8 as "weightedScore", i.rank,
           (select count(*)::int from sourcing.assessment_items x where x.assessment_id = a.id and x.included) as "offersCompared",
           (i.economic->>'tcoPerUnit')::float8 as "tcoPerUnit", (i.environmental->'transport'->>'kgCo2ePerUnit')::float8 as "kgCo2ePerUnit",
           json_build_object('source', f.source, 'year', f.publication_year, 'version', f.version) as "factorSet", a.parameters_version as "parametersVersion",
           exists (select 1 from sourcing.assessments b where b.material_id = a.material_id and b.status = 'approved' and b.assessment_date > a.assessment_date) as superseded
      from sourcing.assessment_items i join sourcing.assessments a on a.id = i.assessment_id join sourcing.emission_factor_sets f on f.id = a.factor_set_id
     where a.status in ('approved', 'archived') and a.approved_at is not null and i.included and ${where}
     order by a.assessment_date, a.approved_at`.execute(db)).rows.map((r: any) => ({ ...r, approvedAt: new Date(r.approvedAt).toISOString() }));

  app.get('/suppliers/:id/score-history', {
    schema: { tags, summary: 'Scores of the supplier in approved assessments, by assessment date (economic scores are relative to each assessment\'s competitors)', params: IdParams,
      querystring: Type.Object({ materialId: Type.Optional(Id), from: Type.Optional(DateOnly), to: Type.Optional(DateOnly) }), response: { 200: Type.Object({ items: Type.Array(Any) }), ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    await mustFind(db, suppliers, req.params.id);
    const { materialId, from, to } = req.query;
    return { items: await history(sql`i.supplier_id = ${req.params.id} ${materialId ? sql`and a.material_id = ${materialId}` : sql``}
      ${from ? sql`and a.assessment_date >= ${from}` : sql``} ${to ? sql`and a.assessment_date <= ${to}` : sql``}`) };
  });

  app.get('/materials/:id/score-history', {
    schema: { tags, summary: 'Approved items of every supplier for the material, by assessment date', params: IdParams, response: { 200: Type.Object({ items: Type.Array(Any) }), ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    await mustFind(db, materials, req.params.id);
    return { items: await history(sql`a.material_id = ${req.params.id}`) };
  });

  app.get('/suppliers/compare', {
    schema: { tags, summary: 'Compare 2–6 suppliers on the twelve axes, from each one\'s latest approved result for the material', querystring: Type.Object({ supplierIds: Type.String({ maxLength: 300 }), materialId: Id }), response: { 200: Any, ...problemResponses(400, 401, 403, 422) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    const ids = [...new Set(req.query.supplierIds.split(',').filter(Boolean))];
    if (ids.length < 2 || ids.length > 6 || ids.some((x) => !/^[0-9a-f-]{36}$/i.test(x))) throw unprocessable('invalid_values', 'Compare 2 to 6 suppliers.', [{ path: 'query.supplierIds', message: '2 to 6 ids' }]);
    return compareSuppliers(db, ids, req.query.materialId);
  });

  app.get('/dashboard', {
    schema: { tags, summary: 'Figures computed from stored data: suppliers by status, active offers, certificates expiring in 60 days, 12-month OTIF and PPM, latest approved results, reviews due', querystring: Type.Object({ materialId: Type.Optional(Id) }), response: { 200: Any, ...problemResponses(401, 403) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    const m = req.query.materialId;
    const byStatus = (await sql<{ status: string; n: number }>`select status, count(*)::int as n from sourcing.suppliers group by status`.execute(db)).rows;
    const active = (await sql<{ n: number }>`select count(*)::int as n from sourcing.offers where status = 'active' ${m ? sql`and material_id = ${m}` : sql``}`.execute(db)).rows[0]!.n;
    const expiring = (await sql<{ n: number }>`select count(*)::int as n from sourcing.supplier_certifications where valid_until between current_date and current_date + 60`.execute(db)).rows[0]!.n;
    const d = (await sql<{ n: number; ok: number; insp: string | null; def: string | null }>`
      select count(*)::int as n,
             count(*) filter (where delivered_on is not null and delivered_on between promised_on - 2 and promised_on and coalesce(quantity_accepted, quantity_delivered, 0) >= quantity_ordered)::int as ok,
             sum(units_inspected) filter (where units_inspected > 0) as insp, sum(defective_units) filter (where units_inspected > 0) as def
        from sourcing.deliveries where coalesce(delivered_on, promised_on) between current_date - 365 and current_date
         and (delivered_on is not null or promised_on < current_date) ${m ? sql`and material_id = ${m}` : sql``}`.execute(db)).rows[0]!;
    const latest = (await sql<{ material_id: string; assessment_id: string; top3: unknown }>`
      select distinct on (a.material_id) a.material_id, a.id as assessment_id,
        (select json_agg(json_build_object('offerId', i.offer_id, 'supplierId', i.supplier_id, 'supplierName', s.name, 'rank', i.rank, 'weightedScore', i.weighted_score::float8) order by i.rank)
           from sourcing.assessment_items i join sourcing.suppliers s on s.id = i.supplier_id where i.assessment_id = a.id and i.rank <= 3) as top3
        from sourcing.assessments a where a.status = 'approved' ${m ? sql`and a.material_id = ${m}` : sql``} order by a.material_id, a.approved_at desc`.execute(db)).rows;
    const reviews = (await sql<{ kind: string; id: string; name: string; due: string }>`
      select 'supplier' as kind, id, name, next_review_on::text as due from sourcing.suppliers where status <> 'archived' and next_review_on <= current_date + 30
      union all
      select 'assessment', id, title, next_review_on::text from sourcing.assessments where status = 'approved' and next_review_on <= current_date
      order by due limit 50`.execute(db)).rows;
    return {
      suppliersByStatus: Object.fromEntries(byStatus.map((r) => [r.status, r.n])), activeOffers: active, certificatesExpiring60d: expiring,
      deliveries12m: { count: d.n, otifPct: d.n ? Math.round((10_000 * d.ok) / d.n) / 100 : null, ppm: d.insp && Number(d.insp) > 0 ? Math.round((Number(d.def) / Number(d.insp)) * 1e6) : null },
      latestApprovedByMaterial: latest.map((r) => ({ materialId: r.material_id, assessmentId: r.assessment_id, top3: r.top3 ?? [] })),
      reviewsDue: reviews,
    };
  });
}
