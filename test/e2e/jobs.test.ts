import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { reportsModule } from './fixtures.js';
import { jobsOf, waitFor } from '../../src/platform/jobs/testing.js';

let w: WebTest;
before(async () => { w = await startWebTest({ modules: [reportsModule] }); });
after(async () => w?.close());

test('a job failure shows in the monitor with its error and stack, and a retry from there completes it', async () => {
  const manager = await w.server.createUser(['manager'], { email: 'manager@example.test' });
  const { page, errors } = await w.open();
  await signIn(page, manager.email, manager.password);
  await page.getByRole('link', { name: 'Job monitor' }).first().click();
  await page.getByTestId('queues-table').getByRole('link', { name: 'e2e.report' }).waitFor();

  // Fails on its first attempt only; the queue allows no automatic retry.
  const jobs = jobsOf(w.server.app);
  const id = (await jobs.send('e2e.report', { failTimes: 1, month: '2026-10' }))!;
  await waitFor('the job to fail', async () => (await jobs.boss.findJobs('e2e.report', { id }))[0]?.state === 'failed');

  // The page was open all along: the failure appears without a reload.
  await page.getByTestId('queues-table').locator('tr', { hasText: 'e2e.report' }).locator('.badge-danger', { hasText: '1' }).waitFor();
  await page.getByRole('tab', { name: 'Failures' }).click();
  await page.getByTestId('failures').getByText('report generation failed: the printer is on fire (attempt 1)').waitFor({ timeout: 90_000 });

  await page.goto('/admin/jobs/queues/e2e.report?state=failed');
  await page.getByTestId('jobs-table').locator('tbody tr').first().click();
  await page.getByTestId('job-stack').waitFor();
  assert.match(await page.getByTestId('job-stack').innerText(), /at Object\.handler .*fixtures\.ts/);
  await screenshot(page, 'jobs-failed-detail');
  await page.getByRole('button', { name: 'Retry' }).click();
  await page.getByRole('dialog').getByText('Completed').waitFor();
  assert.equal((await jobs.boss.findJobs('e2e.report', { id }))[0]?.state, 'completed');
  await screenshot(page, 'jobs-retried');
  assert.deepEqual(errors, []);
});

test('schedules show their next run and can be paused and resumed; queues can be paused', async () => {
  const admin = await w.server.createUser(['admin'], { email: 'sched@example.test' });
  const { page } = await w.open();
  await signIn(page, admin.email, admin.password);
  await page.goto('/admin/jobs?tab=schedules');
  const row = page.getByTestId('schedules').locator('tr', { hasText: 'e2e.report' });
  await row.getByText('0 6 * * *').waitFor();
  await row.getByRole('button', { name: 'Pause' }).click();
  await row.getByText('Paused').waitFor();
  await row.getByRole('button', { name: 'Resume' }).click();
  await row.getByRole('button', { name: 'Pause' }).waitFor();

  await page.goto('/admin/jobs');
  const queue = page.getByTestId('queues-table').locator('tr', { hasText: 'e2e.report' });
  await queue.getByRole('button', { name: 'Pause' }).click();
  await page.getByRole('dialog').getByLabel('Reason (kept in the audit log)').fill('Printer maintenance');
  await page.getByRole('dialog').getByRole('button', { name: 'Pause' }).click();
  await queue.getByText('Paused').waitFor();
  await queue.getByRole('button', { name: 'Resume' }).click();
  await queue.getByRole('button', { name: 'Pause' }).waitFor();
});

test('a patient cannot open the job monitor', async () => {
  const patient = await w.server.createUser(['patient'], { email: 'nojobs@example.test' });
  const { page } = await w.open();
  await signIn(page, patient.email, patient.password);
  await page.goto('/admin/jobs');
  await page.getByText('You cannot open this page.').waitFor();
});
