import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestApp, type ApiResponse, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t.close(); });

const login = (email: string, password: string) => t.api('POST', '/api/v1/auth/login', { body: { email, password } });
const me = (token: string) => t.api('GET', '/api/v1/me', { token });

/** Asks for a reset and reads the token from the captured mail, checking it never travels in the HTTP answer. */
async function requestReset(email: string): Promise<string> {
  const before = t.mail.sent.length;
  const res = await t.api('POST', '/api/v1/auth/password/forgot', { body: { email } });
  assert.equal(res.status, 202);
  assert.deepEqual(res.body, { status: 'accepted' });
  assert.equal(t.mail.sent.length, before + 1);
  const message = t.mail.sent.at(-1)!;
  assert.equal(message.to, email);
  assert.equal(message.template, 'password_reset');
  const token = message.data.token;
  assert.ok(token && message.data.link.includes(encodeURIComponent(token)));
  assertNoLeak(res, token);
  return token;
}

function assertNoLeak(res: ApiResponse, secret: string) {
  assert.ok(!JSON.stringify(res.body).includes(secret), 'the token is not in the body');
  for (const [name, value] of res.headers) assert.ok(!value.includes(secret), `the token is not in header ${name}`);
}

test('changing the password signs out the other sessions and keeps the current one', async () => {
  const user = await t.createUser();
  const other = await login(user.email, user.password);
  const res = await t.api('POST', '/api/v1/me/password', { token: user.token, body: { currentPassword: user.password, newPassword: 'a-brand-new-passphrase' } });
  assert.equal(res.status, 204);
  assert.equal((await me(user.token)).status, 200, 'the current session goes on');
  assert.equal((await me(other.body.accessToken)).status, 401, 'the other session ended');
  assert.equal((await login(user.email, user.password)).status, 401, 'the old password no longer works');
  assert.equal((await login(user.email, 'a-brand-new-passphrase')).status, 200);
});

test('a password change needs the current password, and the new one follows the password rules', async () => {
  const user = await t.createUser();
  const wrong = await t.api('POST', '/api/v1/me/password', { token: user.token, body: { currentPassword: 'not-it-at-all', newPassword: 'a-brand-new-passphrase' } });
  assert.equal(wrong.status, 422);
  assert.equal(wrong.body.code, 'wrong_password');
  const weak = await t.api('POST', '/api/v1/me/password', { token: user.token, body: { currentPassword: user.password, newPassword: 'aaaaaaaaaaaa' } });
  assert.equal(weak.status, 400);
  assert.equal(weak.body.errors[0].path, 'body.newPassword');
  const short = await t.api('POST', '/api/v1/me/password', { token: user.token, body: { currentPassword: user.password, newPassword: 'short' } });
  assert.equal(short.status, 400);
  assert.equal(short.body.errors[0].path, 'body.newPassword');
});

test('a forgotten password is reset with the emailed token, which signs out every session', async () => {
  const user = await t.createUser();
  const token = await requestReset(user.email);
  const reset = await t.api('POST', '/api/v1/auth/password/reset', { body: { token, password: 'reset-to-this-one' } });
  assert.equal(reset.status, 204);
  assertNoLeak(reset, token);
  assert.equal((await me(user.token)).status, 401, 'sessions opened before the reset ended');
  assert.equal((await t.api('POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } })).status, 401);
  assert.equal((await login(user.email, user.password)).status, 401);
  assert.equal((await login(user.email, 'reset-to-this-one')).status, 200);
});

test('a reset token works once', async () => {
  const user = await t.createUser();
  const token = await requestReset(user.email);
  assert.equal((await t.api('POST', '/api/v1/auth/password/reset', { body: { token, password: 'first-new-passphrase' } })).status, 204);
  const again = await t.api('POST', '/api/v1/auth/password/reset', { body: { token, password: 'second-new-passphrase' } });
  assert.equal(again.status, 400);
  assert.equal(again.body.code, 'invalid_reset_token');
  assert.equal((await login(user.email, 'first-new-passphrase')).status, 200);
});

test('using one reset token voids the others sent earlier', async () => {
  const user = await t.createUser();
  const first = await requestReset(user.email);
  const second = await requestReset(user.email);
  assert.equal((await t.api('POST', '/api/v1/auth/password/reset', { body: { token: second, password: 'first-new-passphrase' } })).status, 204);
  assert.equal((await t.api('POST', '/api/v1/auth/password/reset', { body: { token: first, password: 'second-new-passphrase' } })).status, 400);
});

test('an expired reset token is refused', async () => {
  const user = await t.createUser();
  const token = await requestReset(user.email);
  await t.db.db.updateTable('platform.password_reset_tokens').set({ expires_at: sql<Date>`now() - interval '1 second'` })
    .where('user_id', '=', user.id).execute();
  const res = await t.api('POST', '/api/v1/auth/password/reset', { body: { token, password: 'too-late-passphrase' } });
  assert.equal(res.status, 400);
  assert.equal(res.body.code, 'invalid_reset_token');
  assert.equal((await login(user.email, user.password)).status, 200, 'the password did not change');
});

test('a reset also lifts a lockout from failed sign-ins', async () => {
  const user = await t.createUser();
  await t.db.db.updateTable('platform.users').set({ locked_until: sql<Date>`now() + interval '10 minutes'` }).where('id', '=', user.id).execute();
  assert.equal((await login(user.email, user.password)).status, 429);
  const token = await requestReset(user.email);
  assert.equal((await t.api('POST', '/api/v1/auth/password/reset', { body: { token, password: 'unlocked-passphrase' } })).status, 204);
  assert.equal((await login(user.email, 'unlocked-passphrase')).status, 200);
});

test('asking for a reset of an unknown email answers the same and sends nothing', async () => {
  const before = t.mail.sent.length;
  const res = await t.api('POST', '/api/v1/auth/password/forgot', { body: { email: 'nobody-known@example.test' } });
  assert.equal(res.status, 202);
  assert.deepEqual(res.body, { status: 'accepted' });
  assert.equal(t.mail.sent.length, before);
});

test('a reset password still follows the password rules', async () => {
  const user = await t.createUser();
  const token = await requestReset(user.email);
  const res = await t.api('POST', '/api/v1/auth/password/reset', { body: { token, password: user.email } });
  assert.equal(res.status, 400);
  assert.equal(res.body.errors[0].path, 'body.password');
  assert.equal((await t.api('POST', '/api/v1/auth/password/reset', { body: { token, password: 'a-valid-passphrase' } })).status, 204, 'the refused attempt did not use the token');
});
