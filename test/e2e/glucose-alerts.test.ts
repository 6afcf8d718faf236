/**
 * The browser test: a low reading posted through the API for a demo-like patient raises an alert that
 * appears live on the caregiver's page, and the caregiver acknowledges it there.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PHONE, screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { glucose } from '../../src/modules/glucose/index.js';
import { glucoseFamily, subscribed, type GlucoseFamily } from './glucose-fixtures.js';

let w: WebTest;
let family: GlucoseFamily;

before(async () => {
  w = await startWebTest({ modules: [glucose] });
  family = await glucoseFamily(w.server);
});
after(async () => w?.close());

test('an urgent low posted through the API appears live in the caregiver\'s alerts and on the card; the caregiver acknowledges it', async () => {
  const { page, errors } = await w.open();
  await signIn(page, family.caregiver.email, family.caregiver.password);
  await page.goto('/glucose/alerts');
  await page.getByText('No open alerts').waitFor();
  await subscribed(w.server, family.caregiver.id, 'glucose.alerts', family.patient.id);
  assert.equal(await page.getByTestId('alert-item').count(), 0);

  const posted = await w.server.api('POST', `/api/v1/glucose/patients/${family.patient.id}/readings`, {
    token: family.patient.token, body: { value: 50, context: 'preprandial', confirmOutlier: true },
  });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));
  assert.equal(posted.body.raisedAlertIds.length, 1);
  const alertId = posted.body.raisedAlertIds[0] as string;

  const item = page.locator(`[data-alert-id="${alertId}"]`);
  await item.getByText('Urgent low · 50 mg/dL').waitFor();
  await item.getByText('Needs attention').waitFor();
  await item.getByText('Critical').waitFor();
  await screenshot(page, 'glucose-alerts-raised');
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1, 'no reload');

  await item.getByRole('button', { name: 'Acknowledge' }).click();
  await item.getByText('Acknowledged').waitFor();
  await page.getByText('Alert acknowledged.').waitFor();
  const row = await w.server.db.db.selectFrom('glucose.alerts').select(['status', 'acknowledged_by']).where('id', '=', alertId).executeTakeFirstOrThrow();
  assert.equal(row.status, 'acknowledged');
  assert.equal(row.acknowledged_by, family.caregiver.id);

  await item.getByRole('button', { name: 'History' }).click();
  await item.getByTestId('alert-log').getByText('Acknowledged (caregiver)').waitFor();

  await page.goto('/glucose/patients');
  await page.getByTestId('patient-card').filter({ hasText: 'Léa Martin' }).getByText('Urgent low · Acknowledged').waitFor();
  await screenshot(page, 'glucose-my-patients-alert');
  await page.getByTestId('patient-card').filter({ hasText: 'Léa Martin' }).click();
  await page.getByRole('tab', { name: '3 h' }).click();
  await page.getByTestId('glucose-chart').locator('canvas').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
  await screenshot(page, 'glucose-patient-chart-alert');
  assert.deepEqual(errors, []);
});

test('on a phone the patient treats the low, sees the recheck, snoozes it with the urgent-low override, and changes a threshold', async () => {
  const { page, errors } = await w.open({ viewport: PHONE });
  await signIn(page, family.patient.email, family.patient.password);
  await page.goto('/glucose/alerts');
  const item = page.getByTestId('alert-item').first();
  await item.getByText('Urgent low').first().waitFor();
  await screenshot(page, 'glucose-alerts');
  await item.getByRole('button', { name: 'Treat low' }).click();
  await page.getByRole('dialog').getByLabel('Carbohydrate (g)').fill('20');
  await page.getByRole('dialog').getByRole('button', { name: 'Treat low' }).click();
  await page.getByTestId('next-steps').waitFor();
  await item.getByTestId('recheck').getByText(/Recheck in 1[45]:\d\d/).waitFor();
  await screenshot(page, 'glucose-alerts-treated');
  // An urgent low is snoozed only with an explicit override and a reason.
  await item.getByRole('button', { name: 'Snooze' }).click();
  const dialog = page.getByRole('dialog');
  assert.equal(await dialog.getByRole('button', { name: 'Snooze' }).isDisabled(), true);
  await dialog.getByLabel('Override: I know this is an urgent low').check();
  await dialog.getByLabel('Reason').fill('Sugar taken, I am fine');
  await dialog.getByRole('button', { name: 'Snooze' }).click();
  await item.getByText('Snoozed', { exact: true }).waitFor();
  const snoozed = await w.server.db.db.selectFrom('glucose.alerts').select(['status', 'snoozed_until']).where('patient_id', '=', family.patient.id).executeTakeFirstOrThrow();
  assert.equal(snoozed.status, 'snoozed');
  await page.goto('/glucose/settings');
  await page.locator('input[name="urgentLow"]').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
  await screenshot(page, 'glucose-alert-settings');
  await page.locator('input[name="low"]').fill('75');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Saved.').waitFor();
  const settings = await w.server.db.db.selectFrom('glucose.alert_settings').select('low').where('patient_id', '=', family.patient.id).executeTakeFirstOrThrow();
  assert.equal(settings.low, 75);
  assert.deepEqual(errors, []);
});
