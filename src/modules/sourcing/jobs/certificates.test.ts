import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { requireAuth, requireRelation, requireRole } from '../../../platform/auth/guards.js';
import { createSourcingModule } from '../index.js';
import { P } from '../testing.js';
import { announceExpiringCertificates, thresholdOf } from './certificates.js';

let t: TestApp;
let buyer: TestUser; let manager: TestUser;
before(async () => {
  t = await startTestApp({ modules: [createSourcingModule()] });
  [buyer, manager] = await Promise.all([t.createUser(['buyer']), t.createUser(['manager'])]);
});
after(() => t.close());

test('thresholds: 60, 30, 7 days and expired', () => {
  assert.deepEqual([61, 60, 31, 30, 8, 7, 0, -1].map(thresholdOf), [null, '60', '60', '30', '30', '7', '7', 'expired']);
});

test('a certificate expiry notifies the supplier creator and managers once per threshold', async () => {
  const s = (await t.api('POST', `${P}/suppliers`, { token: buyer.token, body: { name: 'Expiring', country: 'CA' } })).body;
  await t.api('POST', `${P}/suppliers/${s.id}/certifications`, { token: buyer.token, body: { code: 'haccp', validFrom: '2025-01-01', validUntil: '2026-03-31' } });
  const ctx = { ...t.app.platform, log: t.app.log, requireAuth, requireRelation, requireRole };
  const first = await announceExpiringCertificates(ctx, '2026-02-15');
  assert.equal(first.certificates, 1);
  assert.equal(first.messages > 0, true);
  assert.equal((await announceExpiringCertificates(ctx, '2026-02-16')).messages, 0, 'same threshold (60 days): nothing new');
  assert.ok((await announceExpiringCertificates(ctx, '2026-03-02')).messages > 0, '29 days left: the 30-day step');
  assert.ok((await announceExpiringCertificates(ctx, '2026-04-01')).messages > 0, 'expired');
  const rows = await t.db.db.selectFrom('platform.notification_outbox').select(['user_id', 'dedup_key']).where('dedup_key', 'like', 'src:cert:%').execute();
  const users = new Set(rows.map((r) => r.user_id));
  assert.ok(users.has(buyer.id) && users.has(manager.id));
  assert.deepEqual([...new Set(rows.map((r) => r.dedup_key.split(':').pop()))].sort(), ['30', '60', 'expired']);
});
