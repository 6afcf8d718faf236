import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../../test/helpers/app.js';
import { requireAuth, requireRelation, requireRole } from '../../../platform/auth/guards.js';
import { createSourcingModule } from '../index.js';
import { P } from '../testing.js';
import { SOURCING_DEMO_ACCOUNTS, seedSourcing } from './demo.js';

let t: TestApp;
before(async () => { t = await startTestApp({ modules: [createSourcingModule()] }); });
after(() => t.close());

test('the demo seed gives suppliers, an approved soybean assessment with ranked items and a scored draft; a second run does nothing', async () => {
  const ctx = { ...t.app.platform, log: t.app.log, requireAuth, requireRole, requireRelation };
  await seedSourcing(ctx);
  await seedSourcing(ctx);
  const login = await t.api('POST', '/api/v1/auth/login', { body: { email: SOURCING_DEMO_ACCOUNTS.buyer.email, password: SOURCING_DEMO_ACCOUNTS.buyer.password } });
  const token = login.body.accessToken;
  const suppliers = await t.api('GET', `${P}/suppliers?limit=50`, { token });
  assert.equal(suppliers.body.items.length, 7);
  const list = await t.api('GET', `${P}/assessments`, { token });
  assert.deepEqual(list.body.items.map((a: any) => a.status).sort(), ['approved', 'scored']);
  const approved = list.body.items.find((a: any) => a.status === 'approved');
  const results = await t.api('GET', `${P}/assessments/${approved.id}/results?include=excluded`, { token });
  assert.equal(results.body.items.length, 4);
  assert.deepEqual(results.body.items.filter((i: any) => i.included).map((i: any) => i.rank).sort(), [1, 2, 3, 4]);
  const withScores = suppliers.body.items.filter((s: any) => s.latestScores);
  assert.equal(withScores.length, 4);
});

test('map GeoJSON honours bbox; score history lists approved items; dashboard is computed from the seeded data', async () => {
  const login = await t.api('POST', '/api/v1/auth/login', { body: { email: SOURCING_DEMO_ACCOUNTS.manager.email, password: SOURCING_DEMO_ACCOUNTS.manager.password } });
  const token = login.body.accessToken;
  const map = await t.api('GET', `${P}/suppliers/map?routes=true`, { token });
  assert.equal(map.status, 200);
  assert.equal(map.body.type, 'FeatureCollection');
  const kinds = map.body.features.map((f: any) => f.properties.kind);
  assert.equal(kinds.filter((k: string) => k === 'site').length, 7);
  assert.equal(kinds.filter((k: string) => k === 'destination').length, 2);
  assert.ok(kinds.includes('route'));
  const quebec = await t.api('GET', `${P}/suppliers/map?bbox=-80,44,-70,50`, { token });
  const names = quebec.body.features.filter((f: any) => f.properties.kind === 'site').map((f: any) => f.properties.name).sort();
  assert.deepEqual(names, ['Bleuets du Lac — Dolbeau-Mistassini', 'Ferme Laval Grains — Laval']);
  assert.ok(quebec.body.features.every((f: any) => f.geometry.coordinates[0] >= -80 && f.geometry.coordinates[0] <= -70));
  const laval = (await t.api('GET', `${P}/suppliers?q=Laval`, { token })).body.items[0];
  const hist = await t.api('GET', `${P}/suppliers/${laval.id}/score-history`, { token });
  assert.equal(hist.body.items.length, 1);
  assert.equal(hist.body.items[0].factorSet.year, 2025);
  assert.equal(hist.body.items[0].offersCompared, 4);
  const dash = await t.api('GET', `${P}/dashboard`, { token });
  assert.equal(dash.body.suppliersByStatus.active, 7);
  assert.equal(dash.body.activeOffers, 9);
  assert.equal(dash.body.certificatesExpiring60d, 3, 'the three ISO 9001 certificates expire in 45 days');
  assert.ok(dash.body.deliveries12m.count > 0);
  assert.equal(dash.body.latestApprovedByMaterial[0].top3.length, 3);
});

test('suppliers compare from their latest approved results; a supplier without one is listed apart', async () => {
  const login = await t.api('POST', '/api/v1/auth/login', { body: { email: SOURCING_DEMO_ACCOUNTS.buyer.email, password: SOURCING_DEMO_ACCOUNTS.buyer.password } });
  const token = login.body.accessToken;
  const all = (await t.api('GET', `${P}/suppliers?limit=50`, { token })).body.items;
  const soy = (await t.api('GET', `${P}/materials?q=Soybean`, { token })).body.items[0];
  const laval = all.find((s: any) => s.name === 'Ferme Laval Grains');
  const berry = all.find((s: any) => s.name === 'Bleuets du Lac');
  const cerrado = all.find((s: any) => s.name === 'Cerrado Soja Ltda');
  const res = await t.api('GET', `${P}/suppliers/compare?supplierIds=${laval.id},${cerrado.id},${berry.id}&materialId=${soy.id}`, { token });
  assert.equal(res.status, 200);
  assert.equal(res.body.axes.length, 12);
  assert.equal(res.body.offers.length, 2);
  assert.deepEqual(res.body.withoutResult, [berry.id]);
});
