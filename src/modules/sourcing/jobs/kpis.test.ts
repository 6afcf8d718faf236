import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { createSourcingModule } from '../index.js';
import { P, buildWorld } from '../testing.js';
import { recomputeAllKpis, recomputeSupplierKpis } from './kpis.js';

let t: TestApp;
let buyer: TestUser; let admin: TestUser;
let world: Awaited<ReturnType<typeof buildWorld>>;

before(async () => {
  t = await startTestApp({ modules: [createSourcingModule()] });
  [buyer, admin] = await Promise.all([t.createUser(['buyer']), t.createUser(['admin'])]);
  world = await buildWorld(t, buyer, admin);
});
after(() => t.close());

const stored = async (supplierId: string) => (await sql<any>`select material_id, deliveries_count, otd_pct::float8 as otd, otif_pct::float8 as otif, ppm::float8 as ppm,
  lead_time_cv::float8 as cv, window_from::text as "from", window_to::text as "to" from sourcing.supplier_kpis where supplier_id = ${supplierId} order by material_id nulls first`.execute(t.db.db)).rows;

test('recompute-kpis stores the §5.1 KPIs per supplier, for all materials and per material, and equals the live computation; a rerun upserts', async () => {
  const asOf = '2026-06-30';
  assert.equal(await recomputeSupplierKpis(t.db.db, world.a.id, asOf), 2);
  const rows = await stored(world.a.id);
  assert.equal(rows.length, 2);
  assert.equal(rows[0].material_id, null);
  assert.equal(rows[1].material_id, world.soy.id);
  assert.deepEqual([rows[0].from, rows[0].to], ['2025-06-30', '2026-06-30']);
  const live = (await t.api('GET', `${P}/suppliers/${world.a.id}/kpis?asOf=${asOf}`, { token: buyer.token })).body;
  assert.equal(rows[0].deliveries_count, live.deliveriesCount);
  assert.equal(rows[0].deliveries_count, 3);
  // Deliveries on 12, 15 and 18 March against a promise of 18 March: only the last is inside the 2-day early tolerance.
  assert.ok(Math.abs(rows[0].otif - live.otifPct) < 1e-4, `${rows[0].otif} vs ${live.otifPct}`);
  assert.ok(Math.abs(rows[0].otd - 100 / 3) < 1e-4);
  assert.equal(rows[0].ppm, 2000);
  assert.ok(Math.abs(rows[0].cv - live.leadTime.cv) < 1e-6);

  await recomputeSupplierKpis(t.db.db, world.a.id, asOf);
  assert.equal((await stored(world.a.id)).length, 2);
  // B has no deliveries: one row for all materials, with nothing measured.
  const all = await recomputeAllKpis(t.db.db, asOf);
  assert.equal(all.suppliers, 2);
  const b = await stored(world.b.id);
  assert.equal(b.length, 1);
  assert.equal(b[0].deliveries_count, 0);
  assert.equal(b[0].otif, null);
});

test('the supplier list reads the stored OTIF; a delivery write queues a recomputation for that supplier', async () => {
  await sql`update sourcing.supplier_kpis set otif_pct = 42.5 where supplier_id = ${world.a.id} and material_id is null`.execute(t.db.db);
  const list = await t.api('GET', `${P}/suppliers`, { token: buyer.token });
  assert.equal(list.body.items.find((s: any) => s.id === world.a.id).otifPct, 42.5);
  const res = await t.api('POST', `${P}/suppliers/${world.b.id}/deliveries`, { token: buyer.token, body: { materialId: world.soy.id, poNumber: 'PO-B-1', orderedOn: '2026-05-01', promisedOn: '2026-05-20', quantityOrdered: 1000 } });
  assert.equal(res.status, 201);
  const queued = await sql<{ n: string }>`select count(*) as n from pgboss.job where name = 'sourcing.recompute-kpis' and singleton_key = ${world.b.id}`.execute(t.db.db);
  assert.equal(Number(queued.rows[0]!.n), 1);
});
