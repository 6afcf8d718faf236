import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { ensureAdmin } from './bootstrap.js';
import { loadConfig } from '../config.js';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t.close(); });

test('with no administrator yet, the first one is created from ATRIUM_ADMIN_EMAIL and _PASSWORD, once', async () => {
  const config = loadConfig({ ATRIUM_ADMIN_EMAIL: 'Founder@Example.test', ATRIUM_ADMIN_PASSWORD: 'founder-passphrase' });
  assert.deepEqual(await ensureAdmin(t.db.db, config), { created: true, email: 'founder@example.test' });
  const login = await t.api('POST', '/api/v1/auth/login', { body: { email: 'founder@example.test', password: 'founder-passphrase' } });
  assert.equal(login.status, 200);
  assert.deepEqual(login.body.user.roles, ['admin']);
  const event = await t.db.db.selectFrom('platform.audit_events').selectAll().where('action', '=', 'user.admin_bootstrapped').executeTakeFirstOrThrow();
  assert.equal(event.entity_id, login.body.user.id);

  const other = loadConfig({ ATRIUM_ADMIN_EMAIL: 'someone-else@example.test', ATRIUM_ADMIN_PASSWORD: 'another-passphrase' });
  assert.deepEqual(await ensureAdmin(t.db.db, other), { created: false, email: 'founder@example.test' });
  assert.equal((await t.api('POST', '/api/v1/auth/login', { body: { email: 'someone-else@example.test', password: 'another-passphrase' } })).status, 401);
  assert.equal((await t.api('POST', '/api/v1/auth/login', { body: { email: 'founder@example.test', password: 'founder-passphrase' } })).status, 200, 'a later start changes nothing');
});
