import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { createSourcingModule } from '../index.js';
import { P, buildWorld } from '../testing.js';

let t: TestApp;
let buyer: TestUser; let admin: TestUser; let patient: TestUser;
let world: Awaited<ReturnType<typeof buildWorld>>;

before(async () => {
  t = await startTestApp({ modules: [createSourcingModule()] });
  [buyer, admin, patient] = await Promise.all([t.createUser(['buyer']), t.createUser(['admin']), t.createUser(['patient'])]);
  world = await buildWorld(t, buyer, admin);
});
after(() => t.close());

const names = (body: any) => body.items.map((s: any) => s.name).sort();

test('the list filters by map area (bbox) and band, and carries OTIF and certificates expiring within 60 days', async () => {
  // Laval is at 45.6 N −73.7 E, Chicago at 41.9 N −87.6 E.
  const quebec = await t.api('GET', `${P}/suppliers?bbox=-80,44,-70,50`, { token: buyer.token });
  assert.equal(quebec.status, 200);
  assert.deepEqual(names(quebec.body), ['Ferme Laval']);
  const both = await t.api('GET', `${P}/suppliers?bbox=-90,40,-70,50`, { token: buyer.token });
  assert.deepEqual(names(both.body), ['Ferme Laval', 'Prairie Export']);
  assert.equal((await t.api('GET', `${P}/suppliers?bbox=0,0,10,10`, { token: buyer.token })).body.items.length, 0);
  assert.equal((await t.api('GET', `${P}/suppliers?bbox=a,b,c,d`, { token: buyer.token })).status, 400);

  // Nobody has an approved assessment yet: every supplier is in band "none".
  assert.deepEqual(names((await t.api('GET', `${P}/suppliers?band=none`, { token: buyer.token })).body), ['Ferme Laval', 'Prairie Export']);
  assert.equal((await t.api('GET', `${P}/suppliers?band=high`, { token: buyer.token })).body.items.length, 0);
  assert.equal((await t.api('GET', `${P}/suppliers?band=excellent`, { token: buyer.token })).status, 400);

  const inSixWeeks = new Date(Date.now() + 42 * 86_400_000).toISOString().slice(0, 10);
  await world.call('POST', `/suppliers/${world.b.id}/certifications`, { code: 'iso_9001', validFrom: '2025-01-01', validUntil: inSixWeeks });
  const all = await t.api('GET', `${P}/suppliers`, { token: buyer.token });
  const a = all.body.items.find((s: any) => s.id === world.a.id);
  const b = all.body.items.find((s: any) => s.id === world.b.id);
  assert.deepEqual(b.expiringCertifications, ['iso_9001']);
  assert.deepEqual(a.expiringCertifications, []);
  assert.equal(a.latestBand, null);
  // The world's three deliveries of A fall in March 2026; whether they are inside the 12-month window depends on today.
  assert.ok(a.otifPct === null || (a.otifPct >= 0 && a.otifPct <= 100));
  assert.equal(b.otifPct, null);
  assert.equal((await t.api('GET', `${P}/suppliers?bbox=-80,44,-70,50`, { token: patient.token })).status, 403);
});

test('offers of a material carry their supplier status, so blocked suppliers cannot be chosen in the wizard', async () => {
  const res = await t.api('GET', `${P}/materials/${world.soy.id}/offers`, { token: buyer.token });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.items.map((o: any) => o.supplierStatus), ['active', 'active']);
  await world.call('PATCH', `/suppliers/${world.b.id}`, { status: 'on_hold', version: 1 });
  await world.call('PATCH', `/suppliers/${world.b.id}`, { status: 'blocked', statusReason: 'audit failed', version: 2 });
  const after = await t.api('GET', `${P}/materials/${world.soy.id}/offers`, { token: buyer.token });
  assert.equal(after.body.items.find((o: any) => o.supplierId === world.b.id).supplierStatus, 'blocked');
  assert.equal((await t.api('GET', `${P}/materials/${world.soy.id}/offers`, { token: patient.token })).status, 403);
});
