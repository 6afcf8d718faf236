/**
 * Office quotes in the browser: a staff member creates a quote with lines (live total), issues it (number assigned)
 * and records the client's acceptance; screenshots of the quotes list, editor, clients, projects and templates.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { makeOrganization, officeOnly } from '../../src/modules/operations/office/testing.js';

let w: WebTest;
before(async () => { w = await startWebTest({ modules: [officeOnly] }); });
after(async () => w?.close());

test('a staff member creates a quote, adds lines, issues it and marks it accepted', async () => {
  const staff = await w.server.createUser(['staff'], { email: 'nadia@example.test', displayName: 'Nadia Benali' });
  const manager = await w.server.createUser(['manager'], { email: 'marc@example.test', displayName: 'Marc Lefèvre' });
  const org = await makeOrganization(w.server, [staff, manager], { code: 'LAB', pattern: '{ORG}-{YY}{MM}-{SEQ:3}' });
  await w.server.db.db.insertInto('operations.project').values({ organization_id: org.id, number: 'P-2025-01', name: 'Cohorte A', client_id: org.clientId, status: 'active' }).execute();

  const { page, errors } = await w.open();
  await signIn(page, staff.email, staff.password);
  await page.goto('/operations/quotes');
  await page.getByText('No quotes yet').waitFor();
  await page.getByRole('link', { name: 'New quote' }).first().click();
  await page.getByLabel('Title').fill('Analyses lot 12');
  await page.getByLabel('Client', { exact: true }).selectOption({ label: 'Client LAB' });
  await page.getByLabel('Project').selectOption({ label: 'P-2025-01 — Cohorte A' });
  await page.getByLabel('Payment period start').fill('2025-06-02');
  assert.equal(await page.getByLabel('Due date').inputValue(), '2025-07-02'); // template default: 30 days
  await page.locator('input[name="lines.0.description"]').fill('Analyse');
  await page.locator('input[name="lines.0.quantity"]').fill('5');
  await page.locator('input[name="lines.0.unitPrice"]').fill('250');
  await page.getByTestId('add-line').click();
  await page.locator('input[name="lines.1.description"]').fill('Préparation');
  await page.locator('input[name="lines.1.quantity"]').fill('1');
  await page.locator('input[name="lines.1.unitPrice"]').fill('120.50');
  await page.getByTestId('quote-total').getByText('€1,370.50').waitFor();
  await screenshot(page, 'operations-quote-new');
  await page.getByRole('button', { name: 'Create quote' }).click();
  await page.getByRole('heading', { name: /\(draft\) — Analyses lot 12/ }).waitFor();

  await page.getByTestId('action-issued').click();
  await page.getByRole('heading', { name: /LAB-\d{4}-001 — Analyses lot 12/ }).waitFor();
  await page.getByTestId('action-accepted').click();
  await page.getByRole('heading', { name: /Accepted/ }).waitFor();
  await page.getByRole('button', { name: 'Show' }).click();
  await page.locator('iframe.ops-pdf').waitFor();
  await screenshot(page, 'operations-quote-detail', { fullPage: false });

  const quote = await w.server.db.db.selectFrom('operations.quote').selectAll().where('organization_id', '=', org.id).executeTakeFirstOrThrow();
  assert.equal(quote.status, 'accepted');
  assert.equal(quote.amount, '1370.50');
  assert.match(quote.number!, /^LAB-\d{4}-001$/);

  await page.goto('/operations/quotes');
  await page.getByTestId('quotes-table').getByText('Analyses lot 12').waitFor();
  await page.getByRole('button', { name: 'Accepted' }).click();
  await page.getByTestId('quotes-table').getByText('€1,370.50').waitFor();
  await screenshot(page, 'operations-quotes');
  await page.goto('/operations/clients');
  await page.getByTestId('clients-table').getByText('Client LAB').waitFor();
  await screenshot(page, 'operations-clients');
  await page.goto('/operations/projects');
  await page.getByTestId('projects-table').getByText('Cohorte A').waitFor();
  await screenshot(page, 'operations-projects');
  await page.goto('/operations/templates');
  await page.getByTestId('placeholders').waitFor();
  await screenshot(page, 'operations-templates');
  assert.deepEqual(errors, []);
});
