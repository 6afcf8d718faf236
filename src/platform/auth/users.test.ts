import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp, type TestUser } from '../../../test/helpers/app.js';

let t: TestApp;
let admin: TestUser;
before(async () => {
  t = await startTestApp();
  admin = await t.createUser(['admin'], { email: 'first-admin@example.test' });
});
after(async () => { await t.close(); });

const MISSING = '01890000-0000-7000-8000-000000000000';

test('an admin creates an account with roles; its owner signs in with them', async () => {
  const res = await t.api('POST', '/api/v1/users', {
    token: admin.token, body: { email: 'Dr.Who@Example.test', displayName: 'Dr Who', password: 'tardis-blue-box', roles: ['clinician', 'caregiver'] },
  });
  assert.equal(res.status, 201);
  assert.equal(res.body.email, 'dr.who@example.test');
  assert.deepEqual(res.body.roles, ['caregiver', 'clinician']);
  const login = await t.api('POST', '/api/v1/auth/login', { body: { email: 'dr.who@example.test', password: 'tardis-blue-box' } });
  assert.deepEqual(login.body.user.roles, ['caregiver', 'clinician']);
  const again = await t.api('POST', '/api/v1/users', {
    token: admin.token, body: { email: 'dr.who@example.test', displayName: 'Dr Who', password: 'tardis-blue-box', roles: ['patient'] },
  });
  assert.equal(again.status, 409);
  const noRoles = await t.api('POST', '/api/v1/users', { token: admin.token, body: { email: 'x@example.test', displayName: 'X', password: 'tardis-blue-box', roles: [] } });
  assert.equal(noRoles.status, 400);
  const badRole = await t.api('POST', '/api/v1/users', { token: admin.token, body: { email: 'y@example.test', displayName: 'Y', password: 'tardis-blue-box', roles: ['overlord'] } });
  assert.equal(badRole.status, 400);
  assert.equal(badRole.body.errors[0].path, 'body.roles[0]');
});

test('users are found by part of their email or name, and by role', async () => {
  await t.createUser(['buyer'], { email: 'margaret.hamilton@apollo.test', displayName: 'Margaret Hamilton' });
  await t.createUser(['buyer', 'manager'], { email: 'katherine@nasa.test', displayName: 'Katherine Johnson' });
  const search = await t.api('GET', '/api/v1/users?search=HAMILTON', { token: admin.token });
  assert.deepEqual(search.body.items.map((u: { email: string }) => u.email), ['margaret.hamilton@apollo.test']);
  const byName = await t.api('GET', '/api/v1/users?search=johnson', { token: admin.token });
  assert.deepEqual(byName.body.items.map((u: { email: string }) => u.email), ['katherine@nasa.test']);
  const managers = await t.api('GET', '/api/v1/users?role=manager', { token: admin.token });
  assert.deepEqual(managers.body.items.map((u: { email: string }) => u.email), ['katherine@nasa.test']);
  const buyers = await t.api('GET', '/api/v1/users?role=buyer&search=a', { token: admin.token });
  assert.equal(buyers.body.items.length, 2);
  const wildcard = await t.api('GET', `/api/v1/users?search=${encodeURIComponent('%')}`, { token: admin.token });
  assert.equal(wildcard.body.items.length, 0, '% is searched literally');
  const badRole = await t.api('GET', '/api/v1/users?role=overlord', { token: admin.token });
  assert.equal(badRole.status, 400);
  assert.equal(badRole.body.errors[0].path, 'query.role');
});

test('the user list pages with a cursor: every user once, newest first, and the last page has no next cursor', async () => {
  const created: string[] = [];
  for (let i = 0; i < 5; i++) created.push((await t.createUser(['staff'], { displayName: `Pager ${i}` })).id);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = `role=staff&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await t.api('GET', `/api/v1/users?${query}`, { token: admin.token });
    assert.equal(res.status, 200);
    assert.ok(res.body.items.length <= 2);
    seen.push(...res.body.items.map((u: { id: string }) => u.id));
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor);
  assert.equal(pages, 3);
  assert.deepEqual(seen, [...created].reverse());
});

test('a cursor this API did not give answers 400 invalid_cursor', async () => {
  for (const cursor of ['not-a-cursor', Buffer.from('{"id":1}').toString('base64url'), Buffer.from('["x"]').toString('base64url')]) {
    const res = await t.api('GET', `/api/v1/users?cursor=${cursor}`, { token: admin.token });
    assert.equal(res.status, 400, cursor);
    assert.equal(res.body.code, 'invalid_cursor');
    assert.deepEqual(res.body.errors, [{ path: 'query.cursor', message: 'is invalid' }]);
  }
  const tooBig = await t.api('GET', '/api/v1/users?limit=1000', { token: admin.token });
  assert.equal(tooBig.status, 400);
  assert.equal(tooBig.body.errors[0].path, 'query.limit');
});

test('an admin grants and revokes a role; revoking closes the user\'s sessions so the role is gone at once', async () => {
  const user = await t.createUser(['patient']);
  const grant = await t.api('POST', `/api/v1/users/${user.id}/roles`, { token: admin.token, body: { role: 'buyer' } });
  assert.equal(grant.status, 200);
  assert.deepEqual(grant.body.roles, ['buyer', 'patient']);
  const twice = await t.api('POST', `/api/v1/users/${user.id}/roles`, { token: admin.token, body: { role: 'buyer' } });
  assert.deepEqual(twice.body.roles, ['buyer', 'patient'], 'granting twice changes nothing');

  const revoke = await t.api('DELETE', `/api/v1/users/${user.id}/roles/buyer`, { token: admin.token });
  assert.equal(revoke.status, 200);
  assert.deepEqual(revoke.body.roles, ['patient']);
  assert.equal((await t.api('GET', '/api/v1/me', { token: user.token })).status, 401, 'the token that carried the role no longer works');
  const login = await t.api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
  assert.deepEqual(login.body.user.roles, ['patient']);
});

test('revoking the last active admin is refused with 422; with a second admin it works', async () => {
  const alone = await t.api('DELETE', `/api/v1/users/${admin.id}/roles/admin`, { token: admin.token });
  assert.equal(alone.status, 422);
  assert.equal(alone.body.code, 'last_admin');

  const second = await t.createUser(['admin']);
  const res = await t.api('DELETE', `/api/v1/users/${second.id}/roles/admin`, { token: admin.token });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.roles, []);
});

test('a non-admin gets 403 on every admin route; without a token 401', async () => {
  const user = await t.createUser(['clinician', 'manager']);
  const calls: [string, string, unknown?][] = [
    ['GET', '/api/v1/users'], ['GET', `/api/v1/users/${admin.id}`],
    ['POST', '/api/v1/users', { email: 'z@example.test', displayName: 'Z', password: 'tardis-blue-box', roles: ['admin'] }],
    ['POST', `/api/v1/users/${user.id}/roles`, { role: 'admin' }], ['DELETE', `/api/v1/users/${admin.id}/roles/admin`],
    ['POST', `/api/v1/users/${admin.id}/lock`], ['POST', `/api/v1/users/${user.id}/unlock`],
  ];
  for (const [method, path, body] of calls) {
    const res = await t.api(method, path, { token: user.token, body });
    assert.equal(res.status, 403, `${method} ${path}`);
    assert.equal(res.body.code, 'role_required');
    assert.equal((await t.api(method, path, { body })).status, 401, `${method} ${path} without a token`);
  }
  const me = await t.api('GET', '/api/v1/me', { token: user.token });
  assert.deepEqual(me.body.roles, ['clinician', 'manager'], 'nothing was granted');
});

test('an unknown user id answers 404 on every admin route', async () => {
  const calls: [string, string, unknown?][] = [
    ['GET', `/api/v1/users/${MISSING}`], ['POST', `/api/v1/users/${MISSING}/roles`, { role: 'buyer' }],
    ['DELETE', `/api/v1/users/${MISSING}/roles/buyer`], ['POST', `/api/v1/users/${MISSING}/lock`], ['POST', `/api/v1/users/${MISSING}/unlock`],
  ];
  for (const [method, path, body] of calls) {
    const res = await t.api(method, path, { token: admin.token, body });
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.equal(res.body.code, 'user_not_found');
  }
  const malformed = await t.api('GET', '/api/v1/users/not-a-uuid', { token: admin.token });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.errors[0].path, 'params.id');
});

test('a locked admin does not count as an active admin', async () => {
  const deputy = await t.createUser(['admin']);
  assert.equal((await t.api('POST', `/api/v1/users/${admin.id}/lock`, { token: deputy.token })).status, 200);
  const stepDown = await t.api('DELETE', `/api/v1/users/${deputy.id}/roles/admin`, { token: deputy.token });
  assert.equal(stepDown.status, 422);
  assert.equal(stepDown.body.code, 'last_admin');
  assert.equal((await t.api('POST', `/api/v1/users/${admin.id}/unlock`, { token: deputy.token })).status, 200);
  assert.equal((await t.api('DELETE', `/api/v1/users/${deputy.id}/roles/admin`, { token: deputy.token })).status, 200);
});
