import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App, ModuleContext } from '../../../platform/types.js';
import type { Tx } from '../../../platform/db/transaction.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { conflict, unprocessable } from '../../../platform/http/errors.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { ADMIN, READ } from '../http/roles.js';
import { Country, Currency, DateOnly, IdParams, Record_ } from '../http/schemas.js';
import { TRANSPORT_MODES, type TransportMode } from '../scoring/params.js';
import { activeParams, loadFactorSet } from './store.js';

const tags = ['sourcing reference data'];
const Any = Type.Object({}, { additionalProperties: true });
const Items = Type.Object({ items: Type.Array(Any) });
const Factor = Type.Object({ mode: Type.String({ maxLength: 40 }), kgCo2ePerTkm: Type.Number(), label: Type.Optional(Type.String({ maxLength: 200 })), notes: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });

async function writeFactors(tx: Tx, setId: string, factors: { mode: string; kgCo2ePerTkm: number; label?: string; notes?: string }[]) {
  factors.forEach((f, i) => {
    if (!TRANSPORT_MODES.includes(f.mode as TransportMode)) throw unprocessable('unknown_mode', `Unknown transport mode "${f.mode}".`, [{ path: `body.factors.${i}.mode`, message: 'unknown' }]);
    if (!(f.kgCo2ePerTkm > 0)) throw unprocessable('invalid_values', 'Factors are above 0.', [{ path: `body.factors.${i}.kgCo2ePerTkm`, message: 'must be above 0' }]);
  });
  await sql`delete from sourcing.emission_factors where set_id = ${setId}`.execute(tx);
  for (const f of factors) {
    await sql`insert into sourcing.emission_factors (set_id, mode, kg_co2e_per_tkm, label, notes) values (${setId}, ${f.mode}, ${f.kgCo2ePerTkm}, ${f.label ?? null}, ${f.notes ?? null})`.execute(tx);
  }
}

/** Changing what scores depend on marks draft and scored assessments stale; approved ones never change (spec §3.3). */
export async function markStale(tx: Tx, ctx: Pick<ModuleContext, 'jobs'>) {
  const { rows } = await sql<{ id: string }>`update sourcing.assessments set stale = true where status in ('draft', 'scored') returning id`.execute(tx);
  // sourcing.rescore-stale re-scores each one with the new reference data (queued with the change: only if it commits),
  // a minute later so that a run of reference changes (a set activated, then parameters) leads to one re-score each.
  for (const r of rows) await ctx.jobs.send('sourcing.rescore-stale', { assessmentId: r.id }, { singletonKey: r.id, startAfter: 60, db: tx });
  return rows.length;
}

export default async function referenceRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;
  const setView = async (id: string) => {
    const s = await loadFactorSet(db, id);
    const { rows } = await sql<Record<string, unknown>>`select name, notes, verified_by, created_at from sourcing.emission_factor_sets where id = ${id}`.execute(db);
    const f = await sql<{ mode: string; kg_co2e_per_tkm: string; label: string | null; notes: string | null }>`select * from sourcing.emission_factors where set_id = ${id} order by mode`.execute(db);
    return {
      id: s.id, name: rows[0]!.name, source: s.source, publicationYear: s.year, version: s.version, basis: s.basis, status: s.status,
      verified: s.verifiedAt !== null, verifiedAt: s.verifiedAt, verifiedBy: rows[0]!.verified_by, notes: rows[0]!.notes,
      factors: f.rows.map((r) => ({ mode: r.mode, kgCo2ePerTkm: Number(r.kg_co2e_per_tkm), label: r.label, notes: r.notes })),
    };
  };

  app.get('/emission-factor-sets', {
    schema: { tags, summary: 'Emission factor sets (source, year, version, basis, verification)', response: { 200: Items, ...problemResponses(401, 403) } },
    preHandler: app.requireRole(...READ),
  }, async () => {
    const { rows } = await sql<{ id: string }>`select id from sourcing.emission_factor_sets order by created_at desc limit 200`.execute(db);
    return { items: await Promise.all(rows.map((r) => setView(r.id))) };
  });
  app.get('/emission-factor-sets/:id', {
    schema: { tags, summary: 'A factor set with its factors', params: IdParams, response: { 200: Record_, ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => setView(req.params.id));

  app.post('/emission-factor-sets', {
    schema: {
      tags, summary: 'Create a draft factor set (admin)',
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), source: Type.String({ minLength: 1, maxLength: 1000 }), publicationYear: Type.Integer({ minimum: 1990, maximum: 2100 }), version: Type.String({ minLength: 1, maxLength: 40 }), basis: Type.String({ minLength: 1, maxLength: 200 }), notes: Type.Optional(Type.String({ maxLength: 5000 })), factors: Type.Array(Factor, { maxItems: 30 }) }, { additionalProperties: false }),
      response: { 201: Record_, ...problemResponses(400, 401, 403, 409, 422) },
    },
    preHandler: app.requireRole(...ADMIN),
    config: { idempotent: true },
  }, async (req, reply) => {
    const me = authenticatedUser(req);
    const b = req.body;
    const id = await db.transaction().execute(async (tx) => {
      const { rows } = await sql<{ id: string }>`insert into sourcing.emission_factor_sets (name, source, publication_year, version, basis, notes, created_by)
        values (${b.name}, ${b.source}, ${b.publicationYear}, ${b.version}, ${b.basis}, ${b.notes ?? null}, ${me.id}) returning id`.execute(tx);
      await writeFactors(tx, rows[0]!.id, b.factors);
      await recordAudit(tx, actorOf(req), { action: 'sourcing.factor_set.created', entity: 'sourcing.factor_set', entityId: rows[0]!.id, diff: b });
      return rows[0]!.id;
    });
    return reply.code(201).send(await setView(id));
  });

  app.put('/emission-factor-sets/:id/factors', {
    schema: { tags, summary: 'Replace the factors of a draft set (admin)', params: IdParams, body: Type.Object({ factors: Type.Array(Factor, { maxItems: 30 }) }, { additionalProperties: false }), response: { 200: Record_, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...ADMIN),
  }, async (req) => {
    await db.transaction().execute(async (tx) => {
      const s = await loadFactorSet(tx, req.params.id);
      if (s.status !== 'draft') throw conflict('factor_set_locked', 'Factors of a set are immutable once it leaves draft.');
      await writeFactors(tx, s.id, req.body.factors);
      await recordAudit(tx, actorOf(req), { action: 'sourcing.factor_set.factors_replaced', entity: 'sourcing.factor_set', entityId: s.id, diff: req.body });
    });
    return setView(req.params.id);
  });

  app.post('/emission-factor-sets/:id/verify', {
    schema: { tags, summary: 'Record that the values were checked against the official source (admin)', params: IdParams, body: Type.Object({ notes: Type.String({ minLength: 1, maxLength: 5000 }) }, { additionalProperties: false }), response: { 200: Record_, ...problemResponses(400, 401, 403, 404) } },
    preHandler: app.requireRole(...ADMIN),
  }, async (req) => {
    const me = authenticatedUser(req);
    await db.transaction().execute(async (tx) => {
      await loadFactorSet(tx, req.params.id);
      await sql`update sourcing.emission_factor_sets set verified_by = ${me.id}, verified_at = now(), notes = ${req.body.notes} where id = ${req.params.id}`.execute(tx);
      await recordAudit(tx, actorOf(req), { action: 'sourcing.factor_set.verified', entity: 'sourcing.factor_set', entityId: req.params.id, diff: req.body });
    });
    return setView(req.params.id);
  });

  app.post('/emission-factor-sets/:id/activate', {
    schema: { tags, summary: 'Activate a set (admin): the previous one retires; draft and scored assessments become stale', params: IdParams, response: { 200: Record_, ...problemResponses(401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...ADMIN),
  }, async (req) => {
    await db.transaction().execute(async (tx) => {
      const s = await loadFactorSet(tx, req.params.id);
      if (s.status !== 'draft') throw conflict('invalid_transition', `A ${s.status} set cannot be activated.`);
      const used = await sql<{ mode: string }>`select distinct l.mode from sourcing.offer_legs l join sourcing.offers o on o.id = l.offer_id where o.status = 'active'`.execute(tx);
      const lacking = used.rows.map((r) => r.mode).filter((m) => !(m in s.factors));
      if (lacking.length) throw unprocessable('emission_factor_missing', `The set lacks factors for modes used by active offers: ${lacking.join(', ')}.`, lacking.map((m) => ({ path: `factors.${m}`, message: 'is missing' })));
      await sql`update sourcing.emission_factor_sets set status = 'retired' where status = 'active'`.execute(tx);
      await sql`update sourcing.emission_factor_sets set status = 'active' where id = ${s.id}`.execute(tx);
      await markStale(tx, ctx);
      await recordAudit(tx, actorOf(req), { action: 'sourcing.factor_set.activated', entity: 'sourcing.factor_set', entityId: s.id, diff: { version: s.version } });
    });
    return setView(req.params.id);
  });

  app.get('/certification-catalogue', {
    schema: { tags, summary: 'Certification catalogue with points', response: { 200: Items, ...problemResponses(401, 403) } },
    preHandler: app.requireRole(...READ),
  }, async () => ({ items: (await sql<any>`select code, name, pillar, gfsi_recognised as "gfsiRecognised", points::float8 as points, active from sourcing.certification_catalogue order by pillar, code`.execute(db)).rows }));

  app.put('/certification-catalogue/:code', {
    schema: {
      tags, summary: 'Add or change a catalogue entry (admin)', params: Type.Object({ code: Type.String({ pattern: '^[a-z0-9_]{2,40}$' }) }),
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), pillar: Type.Union(['food_safety', 'quality_management', 'environmental', 'other'].map((p) => Type.Literal(p))), gfsiRecognised: Type.Optional(Type.Boolean()), points: Type.Number({ minimum: 0, maximum: 100 }), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: Any, ...problemResponses(400, 401, 403) },
    },
    preHandler: app.requireRole(...ADMIN),
  }, async (req) => db.transaction().execute(async (tx) => {
    const b = req.body;
    await sql`insert into sourcing.certification_catalogue (code, name, pillar, gfsi_recognised, points, active) values (${req.params.code}, ${b.name}, ${b.pillar}, ${b.gfsiRecognised ?? false}, ${b.points}, ${b.active ?? true})
      on conflict (code) do update set name = excluded.name, pillar = excluded.pillar, gfsi_recognised = excluded.gfsi_recognised, points = excluded.points, active = excluded.active, updated_at = now()`.execute(tx);
    await markStale(tx, ctx);
    await recordAudit(tx, actorOf(req), { action: 'sourcing.certification_catalogue.updated', entity: 'sourcing.certification_catalogue', entityId: null, diff: { code: req.params.code, ...b } });
    return { code: req.params.code, ...b };
  }));

  app.get('/fx-rates', {
    schema: { tags, summary: 'FX rates (base units per unit of currency)', querystring: Type.Object({ currency: Type.Optional(Currency) }), response: { 200: Items, ...problemResponses(401, 403) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => ({ items: (await sql<any>`select currency, as_of::text as "asOf", rate_to_base::float8 as "rateToBase", source from sourcing.fx_rates
      ${req.query.currency ? sql`where currency = ${req.query.currency}` : sql``} order by currency, as_of desc limit 1000`.execute(db)).rows }));

  app.post('/fx-rates', {
    schema: { tags, summary: 'Record FX rates in bulk (admin)', body: Type.Object({ items: Type.Array(Type.Object({ currency: Currency, asOf: DateOnly, rateToBase: Type.Number({ exclusiveMinimum: 0 }), source: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }), response: { 200: Type.Object({ count: Type.Integer() }), ...problemResponses(400, 401, 403) } },
    preHandler: app.requireRole(...ADMIN),
  }, async (req) => db.transaction().execute(async (tx) => {
    for (const r of req.body.items) {
      await sql`insert into sourcing.fx_rates (currency, as_of, rate_to_base, source) values (${r.currency}, ${r.asOf}, ${r.rateToBase}, ${r.source})
        on conflict (currency, as_of) do update set rate_to_base = excluded.rate_to_base, source = excluded.source`.execute(tx);
    }
    await recordAudit(tx, actorOf(req), { action: 'sourcing.fx_rates.recorded', entity: 'sourcing.fx_rates', diff: req.body.items });
    return { count: req.body.items.length };
  }));

  app.get('/origin-risk/:country', {
    schema: { tags, summary: 'Origin risk of a country (missing → medium)', params: Type.Object({ country: Country }), response: { 200: Any, ...problemResponses(401, 403) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    const { rows } = await sql<any>`select country, level, source, updated_at as "updatedAt" from sourcing.origin_risk_by_country where country = ${req.params.country}`.execute(db);
    return rows[0] ?? { country: req.params.country, level: 'medium', source: 'default (not in the table)', updatedAt: null };
  });
  app.put('/origin-risk/:country', {
    schema: { tags, summary: 'Set the origin risk of a country (admin)', params: Type.Object({ country: Country }), body: Type.Object({ level: Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]), source: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }), response: { 200: Any, ...problemResponses(400, 401, 403) } },
    preHandler: app.requireRole(...ADMIN),
  }, async (req) => db.transaction().execute(async (tx) => {
    await sql`insert into sourcing.origin_risk_by_country (country, level, source) values (${req.params.country}, ${req.body.level}, ${req.body.source})
      on conflict (country) do update set level = excluded.level, source = excluded.source, updated_at = now()`.execute(tx);
    await markStale(tx, ctx);
    await recordAudit(tx, actorOf(req), { action: 'sourcing.origin_risk.updated', entity: 'sourcing.origin_risk', diff: { country: req.params.country, ...req.body } });
    return { country: req.params.country, ...req.body };
  }));

  app.get('/scoring-parameters/active', {
    schema: { tags, summary: 'The active scoring parameters (engine defaults overlaid with stored overrides)', response: { 200: Any, ...problemResponses(401, 403) } },
    preHandler: app.requireRole(...READ),
  }, async () => {
    const { params, version } = await activeParams(db);
    return { version, params };
  });
  app.post('/scoring-parameters', {
    schema: { tags, summary: 'Store new parameters as the active version (admin); draft and scored assessments become stale', body: Type.Object({ params: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: false }), response: { 201: Any, ...problemResponses(400, 401, 403) } },
    preHandler: app.requireRole(...ADMIN),
  }, async (req, reply) => {
    const me = authenticatedUser(req);
    const version = await db.transaction().execute(async (tx) => {
      const { rows } = await sql<{ v: number }>`select coalesce(max(version), 0) + 1 as v from sourcing.scoring_parameters`.execute(tx);
      const v = rows[0]!.v;
      await sql`update sourcing.scoring_parameters set status = 'retired' where status = 'active'`.execute(tx);
      await sql`insert into sourcing.scoring_parameters (version, params, created_by) values (${v}, ${JSON.stringify(req.body.params)}, ${me.id})`.execute(tx);
      await markStale(tx, ctx);
      await recordAudit(tx, actorOf(req), { action: 'sourcing.scoring_parameters.activated', entity: 'sourcing.scoring_parameters', entityId: null, diff: { version: v, params: req.body.params } });
      return v;
    });
    return reply.code(201).send({ version, params: (await activeParams(db)).params });
  });
}
