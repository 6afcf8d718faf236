import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp } from '../../../../test/helpers/app.js';
import { contextOf, startGlucoseApp } from '../testing.js';
import { DEMO_ACCOUNTS, seedDemo } from './demo.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

const login = async (account: { email: string; password: string }) => {
  const res = await t.api('POST', '/api/v1/auth/login', { body: { email: account.email, password: account.password } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.accessToken as string;
};

test('the demo: a patient with 14 days of CGM, her caregiver and clinician linked, logins as documented; seeding twice changes nothing', async () => {
  await seedDemo(contextOf(t));
  await seedDemo(contextOf(t));
  const patient = await login(DEMO_ACCOUNTS.patient);
  const caregiver = await login(DEMO_ACCOUNTS.caregiver);
  const clinician = await login(DEMO_ACCOUNTS.clinician);
  const counts = await sql<{ source: string; n: number; suspect: number }>`
    select source, count(*)::int as n, count(*) filter (where 'suspect' = any(flags))::int as suspect from glucose.readings group by source order by source`.execute(t.db.db);
  const cgm = counts.rows.find((r) => r.source === 'cgm')!;
  assert.equal(cgm.n, 14 * 288);
  assert.equal(cgm.suspect, 0);
  assert.ok(counts.rows.find((r) => r.source === 'manual')!.n >= 6);
  const current = await t.api('GET', '/api/v1/glucose/patients/me/readings/current', { token: patient });
  assert.equal(current.body.stale, false);
  assert.ok(current.body.minutesAgo <= 1);
  assert.equal(current.body.sensor.model, 'dexcom_g7');
  for (const token of [caregiver, clinician]) {
    const list = await t.api('GET', '/api/v1/glucose/patients', { token });
    assert.deepEqual(list.body.items.map((i: { displayName: string }) => i.displayName), ['Léa Martin']);
  }
  const day = await t.api('GET', '/api/v1/glucose/patients/me/readings?granularity=1h', { token: patient });
  const values = day.body.items.map((b: { value: number }) => b.value);
  assert.ok(Math.min(...values) < 140 && Math.max(...values) > 160, `a day with meals: ${values.join(', ')}`);
  const lows = await sql<{ n: number }>`select count(*)::int as n from glucose.readings where value_mgdl < 70`.execute(t.db.db);
  assert.ok(lows.rows[0].n > 0, 'some nights go low');
});
