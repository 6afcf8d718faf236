/**
 * Glucose II browser test: the home dashboard renders the patient's widgets, the layout editor saves a new
 * layout and shows the API's validation message, and a report is prepared and downloaded from the reports page.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { PHONE, screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { glucose } from '../../src/modules/glucose/index.js';
import { glucoseFamily, type GlucoseFamily } from './glucose-fixtures.js';

let w: WebTest;
let family: GlucoseFamily;

before(async () => {
  w = await startWebTest({ modules: [glucose] });
  family = await glucoseFamily(w.server, { hours: 15 * 24 });
});
after(async () => w?.close());

test('the dashboard renders, its layout is edited and saved, and an AGP report is generated and downloaded', async () => {
  const { page, errors } = await w.open();
  await signIn(page, family.patient.email, family.patient.password);
  await page.goto('/glucose/dashboard');
  const grid = page.getByTestId('dashboard-grid');
  await grid.locator('[data-widget="glucose_live"]').getByText('mg/dL').first().waitFor();
  for (const id of ['glucose_live', 'alerts', 'glucose_chart', 'time_in_range', 'next_medication']) {
    await grid.locator(`[data-widget="${id}"]`).waitFor();
  }
  await grid.locator('[data-widget="time_in_range"]').getByText('in range, last 24 h').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
  await screenshot(page, 'glucose-dashboard');

  // edit: add the health score, hide next medication, save
  await page.getByTestId('edit-layout').click();
  await page.getByTestId('add-widget').selectOption('health_score');
  await grid.locator('[data-widget="next_medication"]').getByRole('button', { name: 'Hide Next medication' }).click();
  await screenshot(page, 'glucose-dashboard-editing');
  await page.getByTestId('save-layout').click();
  await page.getByText('Layout saved.').waitFor();
  await grid.locator('[data-widget="health_score"]').getByTestId('health-score').waitFor();
  assert.equal(await grid.locator('[data-widget="next_medication"]').count(), 0);
  const saved = await w.server.db.db.selectFrom('glucose.dashboard_layouts').selectAll().where('user_id', '=', family.patient.id).executeTakeFirstOrThrow();
  assert.equal(saved.version, 1);
  assert.ok((saved.layout as { widgetId: string }[]).some((x) => x.widgetId === 'health_score'));

  // an overlap is refused by the API and its message is shown
  await page.getByTestId('edit-layout').click();
  await grid.locator('[data-widget="alerts"]').getByRole('button', { name: 'Move left' }).click();
  await page.getByTestId('save-layout').click();
  await page.getByTestId('layout-error').getByText('share a cell').waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();

  // reports: prepare the AGP of the last 14 days and download it
  await page.goto('/glucose/reports');
  await page.getByText('No report yet').waitFor();
  await page.getByTestId('request-report').click();
  const row = page.getByTestId('report-jobs').locator('tbody tr').first();
  await row.locator('[data-testid="download-report"]').waitFor({ timeout: 30_000 });
  await screenshot(page, 'glucose-reports');
  const [download] = await Promise.all([page.waitForEvent('download'), row.getByTestId('download-report').click()]);
  assert.match(download.suggestedFilename(), /^glucose-agp-.*\.pdf$/);
  const file = readFileSync((await download.path())!);
  assert.equal(file.subarray(0, 5).toString(), '%PDF-');
  mkdirSync('screenshots', { recursive: true });
  writeFileSync('screenshots/glucose-agp-report.pdf', file);
  assert.deepEqual(errors, []);

  // a caregiver's dashboard on a phone: one column, the patients overview first
  const phone = await w.open({ viewport: PHONE });
  await signIn(phone.page, family.caregiver.email, family.caregiver.password);
  await phone.page.goto('/glucose/dashboard');
  await phone.page.getByTestId('dashboard-grid').locator('[data-widget="patients_overview"]').getByText('Léa Martin').waitFor();
  await phone.page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
  await screenshot(phone.page, 'glucose-dashboard-caregiver');
  assert.deepEqual(phone.errors, []);
});
