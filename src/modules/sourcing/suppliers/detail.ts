import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { columns, mustFind, toApi } from '../http/resource.js';
import { sites, suppliers } from './model.js';
import { certifications } from '../quality/model.js';
import { supplierKpis } from '../quality/kpis.js';

const today = () => new Date().toISOString().slice(0, 10);

export async function supplierDetail(db: DbOrTx, id: string) {
  const supplier = await mustFind(db, suppliers, id);
  const siteRows = await sql<Record<string, unknown>>`select ${columns(sites)} from sourcing.supplier_sites t where t.supplier_id = ${id} order by t.is_primary desc, t.id`.execute(db);
  const certRows = await sql<Record<string, unknown>>`select ${columns(certifications)} from sourcing.supplier_certifications t where t.supplier_id = ${id} order by t.valid_until desc`.execute(db);
  const counts = await sql<{ offers: number; active: number }>`
    select count(*)::int as offers, count(*) filter (where status = 'active')::int as active from sourcing.offers where supplier_id = ${id}`.execute(db);
  const latest = await sql<Record<string, unknown>>`
    select i.economic_score, i.quality_score, i.environmental_score, i.weighted_score, a.id as assessment_id, a.approved_at
      from sourcing.assessment_items i join sourcing.assessments a on a.id = i.assessment_id
     where i.supplier_id = ${id} and a.status = 'approved' and i.included order by a.approved_at desc limit 1`.execute(db);
  const now = today();
  const l = latest.rows[0];
  return {
    ...supplier,
    sites: siteRows.rows.map((r) => toApi(sites, r)),
    certifications: certRows.rows.map((r) => {
      const c = toApi(certifications, r);
      const validOn = (c.validFrom as string) <= now && now <= (c.validUntil as string);
      return { ...c, validOnToday: validOn, expiresInDays: Math.round((Date.parse(c.validUntil as string) - Date.parse(now)) / 86_400_000) };
    }),
    kpis: await supplierKpis(db, id, null, now),
    offersCount: counts.rows[0]!.offers,
    activeOffersCount: counts.rows[0]!.active,
    latestScores: l ? {
      economic: Number(l.economic_score), quality: Number(l.quality_score), environmental: Number(l.environmental_score),
      weighted: Number(l.weighted_score), assessmentId: l.assessment_id, approvedAt: new Date(l.approved_at as string).toISOString(),
    } : null,
  };
}
