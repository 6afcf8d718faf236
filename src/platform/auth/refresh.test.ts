import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from './tokens.js';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t.close(); });

const refresh = (refreshToken: string) => t.api('POST', '/api/v1/auth/refresh', { body: { refreshToken } });
const me = (token: string) => t.api('GET', '/api/v1/me', { token });

test('a refresh token trades for a new pair in the same session, and the new tokens work', async () => {
  const user = await t.createUser();
  const res = await refresh(user.refreshToken);
  assert.equal(res.status, 200);
  assert.notEqual(res.body.refreshToken, user.refreshToken);
  assert.equal(res.body.user.id, user.id);
  assert.equal((await me(res.body.accessToken)).status, 200);
  const second = await refresh(res.body.refreshToken);
  assert.equal(second.status, 200, 'the rotated token works once too');
  const sessions = await t.api('GET', '/api/v1/me/sessions', { token: second.body.accessToken });
  assert.equal(sessions.body.items.length, 1, 'rotation stays in one session');
});

test('a refresh token used twice revokes its whole session: the newer refresh token and the access tokens stop working', async () => {
  const user = await t.createUser();
  const rotated = await refresh(user.refreshToken);
  assert.equal(rotated.status, 200);

  const reuse = await refresh(user.refreshToken);
  assert.equal(reuse.status, 401);
  assert.equal(reuse.body.code, 'refresh_token_reused');

  const newer = await refresh(rotated.body.refreshToken);
  assert.equal(newer.status, 401);
  assert.equal(newer.body.code, 'invalid_refresh_token');
  for (const token of [user.token, rotated.body.accessToken]) {
    const res = await me(token);
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'invalid_token');
  }
});

test('reuse revokes only the family it belongs to: the user\'s other sessions go on', async () => {
  const user = await t.createUser();
  const other = await t.api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
  await refresh(user.refreshToken);
  assert.equal((await refresh(user.refreshToken)).status, 401);
  assert.equal((await me(other.body.accessToken)).status, 200);
  assert.equal((await refresh(other.body.refreshToken)).status, 200);
});

test('a refresh picks up roles granted since sign-in', async () => {
  const admin = await t.createUser(['admin']);
  const user = await t.createUser(['patient']);
  assert.equal((await t.api('POST', `/api/v1/users/${user.id}/roles`, { token: admin.token, body: { role: 'caregiver' } })).status, 200);
  const res = await refresh(user.refreshToken);
  assert.deepEqual(res.body.user.roles, ['caregiver', 'patient']);
  const payload = JSON.parse(Buffer.from(res.body.accessToken.split('.')[1], 'base64url').toString());
  assert.deepEqual([...payload.roles].sort(), ['caregiver', 'patient']);
});

test('an unknown refresh token answers 401 invalid_refresh_token', async () => {
  const res = await refresh('x'.repeat(43));
  assert.equal(res.status, 401);
  assert.equal(res.body.code, 'invalid_refresh_token');
});

test('logout ends the session: its access token answers 401 invalid_token and its refresh token no longer works', async () => {
  const user = await t.createUser();
  const out = await t.api('POST', '/api/v1/auth/logout', { token: user.token });
  assert.equal(out.status, 204);
  const after = await me(user.token);
  assert.equal(after.status, 401);
  assert.equal(after.body.code, 'invalid_token');
  assert.equal((await refresh(user.refreshToken)).status, 401);
});

test('a malformed or forged access token answers 401 invalid_token, no token at all 401 unauthorized', async () => {
  const user = await t.createUser();
  const [header, payload] = user.token.split('.');
  const forged = `${header}.${payload}.${'A'.repeat(43)}`;
  for (const token of ['garbage', forged]) {
    const res = await me(token);
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'invalid_token');
  }
  const none = await t.api('GET', '/api/v1/me');
  assert.equal(none.status, 401);
  assert.equal(none.body.code, 'unauthorized');
});

test('refresh tokens are stored only as hashes, and access tokens live 15 minutes', async () => {
  const user = await t.createUser();
  const stored = await t.db.db.selectFrom('platform.refresh_tokens').select('token_hash').where('token_hash', 'in', [user.refreshToken, sha256(user.refreshToken)]).execute();
  assert.deepEqual(stored, [{ token_hash: sha256(user.refreshToken) }]);
  const claims = JSON.parse(Buffer.from(user.token.split('.')[1], 'base64url').toString());
  assert.equal(claims.exp - claims.iat, 900);
  assert.equal(claims.sub, user.id);
  assert.deepEqual(claims.roles, ['patient']);
});
