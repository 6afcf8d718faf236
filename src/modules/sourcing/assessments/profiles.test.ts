import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { createSourcingModule } from '../index.js';
import { P, buildWorld } from '../testing.js';

let t: TestApp;
let buyer: TestUser; let buyer2: TestUser; let manager: TestUser; let admin: TestUser;
before(async () => {
  t = await startTestApp({ modules: [createSourcingModule()] });
  [buyer, buyer2, manager, admin] = await Promise.all([t.createUser(['buyer']), t.createUser(['buyer']), t.createUser(['manager']), t.createUser(['admin'])]);
});
after(() => t.close());

const consistent = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]];

test('weight profiles: personal for buyers, shared and default for managers; AHP CR > 0.10 refused; the shared default seeds new assessments', async () => {
  const mine = await t.api('POST', `${P}/weight-profiles`, { token: buyer.token, body: { name: 'Cost first', weights: { method: 'direct', pillars: { economic: 6, quality: 3, environmental: 1 } } } });
  assert.equal(mine.status, 201);
  assert.deepEqual(mine.body.pillarWeights, { economic: 0.6, quality: 0.3, environmental: 0.1 });
  assert.equal((await t.api('GET', `${P}/weight-profiles/${mine.body.id}`, { token: buyer2.token })).status, 404, 'personal profiles are private');
  assert.equal((await t.api('POST', `${P}/weight-profiles`, { token: buyer.token, body: { name: 'Shared', shared: true, weights: { method: 'direct' } } })).status, 403);
  const bad = await t.api('POST', `${P}/weight-profiles`, { token: manager.token, body: { name: 'Bad', weights: { method: 'ahp', matrices: { pillars: [[1, 5, 1 / 3], [1 / 5, 1, 3], [3, 1 / 3, 1]] } } } });
  assert.equal(bad.body.code, 'ahp_inconsistent');
  const def = await t.api('POST', `${P}/weight-profiles`, { token: manager.token, body: { name: 'House default', isDefault: true, weights: { method: 'ahp', matrices: { pillars: consistent } } } });
  assert.equal(def.status, 201);
  assert.equal(def.body.shared, true);
  assert.ok(Math.abs(def.body.consistency.pillars - 0.0332) < 1e-4);
  const w = await buildWorld(t, buyer, admin);
  const a = await t.api('POST', `${P}/assessments`, { token: buyer.token, body: { title: 'x', materialId: w.soy.id, annualQuantity: 1000, offerIds: [w.offerA.id] } });
  assert.ok(Math.abs(a.body.weights.pillars.economic - 0.637) < 1e-3, 'no weights given: the shared default profile');
  const b = await t.api('POST', `${P}/assessments`, { token: buyer.token, body: { title: 'y', materialId: w.soy.id, annualQuantity: 1000, offerIds: [w.offerA.id], weightProfileId: mine.body.id } });
  assert.ok(Math.abs(b.body.weights.pillars.economic - 0.6) < 1e-12);
  assert.equal(b.body.weightProfileId, mine.body.id);
});
