import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp, type TestUser } from '../../../test/helpers/app.js';
import { createSourcingModule } from './index.js';
import { P, buildWorld } from './testing.js';

let t: TestApp;
let buyer: TestUser; let manager: TestUser; let admin: TestUser; let patient: TestUser;
let world: Awaited<ReturnType<typeof buildWorld>>;

before(async () => {
  t = await startTestApp({ modules: [createSourcingModule()] });
  [buyer, manager, admin, patient] = await Promise.all([t.createUser(['buyer']), t.createUser(['manager']), t.createUser(['admin']), t.createUser(['patient'])]);
  world = await buildWorld(t, buyer, admin);
});
after(() => t.close());

test('only buyer, manager and admin reach the module; admin reads but does not write suppliers; a buyer cannot archive', async () => {
  for (const path of ['/suppliers', '/materials', '/offers', '/assessments', '/emission-factor-sets']) {
    assert.equal((await t.api('GET', `${P}${path}`, { token: patient.token })).status, 403, path);
    assert.equal((await t.api('GET', `${P}${path}`)).status, 401, path);
  }
  assert.equal((await t.api('POST', `${P}/economic/calculate`, { token: patient.token, body: { annualQuantity: 1, offers: [{ id: 'x', price: 1, fxRateToBase: 1, leadTimeDays: 1 }] } })).status, 403);
  assert.equal((await t.api('GET', `${P}/suppliers`, { token: admin.token })).status, 200);
  assert.equal((await t.api('POST', `${P}/suppliers`, { token: admin.token, body: { name: 'X', country: 'FR' } })).status, 403);
  assert.equal((await t.api('DELETE', `${P}/suppliers/${world.a.id}`, { token: buyer.token })).status, 403);
  assert.equal((await t.api('POST', `${P}/fx-rates`, { token: buyer.token, body: { items: [{ currency: 'GBP', asOf: '2026-01-01', rateToBase: 1.1, source: 'x' }] } })).status, 403);
});

test('supplier list, detail with certificates and KPIs, cursor pagination', async () => {
  const list = await t.api('GET', `${P}/suppliers?limit=1`, { token: buyer.token });
  assert.equal(list.status, 200);
  assert.equal(list.body.items.length, 1);
  assert.ok(list.body.nextCursor);
  const next = await t.api('GET', `${P}/suppliers?limit=1&cursor=${list.body.nextCursor}`, { token: buyer.token });
  assert.equal(next.body.items.length, 1);
  assert.notEqual(next.body.items[0].id, list.body.items[0].id);
  assert.equal(next.body.nextCursor, null);
  const filtered = await t.api('GET', `${P}/suppliers?certification=brcgs_food`, { token: buyer.token });
  assert.deepEqual(filtered.body.items.map((s: any) => s.name), ['Prairie Export']);
  const d = await t.api('GET', `${P}/suppliers/${world.a.id}`, { token: buyer.token });
  assert.equal(d.status, 200);
  assert.equal(d.body.sites[0].isPrimary, true);
  assert.deepEqual(d.body.certifications.map((c: any) => c.code).sort(), ['fssc_22000', 'iso_14001', 'iso_9001']);
  assert.equal(d.body.offersCount, 1);
  const k = await t.api('GET', `${P}/suppliers/${world.a.id}/kpis?asOf=2026-06-01`, { token: buyer.token });
  assert.equal(k.body.deliveriesCount, 3);
  assert.equal(k.body.ppm, 2000);
  assert.equal(k.body.leadTime.meanDays, 14);
  assert.equal(k.body.leadTime.sdDays, 3);
});

test('validation: schema errors are 400, impossible values 422, duplicates 409, unknown codes and grades 422', async () => {
  const bad = await t.api('POST', `${P}/suppliers`, { token: buyer.token, body: { name: 'X', country: 'france' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'validation_failed');
  const lat = await t.api('POST', `${P}/suppliers/${world.a.id}/sites`, { token: buyer.token, body: { country: 'CA', latitude: 91, longitude: 0 } });
  assert.equal(lat.status, 422);
  assert.equal(lat.body.errors[0].path, 'body.latitude');
  assert.equal((await t.api('POST', `${P}/suppliers`, { token: buyer.token, body: { name: 'ferme laval', country: 'CA' } })).body.code, 'duplicate_supplier');
  const price = await t.api('POST', `${P}/offers`, { token: buyer.token, body: { ...offerBody(), price: -1 } });
  assert.equal(price.status, 422);
  const until = await t.api('POST', `${P}/suppliers/${world.a.id}/certifications`, { token: buyer.token, body: { code: 'haccp', validFrom: '2026-01-01', validUntil: '2025-01-01' } });
  assert.equal(until.status, 422);
  assert.equal((await t.api('POST', `${P}/suppliers/${world.a.id}/certifications`, { token: buyer.token, body: { code: 'nope', validFrom: '2026-01-01', validUntil: '2027-01-01' } })).body.code, 'unknown_certification');
  assert.equal((await t.api('POST', `${P}/suppliers/${world.a.id}/certifications`, { token: buyer.token, body: { code: 'iso_9001', grade: 'A', validFrom: '2026-01-01', validUntil: '2027-01-01' } })).body.code, 'grade_not_applicable');
  const defective = await t.api('POST', `${P}/suppliers/${world.a.id}/deliveries`, { token: buyer.token, body: { materialId: world.soy.id, poNumber: 'PO-X', orderedOn: '2026-01-01', promisedOn: '2026-01-05', quantityOrdered: 1, unitsInspected: 5, defectiveUnits: 6 } });
  assert.equal(defective.status, 422);
  assert.equal(defective.body.errors[0].path, 'body.defectiveUnits');
  assert.equal((await t.api('POST', `${P}/materials`, { token: buyer.token, body: { name: 'Oil', unit: 'l' } })).body.code, 'mass_required');
  assert.equal((await t.api('POST', `${P}/offers`, { token: buyer.token, body: { ...offerBody(), siteId: world.siteB } })).body.code, 'site_not_of_supplier');
  assert.equal((await t.api('POST', `${P}/offers`, { token: buyer.token, body: { ...offerBody(), legs: [{ mode: 'teleport', distanceKm: 1 }] } })).body.code, 'unknown_mode');
  assert.equal((await t.api('POST', `${P}/offers`, { token: buyer.token, body: { ...offerBody(), legs: [{ mode: 'road' }, { mode: 'rail', distanceKm: 5 }] } })).body.code, 'distance_required');
});

const offerBody = () => ({ supplierId: world.a.id, siteId: world.siteA, materialId: world.soy.id, destinationId: world.plant.id, currency: 'EUR', price: 0.5, leadTimeDays: 10, capacityPerYear: 1000, validFrom: '2026-01-01' });

test('an offer without legs gets one road leg with a haversine estimate, flagged', async () => {
  const res = await t.api('POST', `${P}/offers`, { token: buyer.token, body: { ...offerBody(), siteId: world.siteA } });
  assert.equal(res.status, 201);
  assert.equal(res.body.legs.length, 1);
  assert.equal(res.body.legs[0].mode, 'road');
  assert.equal(res.body.legs[0].distanceSource, 'estimated');
  assert.equal(res.body.estimated.distance, true);
  assert.equal(res.body.estimated.freight, true);
  // Laval → Montreal: about 15 km great circle × 1.2 detour.
  assert.ok(res.body.legs[0].distanceKm > 10 && res.body.legs[0].distanceKm < 30, String(res.body.legs[0].distanceKm));
});

test('creates replay with the same Idempotency-Key; PATCH needs the current version (409 version_conflict); every mutation is audited', async () => {
  const headers = { 'idempotency-key': 'mat-create-1' };
  const one = await t.api('POST', `${P}/materials`, { token: buyer.token, headers, body: { name: 'Rapeseed', unit: 't' } });
  const two = await t.api('POST', `${P}/materials`, { token: buyer.token, headers, body: { name: 'Rapeseed', unit: 't' } });
  assert.equal(one.status, 201);
  assert.equal(two.status, 201);
  assert.equal(one.body.id, two.body.id);
  assert.equal(one.body.massKgPerUnit, 1000);
  const ok = await t.api('PATCH', `${P}/materials/${one.body.id}`, { token: buyer.token, body: { category: 'oilseeds', version: 1 } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.version, 2);
  const stale = await t.api('PATCH', `${P}/materials/${one.body.id}`, { token: buyer.token, body: { category: 'x', version: 1 } });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.code, 'version_conflict');
  const audit = await t.db.db.selectFrom('platform.audit_events').select(['action', 'actor_id']).where('entity_id', '=', one.body.id).orderBy('id').execute();
  assert.deepEqual(audit.map((a) => a.action), ['sourcing.material.created', 'sourcing.material.updated']);
  assert.equal(audit[0]!.actor_id, buyer.id);
});

test('supplier status moves follow §3.3; archiving (manager) withdraws active offers and hides the supplier; restore brings it back', async () => {
  const s = (await t.api('POST', `${P}/suppliers`, { token: buyer.token, body: { name: 'Short Lived', country: 'FR', sites: [{ country: 'FR', latitude: 48.85, longitude: 2.35 }] } })).body;
  const jump = await t.api('PATCH', `${P}/suppliers/${s.id}`, { token: buyer.token, body: { status: 'blocked', statusReason: 'x', version: 1 } });
  assert.equal(jump.body.code, 'invalid_transition');
  const hold = await t.api('PATCH', `${P}/suppliers/${s.id}`, { token: buyer.token, body: { status: 'on_hold', version: 1 } });
  assert.equal(hold.status, 200);
  assert.equal((await t.api('PATCH', `${P}/suppliers/${s.id}`, { token: buyer.token, body: { status: 'blocked', version: 2 } })).body.code, 'reason_required');
  await t.api('PATCH', `${P}/suppliers/${s.id}`, { token: buyer.token, body: { status: 'active', version: 2 } });
  const offer = (await t.api('POST', `${P}/offers`, { token: buyer.token, body: { ...offerBody(), supplierId: s.id, siteId: s.sites[0].id, legs: [{ mode: 'road', distanceKm: 10 }] } })).body;
  assert.equal((await t.api('DELETE', `${P}/suppliers/${s.id}`, { token: manager.token })).status, 204);
  assert.equal((await t.api('GET', `${P}/offers/${offer.id}`, { token: buyer.token })).body.status, 'withdrawn');
  const listed = await t.api('GET', `${P}/suppliers?q=Short`, { token: buyer.token });
  assert.equal(listed.body.items.length, 0);
  assert.equal((await t.api('GET', `${P}/suppliers?q=Short&status=archived`, { token: buyer.token })).body.items.length, 1);
  assert.equal((await t.api('POST', `${P}/offers`, { token: buyer.token, body: { ...offerBody(), supplierId: s.id, siteId: s.sites[0].id } })).body.code, 'supplier_not_active');
  const restored = await t.api('POST', `${P}/suppliers/${s.id}/restore`, { token: manager.token });
  assert.equal(restored.body.status, 'active');
});

test('calculators reproduce the §4.7 exchanges: economic offer A and AHP 3-5-3', async () => {
  const eco = await t.api('POST', `${P}/economic/calculate`, { token: buyer.token, body: {
    baseCurrency: 'EUR', annualQuantity: 120000,
    offers: [{ id: 'A', price: 0.50, currency: 'EUR', fxRateToBase: 1, moq: 5000, leadTimeDays: 14, leadTimeSdDays: 3, freightCostPerUnit: 0.05, dutyRatePct: 0, otifPct: 95, ppm: 2000 }],
  } });
  assert.equal(eco.status, 200);
  assert.deepEqual(eco.body, {
    engineVersion: '1.0.0', parametersVersion: 1, minTcoPerUnit: 0.564694,
    results: [{ id: 'A', tcoPerUnit: 0.564694, annualTco: 67763.27, landedCostPerUnit: 0.55, orderQuantity: 10000, ordersPerYear: 12, safetyStock: 1627.397, averageInventory: 6627.397,
      breakdown: { price: 0.5, freight: 0.05, duty: 0, carrying: 0.007594, quality: 0.0011, expedite: 0.001, admin: 0.005, risk: 0, other: 0 }, score: 100, band: 'high', warnings: [] }],
  });
  const ahp = await t.api('POST', `${P}/weights/ahp`, { token: manager.token, body: {
    criteria: ['economic', 'quality', 'environmental'],
    comparisons: [{ a: 'economic', b: 'quality', value: 3 }, { a: 'economic', b: 'environmental', value: 5 }, { a: 'quality', b: 'environmental', value: 3 }],
  } });
  assert.deepEqual({ ...ahp.body, engineVersion: undefined, parametersVersion: undefined }, {
    engineVersion: undefined, parametersVersion: undefined,
    weights: { economic: 0.6370, quality: 0.2583, environmental: 0.1047 }, lambdaMax: 3.0385, ci: 0.0193, ri: 0.58, cr: 0.0332, consistent: true,
    mostInconsistentPair: { a: 'economic', b: 'quality', given: 3, implied: 2.47, suggested: 2 },
  });
  const bad = await t.api('POST', `${P}/weights/ahp`, { token: admin.token, body: { criteria: ['a', 'b', 'c'], matrix: [[1, 2, 4], [0.4, 1, 2], [0.25, 0.5, 1]] } });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.code, 'ahp_matrix_invalid');
  const zero = await t.api('POST', `${P}/weights/normalise`, { token: buyer.token, body: { weights: { a: 0, b: 0 } } });
  assert.equal(zero.body.code, 'weights_invalid');
});

test('environmental and transport calculators use the active DESNZ 2025 set and name it', async () => {
  const tr = await t.api('POST', `${P}/transport/emissions`, { token: buyer.token, body: { massTonnes: 20, legs: [{ mode: 'road', distanceKm: 1200 }] } });
  assert.equal(tr.status, 200);
  assert.equal(tr.body.tonneKm, 24000);
  assert.equal(tr.body.kgCo2e, 2439.12);
  assert.equal(tr.body.factorSet.year, 2025);
  const env = await t.api('POST', `${P}/environmental/calculate`, { token: buyer.token, body: { asOf: '2026-06-01', offers: [{
    id: 'A', massTonnesPerUnit: 0.001, legs: [{ mode: 'road', distanceKm: 1200 }], certifications: [{ code: 'iso_14001', validFrom: '2025-01-01', validUntil: '2027-12-31' }],
    packaging: { recyclablePct: 80 }, originRisk: 'low', renewableEnergyPct: 30 }] } });
  assert.equal(env.body.results[0].score, 72.24);
  const q = await t.api('POST', `${P}/quality/assess`, { token: buyer.token, body: { asOf: '2026-06-01', suppliers: [{
    id: 'B', certifications: [{ code: 'brcgs_food', grade: 'A', validFrom: '2025-06-01', validUntil: '2027-06-01' }], otifPct: 90, ppm: 500, leadTime: { meanDays: 35, sdDays: 10, n: 12 } }] } });
  assert.equal(q.body.results[0].score, 71.04);
  assert.deepEqual(q.body.results[0].missing, ['audit']);
  const rank = await t.api('POST', `${P}/rank`, { token: buyer.token, body: { method: 'topsis',
    criteria: [{ key: 'c1', weight: 0.40, direction: 'cost' }, { key: 'c2', weight: 0.35, direction: 'benefit' }, { key: 'c3', weight: 0.25, direction: 'benefit' }],
    alternatives: [{ id: 'O1', values: { c1: 250, c2: 16, c3: 12 } }, { id: 'O2', values: { c1: 200, c2: 20, c3: 8 } }, { id: 'O3', values: { c1: 300, c2: 11, c3: 20 } }] } });
  assert.deepEqual(rank.body.results.map((r: any) => r.rank), [3, 1, 2]);
});
