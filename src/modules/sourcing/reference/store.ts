import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { notFound } from '../../../platform/http/errors.js';
import { DEFAULT_PARAMS, mergeParams, type ScoringParams } from '../scoring/params.js';
import type { FactorSet } from '../scoring/environmental.js';

/** The active scoring parameters: engine defaults overlaid with the stored overrides, and their version. */
export async function activeParams(db: DbOrTx, version?: number): Promise<{ params: ScoringParams; version: number }> {
  const { rows } = await sql<{ version: number; params: any }>`
    select version, params from sourcing.scoring_parameters where ${version === undefined ? sql`status = 'active'` : sql`version = ${version}`}`.execute(db);
  const row = rows[0] ?? { version: 1, params: {} };
  const params = mergeParams(DEFAULT_PARAMS, row.params);
  // Catalogue points are the source of truth for certification points (spec §5.3).
  const cat = await sql<{ code: string; pillar: string; points: string }>`select code, pillar, points from sourcing.certification_catalogue where active`.execute(db);
  const q = { ...params.quality.points };
  const env: Record<string, number> = {};
  for (const c of cat.rows) {
    if (c.pillar === 'environmental') env[c.code] = Number(c.points);
    else if (c.pillar === 'food_safety' || c.code === 'iso_9001') q[c.code] = Number(c.points);
  }
  return { params: { ...params, quality: { ...params.quality, points: q }, environmental: { ...params.environmental, certificationPoints: Object.keys(env).length ? env : params.environmental.certificationPoints } }, version: row.version };
}

export interface StoredFactorSet extends FactorSet { id: string; basis: string; status: string; verifiedAt: string | null }

export async function loadFactorSet(db: DbOrTx, id?: string): Promise<StoredFactorSet> {
  const { rows } = await sql<{ id: string; source: string; publication_year: number; version: string; basis: string; status: string; verified_at: Date | null }>`
    select id, source, publication_year, version, basis, status, verified_at from sourcing.emission_factor_sets
     where ${id ? sql`id = ${id}` : sql`status = 'active'`}`.execute(db);
  const s = rows[0];
  if (!s) throw notFound('factor_set_not_found', id ? 'No such emission factor set.' : 'No emission factor set is active.');
  const f = await sql<{ mode: string; kg_co2e_per_tkm: string }>`select mode, kg_co2e_per_tkm from sourcing.emission_factors where set_id = ${s.id}`.execute(db);
  return {
    id: s.id, source: s.source, year: s.publication_year, version: s.version, basis: s.basis, status: s.status,
    verifiedAt: s.verified_at ? new Date(s.verified_at).toISOString() : null,
    factors: Object.fromEntries(f.rows.map((r) => [r.mode, Number(r.kg_co2e_per_tkm)])),
  };
}
