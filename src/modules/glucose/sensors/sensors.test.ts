/**
 * Sensors through the API (§4.9): register → start → warm-up → active → disconnected → reconnected → expired,
 * replacement, stop, battery notices, calibration limits with their codes, diagnostics, and access per role.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { cgmSeries, link, minutesAgo, startGlucoseApp } from '../testing.js';
import { servicesOf } from '../routes.js';
import { contextOf } from '../testing.js';
import { runSensorLifecycle } from './jobs.js';
import { recommend, type DiagnosticsFacts } from './diagnostics.js';

let t: TestApp;
let caregiver: TestUser;
let clinician: TestUser;
let stranger: TestUser;
let admin: TestUser;
before(async () => {
  t = await startGlucoseApp();
  [caregiver, clinician, stranger, admin] = await Promise.all([t.createUser(['caregiver']), t.createUser(['clinician']), t.createUser(['caregiver']), t.createUser(['admin'])]);
});
after(async () => { await t.close(); });

const base = (p: string) => `/api/v1/glucose/patients/${p}/sensors`;
async function patientWithTeam() {
  const patient = await t.createUser(['patient']);
  await link(t, patient, caregiver);
  await link(t, patient, clinician);
  return patient;
}
async function registered(patient: TestUser, model = 'dexcom_g6') {
  const res = await t.api('POST', base('me'), { token: patient.token, body: { model, serialNumber: 'SN-1' } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
const events = async (sensorId: string) => (await t.db.db.selectFrom('glucose.sensor_events').select('event').where('sensor_id', '=', sensorId).orderBy('id').execute()).map((e) => e.event);
const lifecycle = (nowMs?: number) => runSensorLifecycle(servicesOf(contextOf(t)), nowMs);

test('register → start → warm-up complete by the job → active; unknown model and a second start are refused', async () => {
  const patient = await patientWithTeam();
  const bad = await t.api('POST', base('me'), { token: patient.token, body: { model: 'libre_9' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'unknown_sensor_model');
  const sensor = await registered(patient);
  assert.equal(sensor.status, 'pairing');
  assert.equal(sensor.modelName, 'Dexcom G6');
  const started = await t.api('POST', `${base('me')}/${sensor.id}/start`, { token: patient.token, body: {} });
  assert.equal(started.status, 200);
  assert.equal(started.body.status, 'warming_up');
  assert.equal(Date.parse(started.body.warmupEndsAt) - Date.parse(started.body.startedAt), 120 * 60_000, 'G6 warms up 2 h');
  assert.equal(Date.parse(started.body.expiresAt) - Date.parse(started.body.startedAt), 240 * 3_600_000, 'G6 lasts 10 days, no grace');
  const again = await t.api('POST', `${base('me')}/${sensor.id}/start`, { token: patient.token, body: {} });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'sensor_not_pairing');

  const counts = await lifecycle(Date.now() + 121 * 60_000);
  assert.equal(counts.warmedUp, 1);
  await lifecycle(Date.now() + 121 * 60_000);
  const list = await t.api('GET', base('me'), { token: patient.token });
  assert.equal(list.body.current.status, 'active');
  assert.deepEqual(await events(sensor.id), ['paired', 'started', 'warmup_complete']);
  const notices = await t.db.db.selectFrom('platform.notification_outbox').select('dedup_key').where('dedup_key', '=', `glucose.sensor:${sensor.id}:warmup`).execute();
  assert.ok(notices.length >= 1, 'warm-up complete notified once');
});

test('grace: a G7 expires 252 h after start; 24 h and 2 h warnings once each; expired by the job; stop then refused', async () => {
  const patient = await patientWithTeam();
  const sensor = await registered(patient, 'dexcom_g7');
  const startedAt = minutesAgo(60);
  const started = await t.api('POST', `${base(patient.id)}/${sensor.id}/start`, { token: caregiver.token, body: { startedAt } });
  assert.equal(started.body.status, 'active', 'a start back-dated past the 30-min warm-up is active at once');
  const expires = Date.parse(started.body.expiresAt);
  assert.equal(expires - Date.parse(startedAt), 252 * 3_600_000);
  const mine = async () => (await events(sensor.id)).filter((e) => e.startsWith('expir'));
  await lifecycle(expires - 23 * 3_600_000);
  assert.deepEqual(await mine(), ['expiring_24h']);
  await lifecycle(expires - 23 * 3_600_000);
  assert.deepEqual(await mine(), ['expiring_24h'], 'a repeated run notifies nobody twice');
  await lifecycle(expires - 3_600_000);
  assert.deepEqual(await mine(), ['expiring_24h', 'expiring_2h']);
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from platform.notification_outbox where dedup_key like ${`glucose.sensor:${sensor.id}:expiring%`} and channel = 'inapp'`.execute(t.db.db);
  assert.equal(rows[0].n, 2);
  await lifecycle(expires + 1000);
  const got = (await t.api('GET', base('me'), { token: patient.token })).body.items[0];
  assert.equal(got.status, 'expired');
  assert.equal(got.endReason, 'expired');
  assert.deepEqual((await events(sensor.id)).filter((e) => e.startsWith('expir')), ['expiring_24h', 'expiring_2h', 'expired']);
  const stop = await t.api('POST', `${base('me')}/${sensor.id}/stop`, { token: patient.token, body: { reason: 'removed' } });
  assert.equal(stop.status, 409);
  assert.equal(stop.body.code, 'sensor_already_ended');
});

test('active → disconnected on stale data (the #5 leftover), and back to active with the next CGM reading; replacement and stop', async () => {
  const patient = await patientWithTeam();
  const sensor = await registered(patient, 'dexcom_g7');
  await t.api('POST', `${base('me')}/${sensor.id}/start`, { token: patient.token, body: { startedAt: minutesAgo(120) } });
  await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: patient.token, body: { source: 'cgm', readings: cgmSeries(3, () => 120, { endAgoMin: 20 }) } });
  assert.equal((await lifecycle()).disconnected, 1, 'no reading for 20 min > stale_warning_min 15');
  assert.equal((await t.api('GET', base('me'), { token: patient.token })).body.current.status, 'disconnected');
  await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: patient.token, body: { source: 'cgm', readings: cgmSeries(1, () => 118, { endAgoMin: 0 }) } });
  assert.equal((await t.api('GET', base('me'), { token: patient.token })).body.current.status, 'active');
  assert.deepEqual((await events(sensor.id)).slice(-2), ['disconnected', 'reconnected']);

  const next = await registered(patient, 'libre_3');
  await t.api('POST', `${base('me')}/${next.id}/start`, { token: patient.token, body: {} });
  const all = (await t.api('GET', base('me'), { token: patient.token })).body.items;
  assert.equal(all.find((s: { id: string }) => s.id === sensor.id).endReason, 'replaced');
  const failed = await t.api('POST', `${base('me')}/${next.id}/stop`, { token: patient.token, body: { reason: 'failed' } });
  assert.equal(failed.body.status, 'failed');
});

test('battery ≤ 20 % and ≤ 10 % notify once per sensor each; PATCH needs a field', async () => {
  const patient = await patientWithTeam();
  const sensor = await registered(patient);
  const path = `${base('me')}/${sensor.id}`;
  assert.equal((await t.api('PATCH', path, { token: patient.token, body: {} })).status, 400);
  for (const pct of [19, 18, 9, 8]) assert.equal((await t.api('PATCH', path, { token: patient.token, body: { batteryPct: pct, signalQuality: 80 } })).status, 200);
  const { rows } = await sql<{ dedup_key: string }>`select distinct dedup_key from platform.notification_outbox where dedup_key like ${`glucose.sensor:${sensor.id}:battery:%`} order by 1`.execute(t.db.db);
  assert.deepEqual(rows.map((r) => r.dedup_key), [`glucose.sensor:${sensor.id}:battery:10`, `glucose.sensor:${sensor.id}:battery:20`]);
});

test('calibration limits: value, time, not active, unsupported model, 2 per day, rapid change; accepted ones add a meter reading', async () => {
  const patient = await patientWithTeam();
  const libre = await registered(patient, 'libre_2');
  const cal = (id: string, body: Record<string, unknown>, token = patient.token) => t.api('POST', `${base(patient.id)}/${id}/calibrations`, { token, body });
  assert.equal((await cal(libre.id, { referenceValue: 120 })).body.code, 'sensor_not_active', 'pairing is not active (409)');
  await t.api('POST', `${base('me')}/${libre.id}/start`, { token: patient.token, body: { startedAt: minutesAgo(90) } });
  const unsupported = await cal(libre.id, { referenceValue: 120 });
  assert.equal(unsupported.status, 422);
  assert.equal(unsupported.body.code, 'calibration_not_supported');

  const g6 = await registered(patient, 'dexcom_g6');
  await t.api('POST', `${base('me')}/${g6.id}/start`, { token: patient.token, body: { startedAt: minutesAgo(180) } });
  const low = await cal(g6.id, { referenceValue: 39.9 });
  assert.equal(low.status, 400);
  assert.equal(low.body.code, 'value_out_of_range');
  assert.equal((await cal(g6.id, { referenceValue: 400.1 })).status, 400);
  assert.equal((await cal(g6.id, { referenceValue: 23, unit: 'mmol/L' })).status, 400, '23 mmol/L = 414 mg/dL');
  const old = await cal(g6.id, { referenceValue: 120, recordedAt: minutesAgo(16) });
  assert.equal(old.body.code, 'calibration_time_invalid');
  assert.equal((await cal(g6.id, { referenceValue: 120, unit: 'mg/dL', stepsCompleted: ['wash_hands', 'nope'] })).status, 400);

  const first = await cal(g6.id, { referenceValue: 120, stepsCompleted: ['wash_hands', 'finger_prick', 'enter_value'], recordedAt: minutesAgo(10) });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(first.body.referenceMgdl, 120);
  assert.ok(first.body.readingId, 'a meter reading was stored with it');
  const reading = await t.api('GET', `/api/v1/glucose/patients/me/readings/${first.body.readingId}`, { token: patient.token });
  assert.equal(reading.body.source, 'meter');
  assert.equal((await cal(g6.id, { referenceValue: 6.5, unit: 'mmol/L', recordedAt: minutesAgo(5) }, caregiver.token)).status, 201);
  const third = await cal(g6.id, { referenceValue: 121 });
  assert.equal(third.status, 422);
  assert.equal(third.body.code, 'calibration_daily_limit');
  assert.equal(third.body.limit, 2);
  const list = await t.api('GET', `${base(patient.id)}/${g6.id}/calibrations`, { token: clinician.token });
  assert.equal(list.body.items.length, 2);

  const moving = await patientWithTeam();
  const s = (await t.api('POST', base('me'), { token: moving.token, body: { model: 'dexcom_g6' } })).body;
  await t.api('POST', `${base('me')}/${s.id}/start`, { token: moving.token, body: { startedAt: minutesAgo(180) } });
  await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: moving.token, body: { source: 'cgm', readings: cgmSeries(3, (i) => 100 + 15 * i, { endAgoMin: 1 }) } });
  const rapid = await t.api('POST', `${base('me')}/${s.id}/calibrations`, { token: moving.token, body: { referenceValue: 130 } });
  assert.equal(rapid.status, 422);
  assert.equal(rapid.body.code, 'glucose_changing_rapidly');
});

test('diagnostics: completeness, gaps and recommendations', async () => {
  const patient = await patientWithTeam();
  const sensor = await registered(patient, 'dexcom_g7');
  await t.api('POST', `${base('me')}/${sensor.id}/start`, { token: patient.token, body: { startedAt: minutesAgo(600) } });
  await t.api('PATCH', `${base('me')}/${sensor.id}`, { token: patient.token, body: { batteryPct: 15 } });
  await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: patient.token, body: { source: 'cgm', readings: cgmSeries(24, () => 110, { endAgoMin: 30 }) } });
  const d = await t.api('POST', `${base(patient.id)}/${sensor.id}/diagnostics`, { token: clinician.token });
  assert.equal(d.status, 200);
  assert.equal(d.body.readingsLast24h, 24);
  assert.equal(d.body.expectedLast24h, 288);
  assert.equal(d.body.completenessPct24h, 8.3);
  assert.ok(d.body.minutesSinceLastReading >= 30);
  assert.deepEqual(d.body.recommendations, ['check_phone_bluetooth', 'replace_transmitter_battery', 'low_completeness']);

  const facts: DiagnosticsFacts = {
    status: 'active', calibrationPolicy: 'required', lastReadingAt: null, minutesSinceLastReading: 5, readingsLast24h: 280, expectedLast24h: 288,
    completenessPct24h: 97, gapsOver15MinLast24h: 0, batteryPct: 21, signalQuality: 90, noiseLevel: 3, uploaderBatteryPct: 20, medianLatencySec: 30,
    hoursToExpiry: 23.9, noisyOfLast12: 3, suspectLast24h: 0, calibrationsLast24h: 0,
  };
  assert.deepEqual(recommend(facts), ['replace_sensor_soon', 'charge_uploader', 'sensor_noisy', 'calibrate']);
  assert.deepEqual(recommend({ ...facts, hoursToExpiry: 0, noisyOfLast12: 2, suspectLast24h: 2, calibrationsLast24h: 1, uploaderBatteryPct: 21 }), ['sensor_expired', 'sensor_noisy']);
});

test('access per route and role: read for every linked role, writes not for a clinician, 404 for anyone else', async () => {
  const patient = await patientWithTeam();
  const sensor = await registered(patient);
  const p = base(patient.id);
  for (const user of [caregiver, clinician, admin]) assert.equal((await t.api('GET', p, { token: user.token })).status, 200);
  assert.equal((await t.api('POST', p, { token: clinician.token, body: { model: 'dexcom_g6' } })).status, 403);
  assert.equal((await t.api('POST', `${p}/${sensor.id}/start`, { token: clinician.token, body: {} })).status, 403);
  assert.equal((await t.api('POST', `${p}/${sensor.id}/calibrations`, { token: clinician.token, body: { referenceValue: 100 } })).status, 403);
  for (const [method, path, body] of [
    ['GET', p, undefined], ['POST', p, { model: 'dexcom_g6' }], ['POST', `${p}/${sensor.id}/start`, {}], ['POST', `${p}/${sensor.id}/stop`, { reason: 'removed' }],
    ['PATCH', `${p}/${sensor.id}`, { batteryPct: 50 }], ['GET', `${p}/${sensor.id}/calibrations`, undefined], ['POST', `${p}/${sensor.id}/calibrations`, { referenceValue: 100 }],
    ['POST', `${p}/${sensor.id}/diagnostics`, undefined],
  ] as const) {
    const res = await t.api(method, path, { token: stranger.token, body });
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.equal(res.body.code, 'patient_not_found');
  }
  const other = await t.createUser(['patient']);
  const foreign = await t.api('POST', `${base('me')}/${sensor.id}/diagnostics`, { token: other.token });
  assert.equal(foreign.status, 404, "another patient's sensor id under one's own patient is not found");
  assert.equal(foreign.body.code, 'sensor_not_found');
  assert.equal((await t.api('GET', '/api/v1/glucose/device-models', { token: clinician.token })).body.items.length >= 6, true);
});
