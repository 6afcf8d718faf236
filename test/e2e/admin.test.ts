import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, signIn, startWebTest, type WebTest } from './browser.js';

let w: WebTest;
before(async () => { w = await startWebTest(); });
after(async () => w?.close());

test('an admin finds a user, grants a role, and the audit log shows it with its diff', async () => {
  const admin = await w.server.createUser(['admin'], { email: 'root@example.test', displayName: 'Root Admin' });
  const patient = await w.server.createUser(['patient'], { email: 'nina@example.test', displayName: 'Nina Simone' });
  await w.server.createUser(['patient'], { email: 'other@example.test', displayName: 'Other Person' });
  const { page, errors } = await w.open();
  await signIn(page, admin.email, admin.password);
  await page.getByRole('link', { name: 'Users' }).first().click();
  await page.getByLabel('Search').fill('nina');
  await page.getByRole('link', { name: 'Nina Simone' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="users-table"] tbody tr').length === 1);
  await page.getByRole('link', { name: 'Nina Simone' }).click();
  await page.getByRole('button', { name: 'Grant Clinician' }).click();
  await page.getByRole('button', { name: 'Revoke Clinician' }).waitFor();
  await screenshot(page, 'admin-role-granted');
  const roles = await w.server.db.db.selectFrom('platform.user_roles').select('role').where('user_id', '=', patient.id).execute();
  assert.deepEqual(roles.map((r) => r.role).sort(), ['clinician', 'patient']);

  await page.goto('/admin/audit?action=user.role_granted');
  await page.locator('[data-testid="audit-table"] tbody tr').first().click();
  await page.getByTestId('diff').waitFor();
  assert.match(await page.getByTestId('diff').innerText(), /role\s+clinician/);
  assert.deepEqual(errors, []);
});

test('an admin locks an account with a reason, then unlocks it', async () => {
  const admin = await w.server.createUser(['admin'], { email: 'locker@example.test' });
  const target = await w.server.createUser(['patient'], { email: 'lockme@example.test', displayName: 'Lock Me' });
  const { page } = await w.open();
  await signIn(page, admin.email, admin.password);
  await page.goto(`/admin/users/${target.id}`);
  await page.getByRole('button', { name: 'Lock account' }).click();
  await page.getByLabel('Reason (kept in the audit log)').fill('Left the practice');
  await page.getByRole('dialog').getByRole('button', { name: 'Lock account' }).click();
  await page.getByTestId('user-status').getByText('Locked').waitFor();
  const login = await w.server.api('POST', '/api/v1/auth/login', { body: { email: target.email, password: target.password } });
  assert.equal(login.status, 403);
  await page.getByRole('button', { name: 'Unlock account' }).click();
  await page.getByTestId('user-status').getByText('Active').waitFor();
});

test('a patient does not see administration and is refused its pages', async () => {
  const patient = await w.server.createUser(['patient'], { email: 'just-a-patient@example.test' });
  const { page } = await w.open();
  await signIn(page, patient.email, patient.password);
  assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Job monitor' }).count(), 0);
  await page.goto('/admin/users');
  await page.getByText('You cannot open this page.').waitFor();
});

test('an admin creates an account with roles from the users page', async () => {
  const admin = await w.server.createUser(['admin'], { email: 'creator@example.test' });
  const { page } = await w.open();
  await signIn(page, admin.email, admin.password);
  await page.goto('/admin/users');
  await page.getByRole('button', { name: 'New user' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('Hugo Boss');
  await dialog.getByLabel('Email').fill('not-an-email');
  await dialog.getByLabel('Email').blur();
  await dialog.getByText('Enter an email address like name@example.com.').waitFor();
  await dialog.getByLabel('Email').fill('hugo@example.test');
  await dialog.getByLabel('Initial password').fill('a-good-initial-pass');
  await dialog.getByLabel('Patient').uncheck();
  await dialog.getByLabel('Buyer').check();
  await screenshot(page, 'admin-create-user');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await page.getByRole('heading', { name: 'Hugo Boss' }).waitFor();
  const user = await w.server.db.db.selectFrom('platform.users').select('id').where('email', '=', 'hugo@example.test').executeTakeFirstOrThrow();
  const roles = await w.server.db.db.selectFrom('platform.user_roles').select('role').where('user_id', '=', user.id).execute();
  assert.deepEqual(roles.map((r) => r.role), ['buyer']);
});
