import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { recordAudit } from './writer.js';
import { startTestApp, type TestApp, type TestUser } from '../../../test/helpers/app.js';

let t: TestApp;
let admin: TestUser;
before(async () => {
  t = await startTestApp();
  admin = await t.createUser(['admin']);
});
after(async () => { await t.close(); });

const list = (query: string, token = admin.token) => t.api('GET', `/api/v1/audit-events?${query}`, { token });

test('identity mutations are audited with actor, ip, request id and a diff that holds no credential', async () => {
  const email = `audited-${Date.now()}@example.test`;
  const password = 'first-secret-passphrase';
  const reg = await t.api('POST', '/api/v1/auth/register', { body: { email, password, displayName: 'Audited' }, headers: { 'x-request-id': 'audit-register' } });
  const userId = reg.body.user.id;
  const token = reg.body.accessToken;
  await t.api('PATCH', '/api/v1/me', { token, body: { displayName: 'Renamed', locale: 'fr' }, headers: { 'x-request-id': 'audit-patch' } });
  await t.api('POST', '/api/v1/me/password', { token, body: { currentPassword: password, newPassword: 'second-secret-passphrase' } });
  const refreshed = await t.api('POST', '/api/v1/auth/refresh', { body: { refreshToken: reg.body.refreshToken } });
  await t.api('POST', '/api/v1/auth/password/forgot', { body: { email } });
  const resetToken = t.mail.sent.at(-1)!.data.token;
  await t.api('POST', '/api/v1/auth/password/reset', { body: { token: resetToken, password: 'third-secret-passphrase' } });
  await t.api('POST', `/api/v1/users/${userId}/roles`, { token: admin.token, body: { role: 'buyer' } });

  const res = await list(`entity=user&entityId=${userId}&limit=50`);
  assert.equal(res.status, 200);
  const byAction = new Map(res.body.items.map((e: { action: string }) => [e.action, e]));
  for (const action of ['user.registered', 'user.profile_updated', 'auth.password_changed', 'auth.password_reset_requested', 'auth.password_reset', 'user.role_granted']) {
    assert.ok(byAction.has(action), `${action} recorded`);
  }
  const registered: any = byAction.get('user.registered');
  assert.equal(registered.actorId, userId);
  assert.equal(registered.requestId, 'audit-register');
  assert.match(registered.ip, /127\.0\.0\.1$/);
  assert.deepEqual(registered.diff, { email, displayName: 'Audited', roles: ['patient'] });
  const patched: any = byAction.get('user.profile_updated');
  assert.equal(patched.requestId, 'audit-patch');
  assert.deepEqual(patched.diff, { displayName: ['Audited', 'Renamed'], locale: ['en', 'fr'] });
  const granted: any = byAction.get('user.role_granted');
  assert.equal(granted.actorId, admin.id);
  assert.equal(granted.actorEmail, admin.email);
  assert.deepEqual(granted.diff, { role: 'buyer' });

  const everything = JSON.stringify((await sql`select * from platform.audit_events`.execute(t.db.db)).rows);
  for (const secret of [password, 'second-secret-passphrase', 'third-secret-passphrase', reg.body.refreshToken, refreshed.body.refreshToken, token, resetToken]) {
    assert.ok(!everything.includes(secret), 'no password or token is stored in the audit trail');
  }
});

test('events filter by actor, by action or action prefix, and by entity', async () => {
  const user = await t.createUser();
  await t.api('POST', '/api/v1/auth/login', { body: { email: user.email, password: 'wrong-password' } });
  await t.api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
  await t.api('POST', '/api/v1/auth/logout', { token: user.token });

  const mine = await list(`actorId=${user.id}&limit=50`);
  assert.ok(mine.body.items.length >= 3);
  assert.ok(mine.body.items.every((e: { actorId: string }) => e.actorId === user.id));

  const auth = await list(`actorId=${user.id}&action=${encodeURIComponent('auth.*')}`);
  assert.deepEqual(auth.body.items.map((e: { action: string }) => e.action).sort(), ['auth.login_failed', 'auth.signed_in', 'auth.signed_in', 'auth.signed_out']);
  const exact = await list(`actorId=${user.id}&action=auth.signed_out`);
  assert.deepEqual(exact.body.items.map((e: { action: string; entity: string; entityId: string }) => [e.action, e.entity, e.entityId]), [['auth.signed_out', 'session', exact.body.items[0].entityId]]);
  const literal = await list(`action=${encodeURIComponent('auth_%*')}`);
  assert.deepEqual(literal.body.items, [], '% and _ in a prefix are matched literally');
  const sessions = await list(`entity=session&actorId=${user.id}`);
  assert.ok(sessions.body.items.every((e: { entity: string }) => e.entity === 'session'));
});

test('events filter by time: from is inclusive, to is exclusive', async () => {
  for (const day of ['2020-01-01', '2020-01-02', '2020-01-03']) {
    await recordAudit(t.db.db, { actorId: null, ip: null, requestId: null }, { action: 'probe.dated', entity: 'probe', entityId: day });
    await sql`update platform.audit_events set at = ${`${day}T12:00:00Z`}::timestamptz where entity_id = ${day}`.execute(t.db.db);
  }
  const res = await list(`entity=probe&from=${encodeURIComponent('2020-01-02T00:00:00Z')}&to=${encodeURIComponent('2020-01-03T12:00:00Z')}`);
  assert.deepEqual(res.body.items.map((e: { entityId: string }) => e.entityId), ['2020-01-02']);
  assert.equal(res.body.items[0].at, '2020-01-02T12:00:00.000Z');
  const bad = await list('from=yesterday');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errors[0].path, 'query.from');
});

test('events page newest first with a cursor, each once', async () => {
  for (let i = 0; i < 5; i++) await recordAudit(t.db.db, { actorId: null, ip: null, requestId: null }, { action: 'probe.paged', entity: 'pager', entityId: String(i) });
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await list(`entity=pager&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(res.status, 200);
    seen.push(...res.body.items.map((e: { entityId: string }) => e.entityId));
    cursor = res.body.nextCursor;
  } while (cursor);
  assert.deepEqual(seen, ['4', '3', '2', '1', '0']);
  assert.equal((await list('cursor=garbage')).body.code, 'invalid_cursor');
});

test('one event can be read by id; an unknown id answers 404', async () => {
  const [first] = (await list('limit=1')).body.items;
  const one = await t.api('GET', `/api/v1/audit-events/${first.id}`, { token: admin.token });
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, first);
  const missing = await t.api('GET', '/api/v1/audit-events/01890000-0000-7000-8000-000000000000', { token: admin.token });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.code, 'audit_event_not_found');
});

test('only admins read the audit trail', async () => {
  const clinician = await t.createUser(['clinician', 'manager']);
  const res = await list('', clinician.token);
  assert.equal(res.status, 403);
  assert.equal((await t.api('GET', '/api/v1/audit-events')).status, 401);
});
