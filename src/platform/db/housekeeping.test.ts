import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { purgeSpentRows } from './housekeeping.js';
import { sha256 } from '../auth/tokens.js';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t.close(); });

const sessionOf = (jwt: string): string => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()).sid;
const age = (table: string, column: string, interval: string, where: string, value: string) =>
  sql`update ${sql.table(table)} set ${sql.ref(column)} = now() - ${interval}::interval where ${sql.ref(where)} = ${value}`.execute(t.db.db);

test('spent rows are purged, and rows still in use are kept', async () => {
  const active = await t.createUser();
  const ended = await t.createUser();
  const endedSession = sessionOf(ended.token);
  await t.api('POST', '/api/v1/auth/logout', { token: ended.token });
  await age('platform.sessions', 'revoked_at', '31 days', 'id', endedSession);

  const rotated = await t.api('POST', '/api/v1/auth/refresh', { body: { refreshToken: active.refreshToken } });
  await age('platform.refresh_tokens', 'used_at', '31 days', 'token_hash', sha256(active.refreshToken));

  await t.db.db.insertInto('platform.idempotency_keys').values([{ scope: 'ip:1', key: 'old', request_hash: 'h' }, { scope: 'ip:1', key: 'new', request_hash: 'h' }]).execute();
  await age('platform.idempotency_keys', 'created_at', '25 hours', 'key', 'old');

  await t.api('POST', '/api/v1/auth/password/forgot', { body: { email: active.email } });
  await age('platform.password_reset_tokens', 'expires_at', '2 days', 'user_id', active.id);

  const purged = await purgeSpentRows(t.db.db, 30);
  assert.deepEqual(purged, { idempotencyKeys: 1, resetTokens: 1, refreshTokens: 1, sessions: 1 });

  assert.equal((await t.api('GET', '/api/v1/me', { token: rotated.body.accessToken })).status, 200, 'the live session goes on');
  assert.equal((await t.api('POST', '/api/v1/auth/refresh', { body: { refreshToken: rotated.body.refreshToken } })).status, 200);
  const keys = await t.db.db.selectFrom('platform.idempotency_keys').select('key').where('scope', '=', 'ip:1').execute();
  assert.deepEqual(keys, [{ key: 'new' }]);
  assert.deepEqual(await purgeSpentRows(t.db.db, 30), { idempotencyKeys: 0, resetTokens: 0, refreshTokens: 0, sessions: 0 });
});

test('the purge is scheduled hourly as a platform job', async () => {
  const admin = await t.createUser(['admin']);
  const res = await t.api('GET', '/api/v1/jobs/schedules', { token: admin.token });
  assert.equal(res.status, 200);
  const schedule = res.body.find((s: { key: string }) => s.key === 'platform.housekeeping');
  assert.ok(schedule, 'listed with the schedules');
  assert.equal(schedule.cron, '23 * * * *');
  assert.equal(schedule.timezone, 'UTC');
  assert.equal(schedule.enabled, true);
});
