import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';
import { createTestDatabase, type TestDatabase } from '../src/platform/db/test-database.js';
import { hashPassword } from '../src/platform/auth/passwords.js';
import type { App } from '../src/platform/types.js';
import { apiClient } from './helpers/app.js';
import { startProviders, waitFor, PUBLIC_URL, type Providers } from './fakes/providers.js';
import { subjectOf, textOf } from './fakes/smtp.js';

// The app as deployed: no test mailer, so the reset mail goes through the outbox's email channel to SMTP.
let db: TestDatabase;
let app: App;
let p: Providers;
let api: ReturnType<typeof apiClient>;
before(async () => {
  p = await startProviders();
  db = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000', ...p.env });
  app = await buildApp({ config, database: db, logger: false, modules: [] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  api = apiClient(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
});
after(async () => {
  await app.close();
  await db.drop();
  await p.stop();
});

test('forgot password: the reset link arrives by SMTP in the user\'s language, works, and is erased from the outbox', async () => {
  const email = 'lea.martin@example.test';
  await db.db.insertInto('platform.users').values({
    email, password_hash: await hashPassword('old-password-123'), display_name: 'Léa', locale: 'fr',
  }).execute();

  const forgot = await api('POST', '/api/v1/auth/password/forgot', { body: { email } });
  assert.equal(forgot.status, 202);
  const mail = await waitFor('the reset mail', async () => p.smtp.received.find((m) => m.to.includes(email)));
  assert.equal(subjectOf(mail), 'Réinitialisez votre mot de passe Atrium');
  const link = /https:\/\/\S+reset-password\?token=(\S+)/.exec(textOf(mail));
  assert.ok(link, 'the mail carries the link');
  assert.ok(link[0].startsWith(`${PUBLIC_URL}/reset-password?token=`));

  const reset = await api('POST', '/api/v1/auth/password/reset', { body: { token: decodeURIComponent(link[1]), password: 'new-password-456' } });
  assert.equal(reset.status, 204);
  const login = await api('POST', '/api/v1/auth/login', { body: { email, password: 'new-password-456' } });
  assert.equal(login.status, 200);

  const row = await db.db.selectFrom('platform.notification_outbox').selectAll().where('address', '=', email).executeTakeFirstOrThrow();
  assert.equal(row.status, 'sent');
  assert.equal(row.template, 'password_reset');
  assert.deepEqual(row.data, { displayName: 'Léa' }, 'no reset link or token is kept once sent');
});

test('an unknown address gets the same answer and no mail', async () => {
  const before = p.smtp.received.length;
  const forgot = await api('POST', '/api/v1/auth/password/forgot', { body: { email: 'nobody@example.test' } });
  assert.equal(forgot.status, 202);
  const rows = await db.db.selectFrom('platform.notification_outbox').select('id').where('address', '=', 'nobody@example.test').execute();
  assert.deepEqual(rows, []);
  assert.equal(p.smtp.received.length, before);
});
