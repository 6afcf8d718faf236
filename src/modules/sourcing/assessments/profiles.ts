import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App, ModuleContext } from '../../../platform/types.js';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { conflict, forbidden, notFound } from '../../../platform/http/errors.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { IdParams, Version } from '../http/schemas.js';
import { READ, WRITE } from '../http/roles.js';
import { WeightsInput, resolveWeights, type WeightSnapshot } from './weights.js';

const tags = ['sourcing weights'];
const Any = Type.Object({ id: Type.String() }, { additionalProperties: true });
const Body = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 120 }), shared: Type.Optional(Type.Boolean()), isDefault: Type.Optional(Type.Boolean()), weights: WeightsInput,
}, { additionalProperties: false });

interface Row { id: string; name: string; owner_id: string; shared: boolean; is_default: boolean; method: string; pillar_weights: any; sub_weights: any; ahp_matrices: any; consistency: any; created_at: Date; updated_at: Date; version: number }
const view = (r: Row) => ({
  id: r.id, name: r.name, ownerId: r.owner_id, shared: r.shared, isDefault: r.is_default, method: r.method, pillarWeights: r.pillar_weights, subWeights: r.sub_weights,
  ahpMatrices: r.ahp_matrices, consistency: r.consistency, createdAt: new Date(r.created_at).toISOString(), updatedAt: new Date(r.updated_at).toISOString(), version: r.version,
});
const snapshotOf = (r: Row): WeightSnapshot => resolveWeights(r.method === 'ahp' && r.ahp_matrices
  ? { method: 'ahp', matrices: r.ahp_matrices }
  : { method: 'direct', pillars: r.pillar_weights, sub: r.sub_weights });

/** The weights an assessment starts from (spec §4.8): the profile given, else the shared default profile, else the engine defaults. */
export async function profileWeights(db: DbOrTx, userId: string, profileId?: string): Promise<WeightSnapshot> {
  const { rows } = await sql<Row>`select * from sourcing.weight_profiles where ${profileId ? sql`id = ${profileId} and (shared or owner_id = ${userId})` : sql`shared and is_default`}`.execute(db);
  if (profileId && !rows[0]) throw notFound('weight_profile_not_found', 'No such weight profile.');
  return rows[0] ? snapshotOf(rows[0]) : resolveWeights(undefined);
}

export default async function profileRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;
  const load = async (id: string, userId: string) => {
    const r = (await sql<Row>`select * from sourcing.weight_profiles where id = ${id} and (shared or owner_id = ${userId})`.execute(db)).rows[0];
    if (!r) throw notFound('weight_profile_not_found', 'No such weight profile.');
    return r;
  };
  const mayWrite = (r: Row | null, roles: string[], userId: string, b: { shared?: boolean; isDefault?: boolean }) => {
    const manager = roles.includes('manager');
    if ((b.shared || b.isDefault || r?.shared) && !manager) throw forbidden('role_required', 'Shared and default profiles are kept by managers.');
    if (r && !r.shared && r.owner_id !== userId) throw notFound('weight_profile_not_found', 'No such weight profile.');
  };
  const save = async (tx: DbOrTx, id: string | null, userId: string, b: { name: string; shared?: boolean; isDefault?: boolean; weights: any }) => {
    const w = resolveWeights(b.weights);
    const shared = b.shared ?? b.isDefault ?? false;
    if (b.isDefault) await sql`update sourcing.weight_profiles set is_default = false where is_default and shared`.execute(tx);
    const values = [b.name, shared, b.isDefault ?? false, w.method, JSON.stringify(w.pillars), JSON.stringify({ quality: w.quality, environmental: w.environmental }),
      w.matrices && JSON.stringify(w.matrices), w.consistency && JSON.stringify(w.consistency)];
    const [name, sh, def, method, pillars, sub, matrices, consistency] = values;
    return (id
      ? await sql<Row>`update sourcing.weight_profiles set name = ${name}, shared = ${sh}, is_default = ${def}, method = ${method}, pillar_weights = ${pillars}, sub_weights = ${sub},
          ahp_matrices = ${matrices}, consistency = ${consistency}, version = version + 1, updated_at = now() where id = ${id} returning *`.execute(tx)
      : await sql<Row>`insert into sourcing.weight_profiles (name, owner_id, shared, is_default, method, pillar_weights, sub_weights, ahp_matrices, consistency)
          values (${name}, ${userId}, ${sh}, ${def}, ${method}, ${pillars}, ${sub}, ${matrices}, ${consistency}) returning *`.execute(tx)).rows[0]!;
  };

  app.get('/weight-profiles', {
    schema: { tags, summary: 'My weight profiles and the shared ones', response: { 200: Type.Object({ items: Type.Array(Any) }), ...problemResponses(401, 403) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => {
    const me = authenticatedUser(req);
    return { items: (await sql<Row>`select * from sourcing.weight_profiles where shared or owner_id = ${me.id} order by is_default desc, shared desc, name limit 200`.execute(db)).rows.map(view) };
  });

  app.post('/weight-profiles', {
    schema: { tags, summary: 'Save a weight profile (direct or AHP; CR > 0.10 refused); shared or default needs a manager', body: Body, response: { 201: Any, ...problemResponses(400, 401, 403, 422) } },
    preHandler: app.requireRole(...WRITE),
    config: { idempotent: true },
  }, async (req, reply) => {
    const me = authenticatedUser(req);
    mayWrite(null, me.roles, me.id, req.body);
    const r = await db.transaction().execute(async (tx) => {
      const row = await save(tx, null, me.id, req.body);
      await recordAudit(tx, actorOf(req), { action: 'sourcing.weight_profile.created', entity: 'sourcing.weight_profile', entityId: row.id, diff: req.body });
      return row;
    });
    return reply.code(201).send(view(r));
  });

  app.get('/weight-profiles/:id', {
    schema: { tags, summary: 'A weight profile', params: IdParams, response: { 200: Any, ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...READ),
  }, async (req) => view(await load(req.params.id, authenticatedUser(req).id)));

  app.put('/weight-profiles/:id', {
    schema: { tags, summary: 'Replace a weight profile (owner, or a manager for shared ones)', params: IdParams, body: Type.Object({ ...Body.properties, version: Version }, { additionalProperties: false }), response: { 200: Any, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req) => {
    const me = authenticatedUser(req);
    return view(await db.transaction().execute(async (tx) => {
      const r = await load(req.params.id, me.id);
      mayWrite(r, me.roles, me.id, req.body);
      if (r.version !== req.body.version) throw conflict('version_conflict', `The profile changed since you read it (version ${r.version}).`);
      const row = await save(tx, r.id, me.id, req.body);
      await recordAudit(tx, actorOf(req), { action: 'sourcing.weight_profile.updated', entity: 'sourcing.weight_profile', entityId: r.id, diff: req.body });
      return row;
    }));
  });

  app.delete('/weight-profiles/:id', {
    schema: { tags, summary: 'Delete a weight profile (owner, or a manager for shared ones)', params: IdParams, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req, reply) => {
    const me = authenticatedUser(req);
    await db.transaction().execute(async (tx) => {
      const r = await load(req.params.id, me.id);
      mayWrite(r, me.roles, me.id, {});
      await sql`update sourcing.assessments set weight_profile_id = null where weight_profile_id = ${r.id}`.execute(tx);
      await sql`delete from sourcing.weight_profiles where id = ${r.id}`.execute(tx);
      await recordAudit(tx, actorOf(req), { action: 'sourcing.weight_profile.deleted', entity: 'sourcing.weight_profile', entityId: r.id, diff: view(r) });
    });
    return reply.code(204).send(null);
  });
}
