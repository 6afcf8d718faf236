import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { waitFor } from '../../src/platform/jobs/testing.js';

let w: WebTest;
before(async () => { w = await startWebTest(); });
after(async () => w?.close());

test('a visitor registers, lands signed in, and a reload keeps them signed in', async () => {
  const { page, errors } = await w.open();
  await page.goto('/register');
  await page.getByLabel('Name').fill('Rosa Parks');
  await page.getByLabel('Email').fill('rosa@example.test');
  const password = page.getByLabel('Password');
  await password.fill('short');
  await password.blur();
  // The API's own rule (10 characters), shown as the user types, before anything is sent.
  await page.getByText('At least 10 characters.', { exact: true }).waitFor();
  await password.fill('montgomery-1955');
  assert.equal(await page.getByText('At least 10 characters.', { exact: true }).count(), 0);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Hello, Rosa' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Hello, Rosa' }).waitFor();
  const me = await w.server.db.db.selectFrom('platform.users').select('display_name').where('email', '=', 'rosa@example.test').executeTakeFirstOrThrow();
  assert.equal(me.display_name, 'Rosa Parks');
  assert.deepEqual(errors, []);
});

test('registering an email that is taken shows the API’s explanation', async () => {
  await w.server.createUser(['patient'], { email: 'taken@example.test' });
  const { page } = await w.open();
  await page.goto('/register');
  await page.getByLabel('Name').fill('Someone');
  await page.getByLabel('Email').fill('taken@example.test');
  await page.getByLabel('Password').fill('a-long-enough-password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('An account with this email already exists. Sign in, or reset your password.').waitFor();
});

test('a user signs in, a wrong password says so, and signing out returns to the sign-in page', async () => {
  const user = await w.server.createUser(['patient'], { email: 'sam@example.test', displayName: 'Sam Doe' });
  const { page } = await w.open();
  await page.goto('/account/profile');
  await page.waitForURL('**/sign-in');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByText('Email or password is wrong.').waitFor();
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // Back to the page that asked for signing in.
  await page.getByRole('heading', { name: 'Profile' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/account/profile');
  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.waitForURL('**/sign-in');
  assert.equal(await page.evaluate(() => localStorage.getItem('atrium.session')), null);
});

test('a user changes preferences; they are saved and still there after a reload', async () => {
  const user = await w.server.createUser(['patient'], { email: 'pref@example.test' });
  const { page, errors } = await w.open();
  await signIn(page, user.email, user.password);
  await page.goto('/account/preferences');
  await page.getByLabel('Time zone').selectOption('America/New_York');
  await page.getByRole('radio', { name: 'mmol/L' }).click();
  await page.getByLabel('Low threshold (mg/dL)').fill('200');
  await page.getByLabel('High threshold (mg/dL)').fill('180');
  await page.getByLabel('High threshold (mg/dL)').blur();
  await page.getByLabel('Low threshold (mg/dL)').blur();
  await page.getByText('At most 120.').waitFor();
  await page.getByLabel('Low threshold (mg/dL)').fill('80');
  await page.getByLabel('Hold notifications during quiet hours').check();
  await page.getByLabel('From').fill('22:30');
  await page.getByLabel('To').fill('06:45');
  await page.getByRole('button', { name: 'Save preferences' }).click();
  await page.getByText('Saved.').waitFor();
  await screenshot(page, 'preferences-saved');
  const { body } = await w.server.api('GET', '/api/v1/me', { token: (await w.server.api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } })).body.accessToken });
  assert.equal(body.timeZone, 'America/New_York');
  assert.equal(body.glucoseUnit, 'mmol/L');
  assert.equal(body.lowThresholdMgdl, 80);
  assert.deepEqual(body.quietHours, { start: '22:30', end: '06:45', allowCritical: true });
  await page.reload();
  assert.equal(await page.getByLabel('Time zone').inputValue(), 'America/New_York');
  assert.equal(await page.getByLabel('Low threshold (mg/dL)').inputValue(), '80');
  assert.deepEqual(errors, []);
});

test('the language switch translates the app and becomes the account’s language', async () => {
  const user = await w.server.createUser(['patient'], { email: 'lang@example.test', displayName: 'Léa Martin' });
  const { page } = await w.open();
  await signIn(page, user.email, user.password);
  await page.getByRole('button', { name: 'FR' }).click();
  await page.getByRole('heading', { name: 'Bonjour, Léa' }).waitFor();
  await page.getByRole('link', { name: 'Préférences' }).first().waitFor();
  await waitFor('the account language to become French', async () =>
    (await w.server.db.db.selectFrom('platform.users').select('locale').where('id', '=', user.id).executeTakeFirstOrThrow()).locale === 'fr');
});

test('forgot password: the emailed link sets a new password, then signing in works with it', async () => {
  const user = await w.server.createUser(['patient'], { email: 'forgot@example.test' });
  const { page } = await w.open();
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
  await page.getByLabel('Email').fill(user.email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await page.getByText('Check your email').waitFor();
  const sent = w.server.mail.sent.find((m) => m.to === user.email);
  assert.ok(sent, 'a reset email was sent');
  const token = String((sent.data as { token: string }).token);
  await page.goto(`/reset-password?token=${encodeURIComponent(token)}`);
  await page.getByLabel('New password', { exact: true }).fill('brand-new-password-42');
  await page.getByLabel('Repeat the new password').fill('brand-new-password-4');
  await page.getByLabel('Repeat the new password').blur();
  await page.getByText('The two passwords are not the same.').waitFor();
  await page.getByLabel('Repeat the new password').fill('brand-new-password-42');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.getByText('Your password is changed. Sign in with the new one.').waitFor();
  await signIn(page, user.email, 'brand-new-password-42');
});

test('two tabs refreshing an expiring session use the refresh token once, and both stay signed in', async () => {
  const user = await w.server.createUser(['patient'], { email: 'tabs@example.test' });
  const { context, page } = await w.open();
  await signIn(page, user.email, user.password);
  const second = await context.newPage();
  await second.goto('/account/profile');
  await second.getByRole('heading', { name: 'Profile' }).waitFor();
  let refreshes = 0;
  context.on('request', (r) => { if (r.url().endsWith('/api/v1/auth/refresh')) refreshes++; });
  // The access token is about to expire: both tabs wake within a second and refresh silently.
  await page.evaluate(() => {
    const s = JSON.parse(localStorage.getItem('atrium.session')!);
    localStorage.setItem('atrium.session', JSON.stringify({ ...s, expiresAt: Date.now() + 5_000 }));
  });
  const before = await page.evaluate(() => JSON.parse(localStorage.getItem('atrium.session')!).refreshToken as string);
  await Promise.all([page.reload(), second.reload()]);
  await page.waitForFunction((old) => JSON.parse(localStorage.getItem('atrium.session') ?? '{}').refreshToken !== old, before);
  await page.getByRole('link', { name: 'Security' }).first().click();
  await second.getByRole('link', { name: 'Preferences' }).first().click();
  await page.getByTestId('sessions').waitFor();
  await second.getByRole('heading', { name: 'Preferences' }).waitFor();
  assert.equal(refreshes, 1);
  const reused = await w.server.db.db.selectFrom('platform.audit_events').select('id').where('action', '=', 'auth.refresh_token_reused').execute();
  assert.equal(reused.length, 0);
});
