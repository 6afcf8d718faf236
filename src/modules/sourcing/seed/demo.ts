import { sql } from 'kysely';
import type { ModuleContext } from '../../../platform/types.js';
import type { Tx } from '../../../platform/db/transaction.js';
import { hashPassword } from '../../../platform/auth/passwords.js';
import { recordAudit } from '../../../platform/audit/writer.js';
import { ScoringEngine } from '../engine/engine.js';
import { resolveWeights } from '../assessments/weights.js';
import { scoreAssessment, type AssessmentRow } from '../assessments/pipeline.js';
import { writeItems } from '../assessments/routes.js';
import { ENGINE_VERSION } from '../scoring/params.js';
import { recomputeAllKpis } from '../jobs/kpis.js';

/** Demo accounts, printed in docs/sourcing.md. */
export const SOURCING_DEMO_ACCOUNTS = {
  buyer: { email: 'camille.roy@demo.atrium.local', password: 'demo-buyer-2025', displayName: 'Camille Roy', role: 'buyer' },
  manager: { email: 'julien.tremblay@demo.atrium.local', password: 'demo-manager-2025', displayName: 'Julien Tremblay', role: 'manager' },
  approver: { email: 'sophie.gagnon@demo.atrium.local', password: 'demo-approver-2025', displayName: 'Sophie Gagnon', role: 'manager' },
} as const;

interface DemoSupplier {
  name: string; country: string; site: [string, number, number]; originRisk?: 'low' | 'medium' | 'high'; renewable?: number;
  certs: [string, string?][]; audit?: [number, number]; otif: number; ppm: number; leadTime: [number, number];
  offers: { material: string; currency: string; price: number; moq: number; leadTime: number; capacity: number; freight?: number; duty?: number; legs?: [string, number][]; recyclable?: number }[];
}

const SUPPLIERS: DemoSupplier[] = [
  { name: 'Ferme Laval Grains', country: 'CA', site: ['Laval', 45.6066, -73.7124], originRisk: 'low', renewable: 30, certs: [['fssc_22000'], ['iso_9001'], ['iso_14001']], audit: [88, 0], otif: 0.95, ppm: 2000, leadTime: [14, 3],
    offers: [{ material: 'Soybean', currency: 'CAD', price: 0.74, moq: 5000, leadTime: 14, capacity: 200_000, freight: 0.02, legs: [['road', 25]], recyclable: 80 }, { material: 'Oat flour', currency: 'CAD', price: 1.05, moq: 2000, leadTime: 10, capacity: 80_000, legs: [['road', 25]], recyclable: 60 }] },
  { name: 'Prairie Export Co', country: 'US', site: ['Chicago', 41.8781, -87.6298], originRisk: 'low', renewable: 10, certs: [['brcgs_food', 'A'], ['iso_14001'], ['iso_50001']], otif: 0.9, ppm: 500, leadTime: [35, 10],
    offers: [{ material: 'Soybean', currency: 'USD', price: 0.52, moq: 20_000, leadTime: 35, capacity: 100_000, freight: 0.03, duty: 2, legs: [['road', 300], ['rail', 1100]], recyclable: 50 }] },
  { name: 'Ontario Oilseeds', country: 'CA', site: ['Guelph', 43.5448, -80.2482], originRisk: 'low', renewable: 55, certs: [['sqf'], ['iso_14001']], audit: [92, 0], otif: 0.97, ppm: 800, leadTime: [8, 1.5],
    offers: [{ material: 'Soybean', currency: 'CAD', price: 0.79, moq: 10_000, leadTime: 8, capacity: 150_000, legs: [['road', 560]], recyclable: 90 }, { material: 'Canola oil', currency: 'CAD', price: 2.1, moq: 1000, leadTime: 12, capacity: 50_000, legs: [['road', 560]], recyclable: 40 }] },
  { name: 'Cerrado Soja Ltda', country: 'BR', site: ['Rondonópolis', -16.4673, -54.6372], renewable: 20, certs: [['haccp'], ['iso_9001']], audit: [71, 1], otif: 0.82, ppm: 6500, leadTime: [48, 14],
    offers: [{ material: 'Soybean', currency: 'USD', price: 0.41, moq: 50_000, leadTime: 50, capacity: 1_000_000, freight: 0.06, duty: 0, legs: [['road', 1400], ['sea_bulk', 9800], ['rail', 800]], recyclable: 30 }] },
  { name: 'Bleuets du Lac', country: 'CA', site: ['Dolbeau-Mistassini', 48.8786, -72.2315], originRisk: 'low', renewable: 95, certs: [['ifs_food', 'higher'], ['iso_14001']], audit: [90, 0], otif: 0.93, ppm: 1500, leadTime: [6, 1],
    offers: [{ material: 'Frozen blueberries', currency: 'CAD', price: 4.2, moq: 1000, leadTime: 6, capacity: 40_000, legs: [['road', 330]], recyclable: 70 }] },
  { name: 'Pacific Berry Farms', country: 'US', site: ['Salem', 44.9429, -123.0351], originRisk: 'low', renewable: 40, certs: [['sqf'], ['iso_9001']], otif: 0.91, ppm: 2500, leadTime: [12, 3],
    offers: [{ material: 'Frozen blueberries', currency: 'USD', price: 2.6, moq: 5000, leadTime: 12, capacity: 60_000, duty: 0, legs: [['road', 4600]], recyclable: 50 }] },
  { name: 'Moulins de Beauce', country: 'FR', site: ['Chartres', 48.4439, 1.489], originRisk: 'low', renewable: 60, certs: [['ifs_food', 'foundation'], ['iso_50001']], audit: [84, 0], otif: 0.96, ppm: 900, leadTime: [30, 5],
    offers: [{ material: 'Oat flour', currency: 'EUR', price: 0.68, moq: 10_000, leadTime: 30, capacity: 120_000, freight: 0.09, duty: 0, legs: [['road', 200], ['sea_container', 5500], ['road', 10]], recyclable: 85 }] },
];

/** A small deterministic generator, so the demo is the same on every machine. */
function rng(seed: number) {
  let s = seed;
  return () => { s = (s * 1103515245 + 12345) % 2 ** 31; return s / 2 ** 31; };
}
const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * 86_400_000);

/**
 * Seven suppliers of soybean, oat flour, canola oil and frozen blueberries for a Montreal plant, a year of deliveries,
 * certificates, audits, FX rates and origin risk; one approved soybean assessment and one scored blueberry draft.
 * Does nothing when the demo buyer exists.
 */
export async function seedSourcing(ctx: ModuleContext): Promise<void> {
  const exists = await ctx.db.selectFrom('platform.users').select('id').where('email', '=', SOURCING_DEMO_ACCOUNTS.buyer.email).executeTakeFirst();
  if (exists) return;
  const today = new Date(`${isoDay(new Date())}T00:00:00Z`);
  const users: Record<string, string> = {};
  const asmtIds: string[] = [];
  await ctx.db.transaction().execute(async (tx) => {
    for (const [key, a] of Object.entries(SOURCING_DEMO_ACCOUNTS)) {
      const existing = await tx.selectFrom('platform.users').select('id').where('email', '=', a.email).executeTakeFirst();
      users[key] = existing?.id ?? (await tx.insertInto('platform.users').values({ email: a.email, password_hash: await hashPassword(a.password), display_name: a.displayName, time_zone: 'America/Toronto' }).returning('id').executeTakeFirstOrThrow()).id;
      await tx.insertInto('platform.user_roles').values({ user_id: users[key]!, role: a.role, granted_by: null }).onConflict((oc) => oc.doNothing()).execute();
    }
    const by = users.buyer!;
    const asOf = isoDay(addDays(today, -30));
    for (const [c, r] of [['USD', 0.92], ['CAD', 0.68], ['BRL', 0.17]] as const) {
      await sql`insert into sourcing.fx_rates (currency, as_of, rate_to_base, source) values (${c}, ${asOf}, ${r}, 'Demo rate (illustrative)') on conflict do nothing`.execute(tx);
    }
    for (const [c, l] of [['CA', 'low'], ['US', 'low'], ['FR', 'low'], ['BR', 'high']] as const) {
      await sql`insert into sourcing.origin_risk_by_country (country, level, source) values (${c}, ${l}, 'Demo classification (illustrative)') on conflict do nothing`.execute(tx);
    }
    const one = async (q: ReturnType<typeof sql<{ id: string }>>) => (await q.execute(tx)).rows[0]!.id;
    const plant = await one(sql<{ id: string }>`insert into sourcing.destinations (name, country, latitude, longitude, cold_storage, created_by) values ('Montréal plant', 'CA', 45.5017, -73.5673, true, ${by}) returning id`);
    await one(sql<{ id: string }>`insert into sourcing.destinations (name, country, latitude, longitude, created_by) values ('Toronto warehouse', 'CA', 43.6532, -79.3832, ${by}) returning id`);
    const materials: Record<string, string> = {};
    for (const [name, cat, unit, mass, cold] of [['Soybean', 'oilseeds', 'kg', 1, false], ['Oat flour', 'cereals', 'kg', 1, false], ['Canola oil', 'oils', 'l', 0.92, false], ['Frozen blueberries', 'fruit', 'kg', 1, true]] as const) {
      materials[name] = await one(sql<{ id: string }>`insert into sourcing.materials (name, category, unit, mass_kg_per_unit, requires_cold_chain, created_by) values (${name}, ${cat}, ${unit}, ${mass}, ${cold}, ${by}) returning id`);
    }
    const offersByMaterial: Record<string, string[]> = {};
    const random = rng(7);
    for (const s of SUPPLIERS) {
      const sid = await one(sql<{ id: string }>`insert into sourcing.suppliers (name, country, status, next_review_on, created_by, contact)
        values (${s.name}, ${s.country}, 'active', ${isoDay(addDays(today, 20 + Math.floor(random() * 200)))}, ${by}, ${JSON.stringify({ name: 'Sales desk', email: `sales@${s.name.toLowerCase().replace(/[^a-z]+/g, '')}.example` })}) returning id`);
      const site = await one(sql<{ id: string }>`insert into sourcing.supplier_sites (supplier_id, name, country, latitude, longitude, origin_risk, renewable_energy_pct, is_primary, created_by)
        values (${sid}, ${s.site[0]}, ${s.country}, ${s.site[1]}, ${s.site[2]}, ${s.originRisk ?? null}, ${s.renewable ?? null}, true, ${by}) returning id`);
      for (const [code, grade] of s.certs) {
        const until = code === 'iso_9001' ? addDays(today, 45) : addDays(today, 400);
        await sql`insert into sourcing.supplier_certifications (supplier_id, code, grade, valid_from, valid_until, issuer, created_by)
          values (${sid}, ${code}, ${grade ?? null}, ${isoDay(addDays(today, -300))}, ${isoDay(until)}, 'Demo certification body', ${by})`.execute(tx);
      }
      if (s.audit) {
        await sql`insert into sourcing.audits (supplier_id, site_id, audited_on, kind, score_pct, major_findings, open_major_findings, auditor, created_by)
          values (${sid}, ${site}, ${isoDay(addDays(today, -120))}, 'second_party', ${s.audit[0]}, ${s.audit[1]}, ${s.audit[1]}, 'Quality team', ${by})`.execute(tx);
      }
      for (const o of s.offers) {
        const oid = await one(sql<{ id: string }>`insert into sourcing.offers (supplier_id, site_id, material_id, destination_id, currency, price, moq, lead_time_days, capacity_per_year,
            freight_cost_per_unit, duty_rate_pct, packaging, valid_from, valid_until, incoterm, payment_terms, created_by)
          values (${sid}, ${site}, ${materials[o.material]!}, ${plant}, ${o.currency}, ${o.price}, ${o.moq}, ${o.leadTime}, ${o.capacity}, ${o.freight ?? null}, ${o.duty ?? 0},
            ${JSON.stringify({ type: 'bulk bag', recyclablePct: o.recyclable ?? null })}, ${isoDay(addDays(today, -60))}, ${isoDay(addDays(today, 300))}, 'DAP', 'net_60', ${by}) returning id`);
        for (const [i, [mode, km]] of (o.legs ?? []).entries()) {
          await sql`insert into sourcing.offer_legs (offer_id, seq, mode, distance_km, distance_source) values (${oid}, ${i + 1}, ${mode}, ${km}, 'entered')`.execute(tx);
        }
        (offersByMaterial[o.material] ??= []).push(oid);
        // Twenty-four purchase-order lines over the last year, late and short at the supplier's rates.
        for (let k = 0; k < 24; k++) {
          const ordered = addDays(today, -360 + k * 15);
          const promised = addDays(ordered, s.leadTime[0]);
          const lt = Math.max(1, Math.round(s.leadTime[0] + (random() * 2 - 1) * s.leadTime[1] * 1.7));
          const delivered = addDays(ordered, random() < s.otif ? Math.min(lt, s.leadTime[0]) : s.leadTime[0] + 3);
          if (delivered > today) continue;
          const qty = o.moq * 2;
          const inspected = 5000;
          await sql`insert into sourcing.deliveries (supplier_id, material_id, offer_id, po_number, ordered_on, promised_on, delivered_on, quantity_ordered, quantity_delivered, quantity_accepted, units_inspected, defective_units, created_by)
            values (${sid}, ${materials[o.material]!}, ${oid}, ${`PO-${s.country}-${k + 1}-${o.material.slice(0, 3).toUpperCase()}`}, ${isoDay(ordered)}, ${isoDay(promised)}, ${isoDay(delivered)},
              ${qty}, ${qty}, ${qty}, ${inspected}, ${Math.round((inspected * s.ppm * (0.5 + random())) / 1e6)}, ${by})`.execute(tx);
        }
      }
    }
    const set = (await sql<{ id: string }>`select id from sourcing.emission_factor_sets where status = 'active'`.execute(tx)).rows[0]!.id;
    const weights = resolveWeights(undefined);
    for (const [title, material, qty, creator] of [['Soybean for Montréal 2026', 'Soybean', 120_000, by], ['Frozen blueberries, summer line', 'Frozen blueberries', 50_000, by]] as const) {
      const aid = await one(sql<{ id: string }>`insert into sourcing.assessments (title, material_id, destination_id, annual_quantity, assessment_date, weights, factor_set_id, parameters_version, fx_as_of, created_by)
        values (${title}, ${materials[material]!}, ${plant}, ${qty}, ${isoDay(today)}, ${JSON.stringify(weights)}, ${set}, 1, ${isoDay(today)}, ${creator}) returning id`);
      for (const oid of offersByMaterial[material]!) await sql`insert into sourcing.assessment_offers (assessment_id, offer_id) values (${aid}, ${oid})`.execute(tx);
      asmtIds.push(aid);
    }
    await recordAudit(tx, { actorId: null, ip: null, requestId: null }, { action: 'sourcing.demo.seeded', entity: 'sourcing', diff: { suppliers: SUPPLIERS.length } });
  });

  const engine = new ScoringEngine({ secret: 'in-process' }, ctx.clients);
  for (const [k, aid] of asmtIds.entries()) {
    const { rows } = await sql<AssessmentRow>`select id, material_id, annual_quantity, assessment_date::text as assessment_date, fx_as_of::text as fx_as_of, factor_set_id,
      parameters_version, ranking_method, weights from sourcing.assessments where id = ${aid}`.execute(ctx.db);
    const { items } = await scoreAssessment(ctx.db, engine, rows[0]!);
    await ctx.db.transaction().execute(async (tx: Tx) => {
      await writeItems(tx, aid, items);
      const approved = k === 0;
      await sql`update sourcing.assessments set status = ${approved ? 'approved' : 'scored'}, scored_at = now(), engine_version = ${ENGINE_VERSION},
        submitted_at = ${approved ? new Date() : null}, approved_at = ${approved ? new Date() : null}, approved_by = ${approved ? users.approver! : null},
        next_review_on = ${approved ? isoDay(addDays(today, 365)) : null} where id = ${aid}`.execute(tx);
    });
  }
  // The stored KPIs the supplier list reads (the nightly job keeps them current).
  await recomputeAllKpis(ctx.db);
  ctx.log.info({ suppliers: SUPPLIERS.length, assessments: asmtIds.length }, 'sourcing demo data seeded');
}
