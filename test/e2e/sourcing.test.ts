/**
 * Sourcing in the browser, on the demo data: supplier list with map → supplier detail → a new assessment through the
 * wizard → comparison radar → a trade-off slider that changes the leader.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { requireAuth, requireRelation, requireRole } from '../../src/platform/auth/guards.js';
import { createSourcingModule } from '../../src/modules/sourcing/index.js';
import { SOURCING_DEMO_ACCOUNTS, seedSourcing } from '../../src/modules/sourcing/seed/demo.js';

let w: WebTest;
before(async () => {
  w = await startWebTest({ modules: [createSourcingModule()] });
  await seedSourcing({ ...w.server.app.platform, log: w.server.app.log, requireAuth, requireRole, requireRelation } as never);
});
after(async () => w?.close());

test('a buyer browses suppliers, runs an assessment in the wizard, compares offers and re-ranks them with a slider', async () => {
  const { page, errors } = await w.open();
  await signIn(page, SOURCING_DEMO_ACCOUNTS.buyer.email, SOURCING_DEMO_ACCOUNTS.buyer.password);

  // List and map
  await page.goto('/sourcing/suppliers');
  const rows = page.getByTestId('supplier-row');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 7);
  await page.locator('[data-testid="supplier-map"][data-ready="true"]').waitFor();
  await rows.filter({ hasText: 'Ontario Oilseeds' }).click();
  assert.equal(await rows.filter({ hasText: 'Ontario Oilseeds' }).getAttribute('aria-selected'), 'true');
  await page.getByLabel('Search').fill('bleuets');
  await page.getByTestId('supplier-count').filter({ hasText: '1 shown' }).waitFor();
  await page.getByLabel('Search').fill('');
  await page.getByTestId('supplier-count').filter({ hasText: '7 shown' }).waitFor();
  await screenshot(page, 'sourcing-suppliers');

  // Detail
  await page.getByRole('link', { name: 'Ferme Laval Grains' }).click();
  await page.getByTestId('kpi-otif').waitFor();
  await page.getByTestId('pillar-scores').waitFor();
  await page.getByRole('tab', { name: 'Certificates' }).click();
  await page.getByTestId('certificates-table').getByText('Expires in 45 days').waitFor();
  await screenshot(page, 'sourcing-supplier-detail');

  // Wizard: validation, then all four soybean offers
  await page.goto('/sourcing/assessments/new');
  await page.getByRole('button', { name: 'Next' }).click();
  assert.ok(await page.getByText('Required.').count() >= 2);
  await page.getByLabel('Title').fill('Soybean, browser test');
  await page.getByLabel('Material').selectOption({ label: 'Soybean (kg)' });
  await page.getByLabel('Annual quantity').fill('120000');
  await page.getByRole('button', { name: 'Next' }).click();
  const choice = page.getByTestId('offer-choice');
  await choice.waitFor();
  for (const box of await choice.getByRole('checkbox').all()) await box.check();
  await page.getByRole('button', { name: 'Save draft and check data' }).click();
  await page.getByTestId('data-check').waitFor();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByTestId('weights-editor').waitFor();
  await page.getByTestId('score-button').click();
  const results = page.getByTestId('result-row');
  await results.first().waitFor();
  assert.equal(await results.count(), 4);
  await screenshot(page, 'sourcing-wizard-results');

  // Comparison: twelve computed axes
  await page.getByRole('link', { name: 'Compare' }).click();
  await page.getByTestId('compare-table').waitFor();
  assert.equal(await page.getByTestId('compare-table').locator('tbody tr').count(), 12);
  await page.locator('[data-testid="radar"][data-ready="true"]').waitFor();
  await screenshot(page, 'sourcing-compare');

  // Trade-off: all weight on the economic pillar puts the cheapest offer (Cerrado Soja) first
  await page.goBack();
  await page.getByRole('link', { name: 'Trade-offs' }).click();
  const ranking = page.getByTestId('ranking-row');
  await ranking.first().waitFor();
  const leaderBefore = await ranking.first().locator('td').nth(1).textContent();
  assert.notEqual(leaderBefore, 'Cerrado Soja Ltda');
  await page.getByTestId('slider-economic').fill('100');
  await page.getByTestId('live-ranking').locator('tr', { hasText: 'Cerrado Soja Ltda' }).locator('td').first().filter({ hasText: /^1$/ }).waitFor();
  assert.equal(await ranking.first().locator('td').nth(1).textContent(), 'Cerrado Soja Ltda');
  await screenshot(page, 'sourcing-tradeoff');
  assert.deepEqual(errors, []);
});
