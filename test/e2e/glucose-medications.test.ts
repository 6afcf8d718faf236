/**
 * Glucose III browser flow: the patient takes a due dose on the Medications page and sees adherence change;
 * logs a meal on the Log page; the caregiver sees it with its impact on Nutrition & activity.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { glucose } from '../../src/modules/glucose/index.js';
import { glucoseFamily, type GlucoseFamily } from './glucose-fixtures.js';

let w: WebTest;
let family: GlucoseFamily;

before(async () => {
  w = await startWebTest({ modules: [glucose] });
  family = await glucoseFamily(w.server, { hours: 6 });
});
after(async () => w?.close());

test('the patient takes a due dose and adherence goes from 0.0 % to 50.0 %; a meal logged on the Log page shows on Nutrition with its impact', async () => {
  const { patient, caregiver } = family;
  const plan = await w.server.api('POST', `/api/v1/glucose/patients/${patient.id}/medication-plans`, {
    token: patient.token,
    body: { name: 'Metformin', kind: 'oral', doseAmount: 1, doseUnit: 'tablet', schedule: { type: 'fixed_times', times: ['08:00', '20:00'] }, startDate: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10), stockTracking: true, initialStock: 15 },
  });
  assert.equal(plan.status, 201, JSON.stringify(plan.body));
  const doses = await w.server.db.db.selectFrom('glucose.medication_doses').select('id').where('plan_id', '=', plan.body.id).orderBy('scheduled_at').limit(2).execute();
  await sql`update glucose.medication_doses set scheduled_at = now() - interval '5 hours', original_scheduled_at = now() - interval '5 hours', status = 'missed' where id = ${doses[0].id}`.execute(w.server.db.db);
  await sql`update glucose.medication_doses set scheduled_at = now() - interval '20 minutes', original_scheduled_at = now() - interval '20 minutes' where id = ${doses[1].id}`.execute(w.server.db.db);

  const { page, errors } = await w.open();
  await signIn(page, patient.email, patient.password);
  await page.goto('/glucose/patients/me/medications');
  await page.getByTestId('adherence-24h').getByText('0.0 %').waitFor();
  await page.getByTestId('stock-card').getByText('Running low').waitFor();
  const due = page.getByTestId('dose-row').filter({ hasText: 'min late' });
  await due.getByRole('button', { name: 'Take' }).click();
  await page.getByTestId('confirm-take').click();
  await page.getByText('Metformin recorded as taken.').waitFor();
  await page.getByTestId('adherence-24h').getByText('50.0 %').waitFor();
  await page.locator('[data-testid="dose-row"][data-status="taken"]').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
  await screenshot(page, 'glucose-medications');
  const taken = await w.server.db.db.selectFrom('glucose.medication_doses').select(['status', 'recorded_by']).where('id', '=', doses[1].id).executeTakeFirstOrThrow();
  assert.deepEqual(taken, { status: 'taken', recorded_by: patient.id });

  await page.goto('/glucose/patients/me/log');
  const form = page.getByTestId('meal-form');
  await form.getByRole('button', { name: /Banana/ }).click();
  await form.locator('input[name="carbsG"]').fill('501');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText(/500/).first().waitFor();
  await form.locator('input[name="carbsG"]').fill('');
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Meal logged.').waitFor();
  await screenshot(page, 'glucose-log-forms');
  const meal = await w.server.db.db.selectFrom('glucose.meals').select(['id', 'carbs_g', 'name']).where('patient_id', '=', patient.id).executeTakeFirstOrThrow();
  assert.equal(Number(meal.carbs_g), 27, 'carbs from the catalog item');
  // The meal 2 h 30 ago as if logged then, with its impact computed, for the caregiver's view.
  await sql`update glucose.meals set taken_at = now() - interval '150 minutes' where id = ${meal.id}`.execute(w.server.db.db);
  const { computeMealImpact } = await import('../../src/modules/glucose/nutrition/impact.js');
  await computeMealImpact(w.server.db.db, meal.id);

  const carer = await w.open();
  await signIn(carer.page, caregiver.email, caregiver.password);
  await carer.page.goto(`/glucose/patients/${patient.id}/nutrition`);
  const row = carer.page.getByTestId('meal-list').locator('li').filter({ hasText: 'Banana' });
  await row.getByText(/Rise|Not enough readings/).waitFor();
  await row.getByRole('button', { name: 'Impact' }).click();
  await row.locator('canvas').waitFor();
  await carer.page.getByText('Information only, not medical advice.').waitFor();
  await carer.page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
  await screenshot(carer.page, 'glucose-nutrition');
  assert.deepEqual(errors, []);
  assert.deepEqual(carer.errors, []);
});
