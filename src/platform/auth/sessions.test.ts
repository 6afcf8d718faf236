import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { SessionStatusCache, revokeSession } from './sessions.js';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t.close(); });

const sessionOf = (jwt: string): string => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()).sid;

test('a session revoked by another process stops working once the cache entry is older than its TTL', async () => {
  const user = await t.createUser();
  const sid = sessionOf(user.token);
  let now = 1_000_000;
  const cache = new SessionStatusCache(t.db.db, 5_000, 100_000, () => now);
  assert.equal(await cache.isLive(sid), true);
  await revokeSession(t.db.db, sid, 'logout');
  now += 4_999;
  assert.equal(await cache.isLive(sid), true, 'still trusted from the cache');
  now += 1;
  assert.equal(await cache.isLive(sid), false);
});

test('a revocation announced in this process wins at once, even over a check already in flight', async () => {
  const user = await t.createUser();
  const sid = sessionOf(user.token);
  const cache = new SessionStatusCache(t.db.db, 60_000);
  const inFlight = cache.isLive(sid);
  cache.forget([sid]);
  assert.equal(await inFlight, false);
  assert.equal(await cache.isLive(sid), false);
});

test('an unknown or expired session is not live', async () => {
  const user = await t.createUser();
  const sid = sessionOf(user.token);
  await t.db.db.updateTable('platform.sessions').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', sid).execute();
  const cache = new SessionStatusCache(t.db.db);
  assert.equal(await cache.isLive(sid), false);
  assert.equal(await cache.isLive('01890000-0000-7000-8000-000000000000'), false);
  const res = await t.api('GET', '/api/v1/me', { token: user.token });
  assert.equal(res.status, 401);
});
