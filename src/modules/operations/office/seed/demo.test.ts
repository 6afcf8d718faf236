import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../../../test/helpers/app.js';
import { requireAuth, requireRelation, requireRole } from '../../../../platform/auth/guards.js';
import { P, officeOnly } from '../testing.js';
import { OFFICE_DEMO_ACCOUNTS, seedOfficeDemo } from './demo.js';

let t: TestApp;
before(async () => { t = await startTestApp({ modules: [officeOnly] }); });
after(() => t.close());

test('the office demo gives quotes in every state with numbers from the template; a second run does nothing', async () => {
  const ctx = { ...t.app.platform, log: t.app.log, requireAuth, requireRole, requireRelation };
  await seedOfficeDemo(ctx);
  await seedOfficeDemo(ctx);
  const login = await t.api('POST', '/api/v1/auth/login', { body: { email: OFFICE_DEMO_ACCOUNTS.staff.email, password: OFFICE_DEMO_ACCOUNTS.staff.password } });
  const token = login.body.accessToken;
  const quotes = await t.api('GET', `${P}/quotes?limit=50`, { token });
  assert.equal(quotes.body.items.length, 9);
  assert.deepEqual([...new Set(quotes.body.items.map((q: any) => q.status))].sort(), ['accepted', 'cancelled', 'draft', 'issued', 'paid', 'rejected']);
  for (const q of quotes.body.items.filter((x: any) => x.status !== 'draft')) assert.match(q.number, /^LAB-\d{4}-\d{3}$/);
  const draft = quotes.body.items.find((q: any) => q.status === 'draft');
  const issued = await t.api('POST', `${P}/quotes/${draft.id}/transitions`, { token, body: { to: 'issued', version: draft.version } });
  assert.equal(issued.status, 200);
  assert.match(issued.body.number, /-008$/); // seven seeded quotes were issued before
  assert.equal((await t.api('GET', `${P}/clients?limit=50`, { token })).body.items.length, 5);
});
