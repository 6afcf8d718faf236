import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { createSourcingModule } from '../index.js';
import { P, buildWorld } from '../testing.js';
import { expireOffers } from './expiry.js';

let t: TestApp;
let buyer: TestUser; let admin: TestUser;
before(async () => {
  t = await startTestApp({ modules: [createSourcingModule()] });
  [buyer, admin] = await Promise.all([t.createUser(['buyer']), t.createUser(['admin'])]);
});
after(() => t.close());

test('offer-expiry expires offers past their validity, marks draft assessments stale, and changes nothing on a second run', async () => {
  const w = await buildWorld(t, buyer, admin);
  await t.api('PATCH', `${P}/offers/${w.offerB.id}`, { token: buyer.token, body: { validUntil: '2026-07-01', version: 1 } });
  const a = (await t.api('POST', `${P}/assessments`, { token: buyer.token, body: { title: 'x', materialId: w.soy.id, annualQuantity: 1000, assessmentDate: '2026-06-01', offerIds: [w.offerA.id, w.offerB.id] } })).body;
  assert.deepEqual(await expireOffers(t.db.db, '2026-07-01'), { expired: 0, assessmentsMarkedStale: 0 });
  assert.deepEqual(await expireOffers(t.db.db, '2026-07-02'), { expired: 1, assessmentsMarkedStale: 1 });
  assert.deepEqual(await expireOffers(t.db.db, '2026-07-02'), { expired: 0, assessmentsMarkedStale: 0 });
  assert.equal((await t.api('GET', `${P}/offers/${w.offerB.id}`, { token: buyer.token })).body.status, 'expired');
  assert.equal((await t.api('GET', `${P}/assessments/${a.id}`, { token: buyer.token })).body.stale, true);
  const back = await t.api('PATCH', `${P}/offers/${w.offerB.id}`, { token: buyer.token, body: { validUntil: '2099-01-01', version: 3 } });
  assert.equal(back.body.status, 'active', 'an expired offer comes back with a validity reaching today');
});
