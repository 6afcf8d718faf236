import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { screenshot, signIn, startWebTest, type WebTest } from './browser.js';

let w: WebTest;
before(async () => { w = await startWebTest(); });
after(async () => w?.close());

const totp = (secret: string) => new TOTP({ issuer: 'Atrium', algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });

test('a user enrols two-factor (QR code, secret, recovery codes), then signs in with a code', async () => {
  const user = await w.server.createUser(['patient'], { email: 'tfa@example.test' });
  const { page, errors } = await w.open();
  await signIn(page, user.email, user.password);
  await page.goto('/account/security');
  await page.getByRole('button', { name: 'Turn on two-factor' }).click();
  await page.getByRole('img', { name: 'QR code to add Atrium to an authenticator app' }).waitFor();
  await screenshot(page, 'two-factor-enrol');
  const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s+/g, '');
  const generator = totp(secret);
  await page.getByLabel('Six-digit code').fill(generator.generate());
  await page.getByRole('button', { name: 'Turn on two-factor' }).click();
  const codes = page.getByTestId('recovery-codes').locator('li');
  await codes.first().waitFor();
  assert.equal(await codes.count(), 10);
  await screenshot(page, 'two-factor-recovery-codes');
  await page.getByRole('button', { name: 'I saved them' }).click();
  await page.locator('.badge', { hasText: 'On' }).first().waitFor();

  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Two-factor check' }).waitFor();
  await screenshot(page, 'two-factor-challenge');
  await page.getByLabel('Six-digit code').fill('000000');
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await page.getByText('That code is not valid.', { exact: false }).waitFor();
  // The enrolment used the current 30-second step; a code is single-use, so sign in with the next step's.
  await page.getByLabel('Six-digit code').fill(generator.generate({ timestamp: Date.now() + 30_000 }));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await page.getByTestId('user-menu').waitFor();
  const verified = await w.server.db.db.selectFrom('platform.sessions').select('id')
    .where('user_id', '=', user.id).where('revoked_at', 'is', null).where('totp_verified_at', 'is not', null).execute();
  assert.equal(verified.length, 1, 'the new session passed the second factor');
  assert.deepEqual(errors, []);
});

test('a recovery code signs in when the phone is lost', async () => {
  const user = await w.server.createUser(['patient'], { email: 'lost-phone@example.test' });
  const secret = (await w.server.api('POST', '/api/v1/auth/totp/enroll', { token: user.token })).body.secret as string;
  const confirmed = await w.server.api('POST', '/api/v1/auth/totp/confirm', { token: user.token, body: { code: totp(secret).generate() } });
  const recovery = confirmed.body.recoveryCodes[0] as string;
  const { page } = await w.open();
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill(recovery);
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await page.getByTestId('user-menu').waitFor();
});

test('a role that requires two-factor sends the user to enrol before anything else', async () => {
  const strict = await startWebTest({ env: { ATRIUM_TOTP_REQUIRED_ROLES: 'clinician' } });
  try {
    const user = await strict.server.createUser(['clinician'], { email: 'doc@example.test' });
    const { page } = await strict.open();
    await signIn(page, user.email, user.password).catch(() => undefined);
    await page.getByRole('heading', { name: 'Turn on two-factor to continue' }).waitFor();
    await page.goto('/account/profile');
    await page.getByRole('heading', { name: 'Turn on two-factor to continue' }).waitFor();
    await screenshot(page, 'two-factor-required');
    const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s+/g, '');
    await page.getByLabel('Six-digit code').fill(totp(secret).generate());
    await page.getByRole('button', { name: 'Turn on two-factor' }).click();
    await page.getByRole('button', { name: 'I saved them — sign in again' }).click();
    await page.getByText('Two-factor is on. Sign in again with a code from your app.').waitFor();
  } finally {
    await strict.close();
  }
});
