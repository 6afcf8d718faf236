import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t.close(); });

let n = 0;
const email = () => `reg-${++n}-${Date.now()}@example.test`;
const register = (body: unknown) => t.api('POST', '/api/v1/auth/register', { body });

test('registering creates a patient account and signs it in', async () => {
  const address = email();
  const res = await register({ email: address, password: 'a-long-passphrase', displayName: 'Ada' });
  assert.equal(res.status, 201);
  assert.deepEqual(res.body.user.roles, ['patient']);
  assert.equal(res.body.user.email, address);
  assert.equal(res.body.user.displayName, 'Ada');
  assert.ok(res.body.accessToken && res.body.refreshToken);
  const me = await t.api('GET', '/api/v1/me', { token: res.body.accessToken });
  assert.deepEqual(me.body.roles, ['patient']);
});

test('self-registration cannot ask for roles: an extra field is refused with 400 naming it', async () => {
  const address = email();
  const res = await register({ email: address, password: 'a-long-passphrase', displayName: 'Eve', roles: ['admin'], isAdmin: true });
  assert.equal(res.status, 400);
  assert.equal(res.body.code, 'validation_failed');
  const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
  assert.deepEqual(paths, ['body.isAdmin', 'body.roles']);
  const login = await t.api('POST', '/api/v1/auth/login', { body: { email: address, password: 'a-long-passphrase' } });
  assert.equal(login.status, 401, 'no account was created');
});

test('each bad field of a registration is listed: malformed email, short password, missing name', async () => {
  const res = await register({ email: 'not-an-email', password: 'short' });
  assert.equal(res.status, 400);
  const byPath = Object.fromEntries(res.body.errors.map((e: { path: string; message: string }) => [e.path, e.message]));
  assert.ok(byPath['body.email'], 'email listed');
  assert.ok(byPath['body.password'], 'password listed');
  assert.equal(byPath['body.displayName'], 'is required');
});

test('a password equal to the email or with fewer than 4 different characters is refused', async () => {
  const address = email();
  const same = await register({ email: address, password: address.toUpperCase(), displayName: 'Sam' });
  assert.equal(same.status, 400);
  assert.deepEqual(same.body.errors, [{ path: 'body.password', message: 'must not be your email address' }]);
  const repetitive = await register({ email: address, password: 'abababababab', displayName: 'Sam' });
  assert.equal(repetitive.status, 400);
  assert.equal(repetitive.body.errors[0].path, 'body.password');
  const tooLong = await register({ email: address, password: 'x'.repeat(201), displayName: 'Sam' });
  assert.equal(tooLong.status, 400);
});

test('an email already registered, in any letter case, answers 409 email_taken', async () => {
  const address = email();
  assert.equal((await register({ email: address, password: 'a-long-passphrase', displayName: 'One' })).status, 201);
  const again = await register({ email: address.toUpperCase(), password: 'another-passphrase', displayName: 'Two' });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'email_taken');
});

test('passwords are stored as argon2id hashes, never as given', async () => {
  const address = email();
  const res = await register({ email: address.toUpperCase(), password: 'stored-as-a-hash', displayName: 'Hash' });
  assert.equal(res.status, 201);
  const row = await t.db.db.selectFrom('platform.users').select(['email', 'password_hash']).where('id', '=', res.body.user.id).executeTakeFirstOrThrow();
  assert.equal(row.email, address, 'emails are kept in lower case');
  assert.match(row.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.ok(!row.password_hash.includes('stored-as-a-hash'));
});
