/**
 * Every page, at desktop and phone widths: it renders without a script error or an error message, and a
 * screenshot lands in screenshots/ (git-ignored) for a person to look at.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { reportsModule } from './fixtures.js';
import { jobsOf, waitFor } from '../../src/platform/jobs/testing.js';

let w: WebTest;
let adminId: string;
let failedJob: string;

before(async () => {
  w = await startWebTest({ modules: [reportsModule] });
  const admin = await w.server.createUser(['admin'], { email: 'ada@example.test', displayName: 'Ada Lovelace' });
  adminId = admin.id;
  await w.server.createUser(['patient'], { email: 'paul@example.test', displayName: 'Paul Martin' });
  await w.server.createUser(['clinician', 'caregiver'], { email: 'claire@example.test', displayName: 'Claire Dubois' });
  await w.server.api('PATCH', '/api/v1/me', { token: admin.token, body: { timeZone: 'Europe/Paris', phone: '+33612345678' } });
  const jobs = jobsOf(w.server.app);
  failedJob = (await jobs.send('e2e.report', { failTimes: 5, month: '2026-10' }))!;
  await jobs.send('e2e.report', { month: '2026-11' });
  await waitFor('the failing job to fail', async () => (await jobs.boss.findJobs('e2e.report', { id: failedJob }))[0]?.state === 'failed');
  await w.server.app.platform.notify.send({ to: { userId: admin.id }, template: 'message', data: { title: 'Backup finished', body: 'The nightly backup took 4 minutes.' } });
});
after(async () => w?.close());

const PAGES = [
  '/', '/inbox', '/account/profile', '/account/preferences', '/account/security', '/account/notifications',
  '/admin/users', '/admin/audit', '/admin/jobs', '/admin/jobs?tab=failures', '/admin/jobs?tab=dead-letter', '/admin/jobs?tab=schedules',
  '/admin/jobs/queues/e2e.report', '/no-such-page',
];

const slug = (path: string) => (path === '/' ? 'home' : path.slice(1).replace(/[/?=.]+/g, '-'));

for (const viewport of [DESKTOP, PHONE]) {
  test(`every page renders at ${viewport.width}×${viewport.height} without errors`, async () => {
    const { page, errors } = await w.open({ viewport });
    for (const path of ['/sign-in', '/register', '/forgot-password', '/reset-password?token=not-a-real-token-but-long-enough']) {
      await page.goto(path);
      await page.locator('.auth-card h1').waitFor();
      await screenshot(page, slug(path.split('?')[0]));
    }
    await signIn(page, 'ada@example.test', 'correct-horse-battery');
    for (const path of PAGES) {
      await page.goto(path);
      await page.locator('main h1, main .empty h3').first().waitFor();
      await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
      assert.equal(await page.locator('.alert-error').count(), 0, `${path} shows an error: ${await page.locator('.alert-error').allInnerTexts()}`);
      await screenshot(page, slug(path));
    }
    await page.goto('/admin/users');
    await page.getByRole('link', { name: 'Paul Martin' }).click();
    await page.getByTestId('role-list').waitFor();
    await screenshot(page, 'admin-user-detail');
    await page.goto('/admin/audit');
    await page.locator('[data-testid="audit-table"] tbody tr').first().click();
    await page.getByTestId('diff').or(page.getByText('This event records no changed values.')).waitFor();
    await screenshot(page, 'admin-audit-detail');
    await page.goto(`/admin/jobs/queues/e2e.report?job=${failedJob}`);
    await page.getByTestId('job-stack').waitFor();
    await screenshot(page, 'admin-job-detail');
    await page.goto('/');
    await page.getByTestId('bell').click();
    await page.getByText('Backup finished').first().waitFor();
    await screenshot(page, 'bell-open');
    if (viewport === PHONE) {
      await page.getByRole('button', { name: 'Open the menu' }).click();
      await page.locator('.nav-open .sidebar').waitFor();
      await page.waitForTimeout(300);
      await screenshot(page, 'nav-drawer', { fullPage: false });
    }
    assert.deepEqual(errors, []);
    assert.ok(adminId);
  });
}

test('in French, every page renders without errors and without the English text of its title', async () => {
  const { page, errors } = await w.open({ locale: 'fr-FR' });
  await page.goto('/sign-in');
  await page.getByRole('heading', { name: 'Connexion' }).waitFor();
  // Chosen on this device: it wins over the account's language (English).
  await page.getByRole('button', { name: 'FR' }).click();
  await page.getByLabel('E-mail').fill('ada@example.test');
  await page.getByLabel('Mot de passe').fill('correct-horse-battery');
  await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
  await page.getByTestId('user-menu').waitFor();
  for (const path of PAGES) {
    await page.goto(path);
    await page.locator('main h1, main .empty h3').first().waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
    const title = await page.locator('main h1, main .empty h3').first().innerText();
    assert.doesNotMatch(title, /^(Hello|Inbox|Profile|Preferences|Security|Users|Audit log|Job monitor|This page does not exist)/, `${path} is not translated`);
    await screenshot(page, `fr-${slug(path)}`);
  }
  assert.deepEqual(errors, []);
});
