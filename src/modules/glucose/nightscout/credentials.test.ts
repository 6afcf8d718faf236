import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { TestApp } from '../../../../test/helpers/app.js';
import { link, nightscoutUploader, startGlucoseApp } from '../testing.js';

let t: TestApp;
// Behind a trusted proxy each test can speak from its own address, so the failed-attempt limit of one test does not block another.
before(async () => { t = await startGlucoseApp({ TRUST_PROXY: 'true' }); });
after(async () => { await t.close(); });

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const probe = (apiSecret: string, ip = '192.0.2.1') => t.api('GET', '/api/v1/experiments/test', { headers: { 'api-secret': apiSecret, 'x-forwarded-for': ip } });

test('the secret is 24 base62 characters shown once; the uploader authenticates with its SHA-1 (any case)', async () => {
  const p = await t.createUser(['patient']);
  const created = await t.api('POST', '/api/v1/glucose/patients/me/upload-credentials', { token: p.token, body: {} });
  assert.equal(created.status, 201);
  assert.match(created.body.secret, /^[A-Za-z0-9]{24}$/);
  assert.equal(created.body.sha1, sha1(created.body.secret));
  assert.equal(created.body.baseUrl, t.config.publicUrl);
  assert.equal((await probe(created.body.sha1)).status, 200);
  assert.equal((await probe(created.body.sha1.toUpperCase())).status, 200);
  const status = await t.api('GET', '/api/v1/glucose/patients/me/upload-credentials', { token: p.token });
  assert.equal(status.body.exists, true);
  assert.equal(JSON.stringify(status.body).includes(created.body.secret), false);
  assert.ok(status.body.lastUsedAt);
  const row = await t.db.db.selectFrom('glucose.upload_credentials').selectAll().where('patient_id', '=', p.id).executeTakeFirstOrThrow();
  assert.equal(row.secret_lookup!.length, 32, 'only an HMAC is stored');
  assert.equal(row.secret_lookup!.toString('hex').includes(created.body.sha1), false);
});

test('a wrong api-secret answers 401 invalid_api_secret; ten failures a minute from one address answer 429 with Retry-After', async () => {
  const wrong = sha1('not-a-secret');
  const first = await probe(wrong, '203.0.113.9');
  assert.equal(first.status, 401);
  assert.equal(first.body.code, 'invalid_api_secret');
  for (let i = 1; i < 10; i++) assert.equal((await probe(wrong, '203.0.113.9')).status, 401);
  const blocked = await probe(wrong, '203.0.113.9');
  assert.equal(blocked.status, 429);
  assert.ok(Number(blocked.headers.get('retry-after')) > 0);
  assert.equal((await t.api('GET', '/api/v1/experiments/test')).status, 401, 'no secret at all: 401');
});

test('rotation with keepPreviousForHours keeps the old secret valid for that time only; revocation ends both', async () => {
  const p = await t.createUser(['patient']);
  const first = await nightscoutUploader(t, p);
  const rotated = await t.api('POST', '/api/v1/glucose/patients/me/upload-credentials', { token: p.token, body: { keepPreviousForHours: 2 } });
  assert.equal((await probe(rotated.body.sha1)).status, 200);
  assert.equal((await probe(first.sha1)).status, 200, 'old secret still valid during the changeover');
  await t.db.db.updateTable('glucose.upload_credentials').set({ previous_valid_until: new Date(Date.now() - 1000) }).where('patient_id', '=', p.id).execute();
  await new Promise((r) => setTimeout(r, 5100)); // past the 5 s lookup cache of this process
  assert.equal((await probe(first.sha1)).status, 401, 'after the changeover window');
  const again = await t.api('POST', '/api/v1/glucose/patients/me/upload-credentials', { token: p.token, body: {} });
  assert.equal((await probe(rotated.body.sha1)).status, 401, 'rotation without keepPreviousForHours ends the old secret at once');
  assert.equal((await t.api('DELETE', '/api/v1/glucose/patients/me/upload-credentials', { token: p.token })).status, 204);
  assert.equal((await probe(again.body.sha1)).status, 401);
  const audit = await t.db.db.selectFrom('platform.audit_events').select('action').where('entity_id', '=', p.id).where('action', 'like', 'glucose.upload_secret.%').execute();
  assert.deepEqual(audit.map((a) => a.action).sort(), ['glucose.upload_secret.created', 'glucose.upload_secret.revoked', 'glucose.upload_secret.rotated', 'glucose.upload_secret.rotated']);
});

test('only the patient and admins manage the secret; a caregiver gets 403 and a stranger 404', async () => {
  const p = await t.createUser(['patient']);
  const caregiver = await t.createUser(['caregiver']);
  const stranger = await t.createUser(['patient']);
  const admin = await t.createUser(['admin']);
  await link(t, p, caregiver);
  assert.equal((await t.api('POST', `/api/v1/glucose/patients/${p.id}/upload-credentials`, { token: caregiver.token, body: {} })).status, 403);
  assert.equal((await t.api('GET', `/api/v1/glucose/patients/${p.id}/upload-credentials`, { token: stranger.token })).status, 404);
  assert.equal((await t.api('POST', `/api/v1/glucose/patients/${p.id}/upload-credentials`, { token: admin.token, body: {} })).status, 201);
});

test('status.json works without a secret and gives the patient thresholds with one; verifyauth always answers 200', async () => {
  const p = await t.createUser(['patient']);
  const up = await nightscoutUploader(t, p);
  const anonymous = await t.api('GET', '/api/v1/status.json');
  assert.equal(anonymous.status, 200);
  assert.equal(anonymous.body.status, 'ok');
  assert.equal(anonymous.body.authorized, false);
  assert.deepEqual(anonymous.body.settings.thresholds, { bgHigh: 250, bgTargetTop: 180, bgTargetBottom: 70, bgLow: 54 });
  await t.db.db.insertInto('glucose.alert_settings').values({ patient_id: p.id, low: 75, high: 170 }).execute();
  const mine = await up.call('GET', '/api/v1/status.json');
  assert.equal(mine.body.authorized, true);
  assert.deepEqual(mine.body.settings.thresholds, { bgHigh: 250, bgTargetTop: 170, bgTargetBottom: 75, bgLow: 54 });
  assert.equal(mine.body.settings.units, 'mg/dl');
  const ok = await up.call('GET', '/api/v1/verifyauth');
  assert.equal(ok.body.message.message, 'OK');
  const bad = await t.api('GET', '/api/v1/verifyauth', { headers: { 'api-secret': sha1('nope'), 'x-forwarded-for': '198.51.100.7' } });
  assert.equal(bad.status, 200);
  assert.equal(bad.body.message.message, 'UNAUTHORIZED');
});
