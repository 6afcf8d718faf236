import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
before(async () => { t = await startTestApp({ env: { ATRIUM_LOCKOUT_THRESHOLD: '3', ATRIUM_LOCKOUT_MINUTES: '15' } }); });
after(async () => { await t.close(); });

const login = (email: string, password: string) => t.api('POST', '/api/v1/auth/login', { body: { email, password } });

test('signing in with the right password answers an access token, a refresh token, its lifetime and the user', async () => {
  const user = await t.createUser(['patient']);
  const res = await login(user.email.toUpperCase(), user.password);
  assert.equal(res.status, 200);
  assert.match(res.body.accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.ok(res.body.refreshToken.length >= 40);
  assert.equal(res.body.expiresIn, 900);
  assert.equal(res.body.user.id, user.id);
  assert.deepEqual(res.body.user.roles, ['patient']);
  assert.equal('passwordHash' in res.body.user, false);
  const me = await t.api('GET', '/api/v1/me', { token: res.body.accessToken });
  assert.equal(me.status, 200);
  assert.equal(me.body.email, user.email);
});

test('a wrong password and an unknown email both answer the same 401 invalid_credentials problem', async () => {
  const user = await t.createUser();
  const wrong = await login(user.email, 'not-the-password');
  const unknown = await login('nobody-here@example.test', 'not-the-password');
  for (const res of [wrong, unknown]) {
    assert.equal(res.status, 401);
    assert.match(res.headers.get('content-type')!, /^application\/problem\+json/);
    assert.equal(res.body.code, 'invalid_credentials');
    assert.equal(res.body.status, 401);
  }
  assert.equal(wrong.body.detail, unknown.body.detail);
});

test('a successful sign-in clears the count of earlier failures', async () => {
  const user = await t.createUser();
  for (let i = 0; i < 2; i++) assert.equal((await login(user.email, 'wrong-password')).status, 401);
  assert.equal((await login(user.email, user.password)).status, 200);
  for (let i = 0; i < 2; i++) assert.equal((await login(user.email, 'wrong-password')).status, 401);
  assert.equal((await login(user.email, user.password)).status, 200, 'two failures after a success do not lock');
});

test('after ATRIUM_LOCKOUT_THRESHOLD failures the account answers 429 with Retry-After, even to the right password, until an admin unlocks it', async () => {
  const admin = await t.createUser(['admin']);
  const user = await t.createUser();
  for (let i = 0; i < 3; i++) assert.equal((await login(user.email, 'wrong-password')).status, 401);

  const locked = await login(user.email, user.password);
  assert.equal(locked.status, 429);
  assert.equal(locked.body.code, 'too_many_failed_attempts');
  const retryAfter = Number(locked.headers.get('retry-after'));
  assert.ok(retryAfter > 14 * 60 && retryAfter <= 15 * 60, `Retry-After ${retryAfter} s is about 15 minutes`);

  const unlock = await t.api('POST', `/api/v1/users/${user.id}/unlock`, { token: admin.token, body: {} });
  assert.equal(unlock.status, 200);
  assert.equal((await login(user.email, user.password)).status, 200);
});

test('an admin lock ends the user\'s sessions at once, and sign-in is refused until an admin unlocks the account', async () => {
  const admin = await t.createUser(['admin']);
  const user = await t.createUser();
  assert.equal((await t.api('GET', '/api/v1/me', { token: user.token })).status, 200);

  const lock = await t.api('POST', `/api/v1/users/${user.id}/lock`, { token: admin.token, body: { reason: 'lost phone' } });
  assert.equal(lock.status, 200);
  assert.equal(lock.body.status, 'locked');

  const me = await t.api('GET', '/api/v1/me', { token: user.token });
  assert.equal(me.status, 401);
  assert.equal(me.body.code, 'invalid_token');
  const refresh = await t.api('POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } });
  assert.equal(refresh.status, 401);
  const refused = await login(user.email, user.password);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'account_locked');

  const unlock = await t.api('POST', `/api/v1/users/${user.id}/unlock`, { token: admin.token });
  assert.equal(unlock.status, 200, JSON.stringify(unlock.body));
  assert.equal(unlock.body.status, 'active');
  assert.equal((await login(user.email, user.password)).status, 200);
});

test('an admin cannot lock their own account', async () => {
  const admin = await t.createUser(['admin']);
  const res = await t.api('POST', `/api/v1/users/${admin.id}/lock`, { token: admin.token, body: {} });
  assert.equal(res.status, 422);
  assert.equal(res.body.code, 'cannot_lock_self');
});
