/** The demo patient's medications, meals and activity (Glucose III seed): meaningful pages on first start, idempotent. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../../../../test/helpers/app.js';
import { contextOf, startGlucoseApp } from '../testing.js';
import { DEMO_ACCOUNTS, seedDemo } from '../seed/demo.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

test('demo: two plans with a 7-day history, vitamin D stock running low, meals with impact, activity, steps and goals; seeding twice changes nothing', async () => {
  await seedDemo(contextOf(t));
  await seedDemo(contextOf(t));
  const token = (await t.api('POST', '/api/v1/auth/login', { body: { email: DEMO_ACCOUNTS.patient.email, password: DEMO_ACCOUNTS.patient.password } })).body.accessToken;
  const plans = await t.api('GET', '/api/v1/glucose/patients/me/medication-plans', { token });
  assert.equal(plans.body.items.length, 2);
  const adherence = await t.api('GET', '/api/v1/glucose/patients/me/medications/adherence', { token });
  assert.ok(adherence.body.adherence7dPct > 60 && adherence.body.adherence7dPct < 100, JSON.stringify(adherence.body));
  const stock = await t.api('GET', '/api/v1/glucose/patients/me/medications/stock', { token });
  assert.equal(stock.body.items.find((s: { planName: string }) => s.planName === 'Vitamin D3').status, 'warning');
  const meals = await t.api('GET', '/api/v1/glucose/patients/me/meals?limit=100', { token });
  assert.ok(meals.body.items.length >= 20);
  assert.ok(meals.body.items.filter((m: { impact: { status: string } | null }) => m.impact?.status === 'computed').length >= 15);
  const daily = await t.api('GET', '/api/v1/glucose/patients/me/activity/daily', { token });
  assert.ok(daily.body.days.filter((d: { steps: number | null }) => d.steps).length === 7);
  assert.equal((await t.api('GET', '/api/v1/glucose/patients/me/goals', { token })).body.carbsG, 200);
});

test('retention: care logs older than GLUCOSE_RETENTION_MONTHS are deleted, recent ones kept', async () => {
  const { purgeCareLogs } = await import('./retention.js');
  const p = await t.createUser(['patient']);
  const old = new Date(Date.now() - 121 * 31 * 86_400_000);
  await t.db.db.insertInto('glucose.meals').values([
    { patient_id: p.id, taken_at: old, meal_type: 'lunch', carbs_g: 40, absorption_minutes: 180 },
    { patient_id: p.id, taken_at: new Date(), meal_type: 'lunch', carbs_g: 40, absorption_minutes: 180 },
  ]).execute();
  await t.db.db.insertInto('glucose.daily_steps').values({ patient_id: p.id, local_date: old.toISOString().slice(0, 10), source: 'phone', steps: 10 }).execute();
  const counts = await purgeCareLogs(t.db.db);
  assert.equal(counts.meals, 1);
  assert.equal(counts.daily_steps, 1);
  assert.equal((await t.db.db.selectFrom('glucose.meals').select('id').where('patient_id', '=', p.id).execute()).length, 1);
});
