import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../../../../test/helpers/app.js';
import { link, startGlucoseApp } from '../testing.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

test('settings have consensus defaults and follow the profile zone until one is set', async () => {
  const p = await t.createUser(['patient']);
  const res = await t.api('GET', '/api/v1/glucose/patients/me/settings', { token: p.token });
  assert.equal(res.status, 200);
  assert.equal(res.body.timezone, 'Europe/Paris');
  assert.equal(res.body.timezoneSetting, null);
  assert.deepEqual(res.body.targets, { urgentLow: 54, low: 70, high: 180, urgentHigh: 250 });
  assert.equal(res.body.unit, 'mg/dL');
  assert.equal(res.body.diaHours, 5);
  assert.equal(res.body.exposeNativeToUploaders, false);
});

test('the patient and a linked clinician change therapy settings; a caregiver only reads them', async () => {
  const p = await t.createUser(['patient']);
  const clinician = await t.createUser(['clinician']);
  const caregiver = await t.createUser(['caregiver']);
  await link(t, p, clinician);
  await link(t, p, caregiver);
  const changed = await t.api('PATCH', `/api/v1/glucose/patients/${p.id}/settings`, { token: clinician.token, body: {
    diabetesType: 't1', isfSchedule: [{ start: '00:00', value: 50 }, { start: '06:00', value: 40 }], carbRatioSchedule: [{ start: '00:00', value: 10 }], diaHours: 6,
  } });
  assert.equal(changed.status, 200);
  assert.equal(changed.body.diaHours, 6);
  assert.equal(changed.body.updatedBy, clinician.id);
  assert.deepEqual(changed.body.isfSchedule, [{ start: '00:00', value: 50 }, { start: '06:00', value: 40 }]);
  assert.equal((await t.api('PATCH', `/api/v1/glucose/patients/${p.id}/settings`, { token: caregiver.token, body: { diaHours: 7 } })).status, 403);
  assert.equal((await t.api('GET', `/api/v1/glucose/patients/${p.id}/settings`, { token: caregiver.token })).body.diaHours, 6);
  const audit = await t.db.db.selectFrom('platform.audit_events').selectAll().where('action', '=', 'glucose.settings.updated').executeTakeFirstOrThrow();
  assert.deepEqual((audit.diff as { changes: Record<string, unknown> }).changes.diaHours, [5, 6]);
  await t.api('PATCH', `/api/v1/glucose/patients/${p.id}/settings`, { token: clinician.token, body: { diaHours: 5.5 } });
  await t.api('PATCH', '/api/v1/glucose/patients/me/settings', { token: p.token, body: { diaHours: 6.5 } });
  const notices = await t.db.db.selectFrom('platform.notification_outbox').select(['template', 'dedup_key', 'channel']).where('user_id', '=', p.id).execute();
  assert.deepEqual(notices.map((n) => [n.template, n.channel]), [['glucose.settings_changed', 'inapp']], 'one in-app notice a day for changes by others; none for the patient\'s own');
  assert.match(notices[0].dedup_key, new RegExp(`^glucose.settings-changed:${p.id}:therapy:\\d{4}-\\d{2}-\\d{2}$`));
});

test('schedules start at 00:00 and increase; zones are IANA names; unknown fields are refused', async () => {
  const p = await t.createUser(['patient']);
  const bad = await t.api('PATCH', '/api/v1/glucose/patients/me/settings', { token: p.token, body: {
    isfSchedule: [{ start: '01:00', value: 50 }, { start: '00:30', value: 40 }], timezone: 'Mars/Olympus',
  } });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path).sort(), ['body.isfSchedule[0].start', 'body.isfSchedule[1].start', 'body.timezone']);
  assert.equal((await t.api('PATCH', '/api/v1/glucose/patients/me/settings', { token: p.token, body: { carbRatioSchedule: [{ start: '00:00', value: 200 }] } })).status, 400);
  assert.equal((await t.api('PATCH', '/api/v1/glucose/patients/me/settings', { token: p.token, body: { favouriteColour: 'blue' } })).status, 400);
  const zone = await t.api('PATCH', '/api/v1/glucose/patients/me/settings', { token: p.token, body: { timezone: 'America/Chicago' } });
  assert.equal(zone.body.timezone, 'America/Chicago');
});

test('the patient list: a patient sees themself, a caregiver their linked patients, an admin every patient', async () => {
  const p1 = await t.createUser(['patient'], { displayName: 'Anna' });
  const p2 = await t.createUser(['patient'], { displayName: 'Bruno' });
  const caregiver = await t.createUser(['caregiver']);
  const admin = await t.createUser(['admin']);
  await link(t, p2, caregiver);
  const mine = await t.api('GET', '/api/v1/glucose/patients', { token: p1.token });
  assert.deepEqual(mine.body.items.map((i: { patientId: string; relation: string }) => [i.patientId, i.relation]), [[p1.id, 'self']]);
  const followed = await t.api('GET', '/api/v1/glucose/patients', { token: caregiver.token });
  assert.deepEqual(followed.body.items.map((i: { patientId: string }) => i.patientId), [p2.id]);
  const all = await t.api('GET', '/api/v1/glucose/patients?limit=1', { token: admin.token });
  assert.equal(all.body.items.length, 1);
  const next = await t.api('GET', `/api/v1/glucose/patients?limit=200&cursor=${all.body.nextCursor}`, { token: admin.token });
  const ids = [all.body.items[0].patientId, ...next.body.items.map((i: { patientId: string }) => i.patientId)];
  assert.ok(ids.includes(p1.id) && ids.includes(p2.id));
});
