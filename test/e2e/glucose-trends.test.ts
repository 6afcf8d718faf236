/**
 * Glucose trends in the browser: the patient's AGP and metrics, and the clinician's patient list sorted by risk
 * leading to the patient's detail.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { glucose } from '../../src/modules/glucose/index.js';
import { rollupDirtyDays } from '../../src/modules/glucose/analytics/rollup.js';
import { glucoseFamily, type GlucoseFamily } from './glucose-fixtures.js';

let w: WebTest;
let family: GlucoseFamily;

before(async () => {
  w = await startWebTest({ modules: [glucose] });
  family = await glucoseFamily(w.server, { hours: 15 * 24 });
  await rollupDirtyDays(w.server.db.db);
});
after(async () => w?.close());

test('the patient sees the AGP, time in ranges and metrics, and compares days', async () => {
  const { page, errors } = await w.open();
  await signIn(page, family.patient.email, family.patient.password);
  await page.getByRole('link', { name: 'Trends', exact: true }).first().click();
  await page.getByRole('heading', { name: 'Trends', level: 1 }).waitFor();
  await page.getByTestId('agp-chart').locator('canvas').waitFor();
  const tiles = page.getByTestId('metric-tiles');
  await tiles.getByText('GMI').waitFor();
  assert.match(await page.getByTestId('time-in-ranges').innerText(), /In range \(70–180\)/);
  await page.getByTestId('period-table').waitFor();
  await page.getByRole('tab', { name: 'Days', exact: true }).click();
  await page.getByTestId('period-table').locator('tbody tr').nth(13).waitFor();
  await page.getByTestId('comparison').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
  await screenshot(page, 'glucose-trends');
  assert.deepEqual(errors, []);
});

test('the clinician opens the patient list sorted by risk and the patient\'s detail', async () => {
  const { page, errors } = await w.open();
  await signIn(page, family.clinician.email, family.clinician.password);
  await page.getByRole('link', { name: 'Patients by risk' }).first().click();
  const row = page.getByTestId('risk-table').locator('tbody tr').filter({ hasText: 'Léa Martin' });
  await row.waitFor();
  assert.match(await row.innerText(), /%/);
  await screenshot(page, 'glucose-clinic-risk-list');
  await row.click();
  await page.getByRole('heading', { name: 'Léa Martin' }).waitFor();
  await page.getByTestId('agp-chart').locator('canvas').waitFor();
  await page.getByTestId('metric-tiles').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
  await screenshot(page, 'glucose-clinic-patient');
  assert.deepEqual(errors, []);
});
