import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp } from '../../../../test/helpers/app.js';
import { minutesAgo, nightscoutUploader, startGlucoseApp } from '../testing.js';
import { StreamClient } from '../../../platform/realtime/testing/stream-client.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

async function setup() {
  const p = await t.createUser(['patient']);
  return { p, ns: await nightscoutUploader(t, p, 'Spike/4.2') };
}
const liveReadings = async (patientId: string) => (await sql<{ source: string; value: number }>`
  select source, value_mgdl::float8 as value from glucose.readings where patient_id = ${patientId} and deleted_at is null order by measured_at`.execute(t.db.db)).rows;

test('a repeated POST with the same client id replaces the document and updates the reading made from it', async () => {
  const { p, ns } = await setup();
  const doc = { _id: 'bg-1', eventType: 'BG Check', glucose: 100, glucoseType: 'Finger', units: 'mg/dl', created_at: minutesAgo(30) };
  await ns.call('POST', '/api/v1/treatments', doc);
  assert.deepEqual(await liveReadings(p.id), [{ source: 'meter', value: 100 }]);
  const replaced = await ns.call('POST', '/api/v1/treatments', { ...doc, glucose: 104, notes: 'typo fixed' });
  assert.equal(replaced.body[0].glucose, 104);
  assert.deepEqual(await liveReadings(p.id), [{ source: 'meter', value: 104 }]);
  assert.equal((await t.db.db.selectFrom('glucose.ns_treatments').selectAll().where('patient_id', '=', p.id).execute()).length, 1);
});

test('without a client id, created_at + eventType identify the treatment; a document without a time is refused', async () => {
  const { p, ns } = await setup();
  const created = minutesAgo(50);
  await ns.call('POST', '/api/v1/treatments', [{ eventType: 'Note', notes: 'first', created_at: created }, { eventType: 'Note', notes: 'no time' }]);
  await ns.call('POST', '/api/v1/treatments', { eventType: 'Note', notes: 'second', created_at: created });
  const rows = await t.db.db.selectFrom('glucose.ns_treatments').selectAll().where('patient_id', '=', p.id).execute();
  assert.equal(rows.length, 1);
  assert.equal((rows[0].doc as { notes: string }).notes, 'second');
  const at = minutesAgo(40);
  const byTimestamp = await ns.call('POST', '/api/v1/treatments', { eventType: 'Note', timestamp: Date.parse(at) });
  assert.equal(byTimestamp.body.length, 1);
  assert.equal(byTimestamp.body[0].created_at, at);
});

test('DELETE removes the treatment and its derived reading; re-sending it does not bring it back', async () => {
  const { p, ns } = await setup();
  const doc = { eventType: 'BG Check', glucose: 5.5, glucoseType: 'Manual', units: 'mmol', created_at: minutesAgo(20), enteredBy: 'Spike' };
  const stored = await ns.call('POST', '/api/v1/treatments', doc);
  assert.deepEqual(await liveReadings(p.id), [{ source: 'manual', value: 99.1 }]);
  const id = stored.body[0]._id;
  assert.match(id, /^[0-9a-f]{24}$/);
  assert.equal((await ns.call('DELETE', `/api/v1/treatments/${id}`)).status, 200);
  assert.deepEqual(await liveReadings(p.id), []);
  assert.equal((await ns.call('DELETE', `/api/v1/treatments/${id}`)).status, 404);
  await ns.call('POST', '/api/v1/treatments', doc);
  assert.deepEqual(await liveReadings(p.id), []);
  assert.deepEqual((await ns.call('GET', '/api/v1/treatments.json')).body, []);
  const tomb = await t.db.db.selectFrom('glucose.ns_tombstones').selectAll().where('patient_id', '=', p.id).execute();
  assert.deepEqual(tomb.map((r) => [r.collection, r.identifier]), [['treatments', id]]);
});

test('GET treatments: newest first, count, find[eventType]; Atrium-native records appear only when the patient exposes them', async () => {
  const { p, ns } = await setup();
  await ns.call('POST', '/api/v1/treatments', [
    { eventType: 'Correction Bolus', insulin: 1, created_at: minutesAgo(90) },
    { eventType: 'Carb Correction', carbs: 15, created_at: minutesAgo(60) },
    { eventType: 'Note', notes: 'old', created_at: minutesAgo(5 * 24 * 60) },
  ]);
  await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: p.token, body: { value: 112, measuredAt: minutesAgo(30), notes: 'after lunch' } });
  const list = await ns.call('GET', '/api/v1/treatments.json');
  assert.deepEqual(list.body.map((d: { eventType: string }) => d.eventType), ['Carb Correction', 'Correction Bolus']);
  assert.equal((await ns.call('GET', '/api/v1/treatments.json?count=1')).body.length, 1);
  assert.deepEqual((await ns.call('GET', '/api/v1/treatments.json?find[eventType]=Correction%20Bolus')).body.map((d: { insulin: number }) => d.insulin), [1]);
  await t.api('PATCH', '/api/v1/glucose/patients/me/settings', { token: p.token, body: { exposeNativeToUploaders: true } });
  const exposed = await ns.call('GET', '/api/v1/treatments.json');
  assert.deepEqual(exposed.body.map((d: { eventType: string }) => d.eventType), ['BG Check', 'Carb Correction', 'Correction Bolus']);
  assert.equal(exposed.body[0].enteredBy, 'atrium');
  assert.equal(exposed.body[0].glucose, 112);
  assert.equal((await ns.call('GET', '/api/v1/treatments.json?find[insulin][$gte]=1')).status, 400);
});

test('Sensor Stop ends the current sensor; a late copy of an older Sensor Start does not replace a newer sensor', async () => {
  const { p, ns } = await setup();
  await ns.call('POST', '/api/v1/treatments', { eventType: 'Sensor Start', created_at: minutesAgo(30) });
  await ns.call('POST', '/api/v1/treatments', { eventType: 'Sensor Start', created_at: minutesAgo(600) });
  let sensors = await t.db.db.selectFrom('glucose.sensors').selectAll().where('patient_id', '=', p.id).execute();
  assert.equal(sensors.length, 1);
  assert.equal(sensors[0].status, 'warming_up', 'the generic model warms up for 60 minutes');
  await ns.call('POST', '/api/v1/treatments', { eventType: 'Sensor Stop', created_at: minutesAgo(1) });
  sensors = await t.db.db.selectFrom('glucose.sensors').selectAll().where('patient_id', '=', p.id).execute();
  assert.equal(sensors[0].status, 'ended');
  assert.equal(sensors[0].end_reason, 'removed');
});

test('devicestatus: deduplicated on created_at + device, read newest first, deleted by _id', async () => {
  const { p, ns } = await setup();
  const doc = { device: 'xDrip-DexcomG6', created_at: minutesAgo(10), uploader: { battery: 50 } };
  const first = await ns.call('POST', '/api/v1/devicestatus', doc);
  const again = await ns.call('POST', '/api/v1/devicestatus', doc);
  assert.equal(again.body[0]._id, first.body[0]._id);
  await ns.call('POST', '/api/v1/devicestatus', { ...doc, created_at: minutesAgo(5), uploader: { battery: 45 } });
  const list = await ns.call('GET', '/api/v1/devicestatus.json');
  assert.deepEqual(list.body.map((d: { uploader: { battery: number } }) => d.uploader.battery), [45, 50]);
  assert.equal((await ns.call('GET', `/api/v1/devicestatus.json?find[created_at][$gte]=${encodeURIComponent(minutesAgo(7))}`)).body.length, 1);
  assert.equal((await ns.call('DELETE', `/api/v1/devicestatus/${first.body[0]._id}`)).status, 200);
  assert.equal((await ns.call('GET', '/api/v1/devicestatus.json')).body.length, 1);
  const status = await t.db.db.selectFrom('glucose.uploader_status').selectAll().where('patient_id', '=', p.id).executeTakeFirstOrThrow();
  assert.equal(status.uploader_battery_pct, 45);
});

test('without an uploaded profile, one is made from the settings, with empty ISF and carb ratio when never set', async () => {
  const { p, ns } = await setup();
  const synthesised = await ns.call('GET', '/api/v1/profile.json');
  assert.equal(synthesised.body.length, 1);
  const store = synthesised.body[0].store.Atrium;
  assert.deepEqual(store.sens, []);
  assert.deepEqual(store.carbratio, []);
  assert.deepEqual(store.target_low, [{ time: '00:00', value: 70, timeAsSeconds: 0 }]);
  await t.api('PATCH', '/api/v1/glucose/patients/me/settings', { token: p.token, body: { isfSchedule: [{ start: '00:00', value: 50 }] } });
  const withIsf = await ns.call('GET', '/api/v1/profile/current.json');
  assert.deepEqual(withIsf.body.store.Atrium.sens, [{ time: '00:00', value: 50, timeAsSeconds: 0 }]);
  const stored = await ns.call('POST', '/api/v1/profile', { _id: 'profile-1', defaultProfile: 'A', startDate: minutesAgo(10), store: { A: { dia: 5, sens: [{ time: '00:00', value: 3, timeAsSeconds: 0 }], units: 'mmol' } } });
  assert.equal(stored.body[0]._id, 'profile-1');
  const settings = await t.api('GET', '/api/v1/glucose/patients/me/settings', { token: p.token });
  assert.deepEqual(settings.body.isfSchedule, [{ start: '00:00', value: 50 }], 'not applied: the patient did not choose to use the uploader profile');
  assert.equal((await ns.call('DELETE', '/api/v1/profile/profile-1')).status, 200);
  assert.equal((await ns.call('GET', '/api/v1/profile/current.json')).body.defaultProfile, 'Atrium');
});

test('uploader battery at 20 % and at 10 % each send one notice a day to the patient', async () => {
  const { p, ns } = await setup();
  for (const [ago, battery] of [[20, 19], [15, 15], [10, 9], [5, 8]] as const) {
    await ns.call('POST', '/api/v1/devicestatus', { device: 'xDrip-DexcomG6', created_at: minutesAgo(ago), uploaderBattery: battery });
  }
  const notices = await t.db.db.selectFrom('platform.notification_outbox').select(['template', 'dedup_key']).where('user_id', '=', p.id).orderBy('dedup_key').execute();
  const levels = [...new Set(notices.filter((n) => n.template === 'glucose.uploader_battery_low').map((n) => n.dedup_key.split(':')[2]))];
  assert.deepEqual(levels, ['10', '20'], '19 % and 15 % give one notice, 9 % and 8 % another');
});

test('glucose.devices:<patient> carries sensor.updated for a started sensor and uploader.updated for a status', async () => {
  const { p, ns } = await setup();
  const stream = await StreamClient.open(t.url, { token: p.token });
  try {
    assert.equal((await stream.subscribe(`glucose.devices:${p.id}`)).type, 'subscribed');
    await ns.call('POST', '/api/v1/treatments', { eventType: 'Sensor Change', created_at: minutesAgo(2) });
    const sensor = await stream.next((f) => f.type === 'event' && f.event === 'sensor.updated');
    assert.equal(sensor.data.sensor.status, 'warming_up');
    await ns.call('POST', '/api/v1/devicestatus', { device: 'phone', created_at: minutesAgo(1), uploaderBattery: 77 });
    const uploader = await stream.next((f) => f.type === 'event' && f.event === 'uploader.updated');
    assert.equal(uploader.data.uploaderBatteryPct, 77);
  } finally {
    stream.close();
  }
});
