import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t.close(); });

const patch = (token: string, body: unknown) => t.api('PATCH', '/api/v1/me', { token, body });
const paths = (body: { errors: { path: string }[] }) => body.errors.map((e) => e.path).sort();

test('a new profile has the documented defaults', async () => {
  const user = await t.createUser(['patient'], { displayName: 'Grace' });
  const res = await t.api('GET', '/api/v1/me', { token: user.token });
  assert.equal(res.status, 200);
  assert.deepEqual({ ...res.body, id: undefined, email: undefined, createdAt: undefined }, {
    id: undefined, email: undefined, createdAt: undefined,
    displayName: 'Grace', phone: null, locale: 'en', timeZone: 'Europe/Paris', glucoseUnit: 'mg/dL',
    lowThresholdMgdl: 70, highThresholdMgdl: 180, quietHours: null, roles: ['patient'], totpEnabled: false, status: 'active',
  });
  assert.match(res.body.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('every preference can be saved and is read back', async () => {
  const user = await t.createUser();
  const res = await patch(user.token, {
    displayName: '  Linus  ', phone: '+33612345678', locale: 'fr', timeZone: 'America/New_York', glucoseUnit: 'mmol/L',
    lowThresholdMgdl: 80, highThresholdMgdl: 200, quietHours: { start: '22:00', end: '07:00', allowCritical: false },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const me = (await t.api('GET', '/api/v1/me', { token: user.token })).body;
  assert.equal(me.displayName, 'Linus');
  assert.equal(me.phone, '+33612345678');
  assert.equal(me.locale, 'fr');
  assert.equal(me.timeZone, 'America/New_York');
  assert.equal(me.glucoseUnit, 'mmol/L');
  assert.equal(me.lowThresholdMgdl, 80);
  assert.equal(me.highThresholdMgdl, 200);
  assert.deepEqual(me.quietHours, { start: '22:00', end: '07:00', allowCritical: false });

  const cleared = await patch(user.token, { phone: null, quietHours: null });
  assert.equal(cleared.body.phone, null);
  assert.equal(cleared.body.quietHours, null);
  assert.equal(cleared.body.locale, 'fr', 'fields not sent are kept');
});

test('a phone not in E.164, a bad unit, a bad time of day and an unknown field are each listed with 400', async () => {
  const user = await t.createUser();
  const res = await patch(user.token, { phone: '06 12 34 56 78', glucoseUnit: 'mg', quietHours: { start: '25:00', end: '07:00', allowCritical: true }, favouriteColour: 'blue' });
  assert.equal(res.status, 400);
  assert.deepEqual(paths(res.body), ['body.favouriteColour', 'body.glucoseUnit', 'body.phone', 'body.quietHours.start'], 'one entry per bad field');
  const unit = res.body.errors.find((e: { path: string }) => e.path === 'body.glucoseUnit');
  assert.equal(unit.message, 'must be one of: "mg/dL", "mmol/L"');
});

test('an empty change is refused', async () => {
  const user = await t.createUser();
  assert.equal((await patch(user.token, {})).status, 400);
});

test('an unknown time zone and a low threshold not below the high one are refused with the fields named', async () => {
  const user = await t.createUser();
  const res = await patch(user.token, { timeZone: 'Mars/Olympus_Mons', lowThresholdMgdl: 120, highThresholdMgdl: 120 });
  assert.equal(res.status, 422);
  assert.deepEqual(paths(res.body), ['body.lowThresholdMgdl', 'body.timeZone']);
  const againstStored = await patch(user.token, { lowThresholdMgdl: 100, highThresholdMgdl: 150 });
  assert.equal(againstStored.status, 200);
  const res2 = await patch(user.token, { lowThresholdMgdl: 120 });
  assert.equal(res2.status, 200);
  const res3 = await patch(user.token, { highThresholdMgdl: 120 });
  assert.equal(res3.status, 422, 'the stored low threshold counts when only the high one is sent');
});

test('changing the email needs the current password, and a taken email answers 409', async () => {
  const user = await t.createUser();
  const other = await t.createUser();
  const address = `renamed-${Date.now()}@example.test`;
  const without = await patch(user.token, { email: address });
  assert.equal(without.status, 422);
  assert.deepEqual(paths(without.body), ['body.currentPassword']);
  const wrong = await patch(user.token, { email: address, currentPassword: 'not-the-password' });
  assert.equal(wrong.status, 422);
  const taken = await patch(user.token, { email: other.email.toUpperCase(), currentPassword: user.password });
  assert.equal(taken.status, 409);
  assert.equal(taken.body.code, 'email_taken');
  const ok = await patch(user.token, { email: address.toUpperCase(), currentPassword: user.password });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.email, address);
  const login = await t.api('POST', '/api/v1/auth/login', { body: { email: address, password: user.password } });
  assert.equal(login.status, 200);
  const same = await patch(user.token, { email: address, displayName: 'Same email' });
  assert.equal(same.status, 200, 'sending the unchanged email needs no password');
});

test('my sessions list each signed-in device and marks the current one', async () => {
  const user = await t.createUser();
  await t.api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password }, headers: { 'user-agent': 'PhoneApp/1.0' } });
  const res = await t.api('GET', '/api/v1/me/sessions', { token: user.token });
  assert.equal(res.status, 200);
  assert.equal(res.body.items.length, 2);
  assert.equal(res.body.items.filter((s: { current: boolean }) => s.current).length, 1);
  assert.ok(res.body.items.some((s: { userAgent: string }) => s.userAgent === 'PhoneApp/1.0'));
  for (const s of res.body.items) {
    assert.equal(s.twoFactor, false);
    assert.ok(s.ip);
    assert.ok(Date.parse(s.expiresAt) > Date.now());
  }
});

test('signing out one of my sessions ends it; another user\'s session or an unknown one answers 404', async () => {
  const user = await t.createUser();
  const phone = await t.api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
  const stranger = await t.createUser();
  const list = await t.api('GET', '/api/v1/me/sessions', { token: user.token });
  const phoneSession = list.body.items.find((s: { current: boolean }) => !s.current);

  const theirs = await t.api('DELETE', `/api/v1/me/sessions/${phoneSession.id}`, { token: stranger.token });
  assert.equal(theirs.status, 404);
  assert.equal((await t.api('GET', '/api/v1/me', { token: phone.body.accessToken })).status, 200);

  const res = await t.api('DELETE', `/api/v1/me/sessions/${phoneSession.id}`, { token: user.token });
  assert.equal(res.status, 204);
  assert.equal((await t.api('GET', '/api/v1/me', { token: phone.body.accessToken })).status, 401);
  assert.equal((await t.api('DELETE', `/api/v1/me/sessions/${phoneSession.id}`, { token: user.token })).status, 404, 'already ended');
  assert.equal((await t.api('GET', '/api/v1/me', { token: user.token })).status, 200);
});

test('signing out my other sessions keeps this one', async () => {
  const user = await t.createUser();
  const others = await Promise.all([1, 2].map(() => t.api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } })));
  const res = await t.api('POST', '/api/v1/me/sessions/revoke-others', { token: user.token });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { revoked: 2 });
  for (const other of others) assert.equal((await t.api('GET', '/api/v1/me', { token: other.body.accessToken })).status, 401);
  const list = await t.api('GET', '/api/v1/me/sessions', { token: user.token });
  assert.equal(list.body.items.length, 1);
});
