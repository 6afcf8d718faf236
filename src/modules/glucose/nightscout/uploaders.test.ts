/**
 * Each uploader app, with payloads shaped as that app sends them (field names, types, time formats, headers):
 * configured with only the Atrium base URL and the patient's secret or token, its data lands in that patient.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp } from '../../../../test/helpers/app.js';
import { nightscoutUploader, startGlucoseApp } from '../testing.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

const MIN = 60_000;
const at = (minutesAgo: number) => Math.floor((Date.now() - minutesAgo * MIN) / 1000) * 1000;
/** xDrip+ writes local time with a compact offset: 2025-10-31T09:00:00.000+0100. */
const xdripDate = (ms: number, offsetMin: number) => {
  const local = new Date(ms + offsetMin * MIN).toISOString().replace('Z', '');
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
};

const readings = async (patientId: string) => (await sql<{ source: string; value: number; device: string | null }>`
  select source, value_mgdl::float8 as value, device from glucose.readings where patient_id = ${patientId} and deleted_at is null order by measured_at`.execute(t.db.db)).rows;

test('xDrip+: entries with local dateString, a finger-stick BG Check, a sensor start, uploader battery; followers read sgv.json', async () => {
  const p = await t.createUser(['patient']);
  const xdrip = await nightscoutUploader(t, p, 'xDrip+ 2024.01.11');
  const entries = [10, 5, 0].map((m, i) => {
    const ms = at(m + 1);
    return {
      device: 'xDrip-DexcomG6', date: ms, dateString: xdripDate(ms, 60), sgv: 120 + i * 2, delta: 2.0, direction: 'Flat', type: 'sgv',
      filtered: 120000 + i * 2000, unfiltered: 121000 + i * 2000, rssi: 100, noise: 1, sysTime: xdripDate(ms, 60), utcOffset: 60,
    };
  });
  const bgCheck = { enteredBy: 'xdrip', eventType: 'BG Check', glucose: 118, glucoseType: 'Finger', units: 'mg/dl', created_at: xdripDate(at(3), 60), uuid: 'a5f9e2d4-1c3b-4e6a-8d7f-0b2c4e6a8d01' };
  const treatments = await xdrip.call('POST', '/api/v1/treatments', [
    { enteredBy: 'xdrip', eventType: 'Sensor Start', created_at: xdripDate(at(600), 60), uuid: '8f0c3c9e-5b1e-4f7a-9a61-3c2d2a1b7e10' },
    bgCheck,
  ]);
  assert.equal(treatments.status, 200);
  const posted = await xdrip.call('POST', '/api/v1/entries', entries);
  assert.equal(posted.status, 200);
  assert.equal(posted.body.length, 3);
  const status = await xdrip.call('POST', '/api/v1/devicestatus', { device: 'xDrip-DexcomG6', uploaderBattery: 18, created_at: new Date(at(1)).toISOString() });
  assert.equal(status.status, 200);

  assert.deepEqual((await readings(p.id)).map((r) => [r.source, r.value]), [['cgm', 120], ['cgm', 122], ['meter', 118], ['cgm', 124]]);
  const sensor = await t.db.db.selectFrom('glucose.sensors').selectAll().where('patient_id', '=', p.id).executeTakeFirstOrThrow();
  assert.equal(sensor.status, 'active', 'warm-up of the default model is over 10 hours after the start');
  const cgm = await sql<{ sensor_id: string | null }>`select sensor_id from glucose.readings where patient_id = ${p.id} and source = 'cgm'`.execute(t.db.db);
  assert.ok(cgm.rows.every((r) => r.sensor_id === sensor.id), 'CGM readings are linked to the started sensor');
  const uploader = await t.db.db.selectFrom('glucose.uploader_status').selectAll().where('patient_id', '=', p.id).executeTakeFirstOrThrow();
  assert.equal(uploader.uploader_battery_pct, 18);

  const follower = await xdrip.call('GET', '/api/v1/entries/sgv.json?count=24');
  assert.deepEqual(follower.body.map((e: { sgv: number }) => e.sgv), [124, 122, 120]);
  assert.equal(follower.body[0].device, 'xDrip-DexcomG6');
  const again = await xdrip.call('POST', '/api/v1/treatments', [bgCheck]);
  assert.equal(again.status, 200);
  assert.equal((await readings(p.id)).length, 4, 'a re-sent BG Check is not stored twice');
});

test('Loop: connection test, entries, bolus/carb/temp-basal treatments by syncIdentifier, devicestatus IOB/COB, profile', async () => {
  const p = await t.createUser(['patient']);
  await t.api('PATCH', '/api/v1/glucose/patients/me/settings', { token: p.token, body: { useUploaderProfile: true } });
  const loop = await nightscoutUploader(t, p, 'Loop/3.4.1 CFNetwork/1494.0.7 Darwin/23.4.0');
  assert.equal((await loop.call('GET', '/api/v1/experiments/test')).status, 200);

  const glucose = [15, 10, 5].map((m, i) => ({
    date: at(m), dateString: new Date(at(m)).toISOString().replace('.000Z', 'Z'), sgv: 150 - i * 5, direction: 'FortyFiveDown', device: 'loop://iPhone', type: 'sgv', trend: 5,
  }));
  assert.equal((await loop.call('POST', '/api/v1/entries', glucose)).status, 200);
  const iso = (m: number) => new Date(at(m)).toISOString().replace('.000Z', 'Z');
  const treatments = [
    { eventType: 'Correction Bolus', created_at: iso(20), timestamp: iso(20), enteredBy: 'loop://iPhone', insulin: 1.25, programmed: 1.25, unabsorbed: 0, duration: 0, type: 'normal', automatic: true, syncIdentifier: '4c6f6f702d626f6c75732d31' },
    { eventType: 'Carb Correction', created_at: iso(18), enteredBy: 'loop://iPhone', carbs: 30, absorptionTime: 180, foodType: '🍕', syncIdentifier: '7b5e9a1c-2f41-4d8e-9b7a-6c1d3e5f7a90' },
    { eventType: 'Temp Basal', created_at: iso(15), timestamp: iso(15), enteredBy: 'loop://iPhone', temp: 'absolute', rate: 0.45, absolute: 0.45, duration: 30, amount: 0.225, automatic: true, syncIdentifier: '54656d702d626173616c2d31' },
  ];
  const stored = await loop.call('POST', '/api/v1/treatments', treatments);
  assert.equal(stored.status, 200);
  assert.deepEqual(stored.body.map((d: { _id: string }) => d._id), treatments.map((d) => d.syncIdentifier));
  await loop.call('POST', '/api/v1/treatments', treatments);
  const rows = await t.db.db.selectFrom('glucose.ns_treatments').select(['event_type', 'client_id']).where('patient_id', '=', p.id).execute();
  assert.equal(rows.length, 3, 'Loop re-sends are deduplicated by syncIdentifier');

  const deviceStatus = {
    device: 'loop://iPhone', created_at: iso(4),
    pump: { clock: iso(4), pumpID: '1A2B3C', manufacturer: 'Insulet', model: 'Dash', reservoir: 85.5, suspended: false, bolusing: false, battery: { percent: 70 } },
    uploader: { name: 'iPhone', timestamp: iso(4), battery: 64 },
    loop: {
      name: 'Loop', version: '3.4.1', timestamp: iso(4),
      iob: { timestamp: iso(4), iob: 1.85 }, cob: { timestamp: iso(4), cob: 22.5 },
      predicted: { startDate: iso(5), values: [140, 138, 136] }, recommendedBolus: 0,
    },
  };
  assert.equal((await loop.call('POST', '/api/v1/devicestatus', deviceStatus)).status, 200);
  const current = await t.api('GET', '/api/v1/glucose/patients/me/readings/current', { token: p.token });
  assert.equal(current.body.reading.value, 140);
  assert.deepEqual(current.body.iob, { units: 1.85, source: 'loop' });
  assert.deepEqual(current.body.cob, { grams: 22.5 });

  const profile = {
    defaultProfile: 'Default', startDate: iso(60), mills: at(60), units: 'mg/dL', enteredBy: 'Loop',
    store: { Default: {
      dia: 6, timezone: 'Europe/Paris', units: 'mg/dL',
      sens: [{ time: '00:00', value: 45, timeAsSeconds: 0 }, { time: '06:00', value: 40, timeAsSeconds: 21600 }],
      carbratio: [{ time: '00:00', value: 10, timeAsSeconds: 0 }],
      basal: [{ time: '00:00', value: 0.8, timeAsSeconds: 0 }],
      target_low: [{ time: '00:00', value: 100, timeAsSeconds: 0 }], target_high: [{ time: '00:00', value: 110, timeAsSeconds: 0 }],
    } },
    loopSettings: { maximumBolus: 5, maximumBasalRatePerHour: 3, dosingEnabled: true },
  };
  assert.equal((await loop.call('POST', '/api/v1/profile', profile)).status, 200);
  const settings = await t.api('GET', '/api/v1/glucose/patients/me/settings', { token: p.token });
  assert.deepEqual(settings.body.isfSchedule, [{ start: '00:00', value: 45 }, { start: '06:00', value: 40 }]);
  assert.equal(settings.body.diaHours, 6);
  const current2 = await loop.call('GET', '/api/v1/profile/current');
  assert.equal(current2.body.defaultProfile, 'Default');
});

test('Spike: entries with client _id, a mmol/L finger-stick in a Meal Bolus, a sensor error code, treatments read back', async () => {
  const p = await t.createUser(['patient']);
  const spike = await nightscoutUploader(t, p, 'Spike/4.2 CFNetwork/1220.1 Darwin/20.3.0');
  const ms = at(7);
  const res = await spike.call('POST', '/api/v1/entries', [
    { _id: '5f1c2b3a4d5e6f7a8b9c0d1e', device: 'Spike', date: ms, dateString: new Date(ms).toISOString(), sgv: 140, direction: 'SingleDown', type: 'sgv', filtered: 140000, unfiltered: 140000, rssi: 100, noise: 1, sysTime: new Date(ms).toISOString() },
    { device: 'Spike', date: at(2), dateString: new Date(at(2)).toISOString(), sgv: 10, direction: 'NONE', type: 'sgv', sysTime: new Date(at(2)).toISOString() },
  ]);
  assert.equal(res.body.length, 1);
  assert.equal(res.body[0]._id, '5f1c2b3a4d5e6f7a8b9c0d1e');
  const meal = { _id: '5f1c2b3a4d5e6f7a8b9c0d2f', eventType: 'Meal Bolus', insulin: 2, carbs: 30, glucose: 8.3, glucoseType: 'Finger', units: 'mmol', created_at: new Date(at(4)).toISOString(), enteredBy: 'Spike', notes: '' };
  assert.equal((await spike.call('POST', '/api/v1/treatments', meal)).status, 200);
  assert.deepEqual((await readings(p.id)).map((r) => [r.source, r.value]), [['cgm', 140], ['meter', 149.6]]);
  const back = await spike.call('GET', `/api/v1/treatments.json?find[created_at][$gte]=${encodeURIComponent(new Date(at(60)).toISOString())}`);
  assert.equal(back.body.length, 1);
  assert.equal(back.body[0]._id, '5f1c2b3a4d5e6f7a8b9c0d2f');
  assert.equal(back.body[0].carbs, 30);
  const event = await t.db.db.selectFrom('glucose.sensor_events').selectAll().where('patient_id', '=', p.id).executeTakeFirstOrThrow();
  assert.deepEqual(event.payload, { code: 10, meaning: 'power_deviation', device: 'Spike' });
  const byId = await spike.call('GET', '/api/v1/entries/sgv.json?count=1');
  assert.equal(byId.body[0]._id, '5f1c2b3a4d5e6f7a8b9c0d1e');
});

test('AndroidAPS (API v3): token exchange, status, entries and treatments with deduplication, devicestatus, history after a deletion', async () => {
  const p = await t.createUser(['patient']);
  const token = (await t.api('POST', '/api/v1/glucose/patients/me/upload-credentials/access-token', { token: p.token, body: {} })).body.accessToken;
  assert.match(token, /^atrium-[0-9a-f]{16}$/);
  const auth = await t.api('GET', `/api/v2/authorization/request/${token}`);
  assert.equal(auth.status, 200);
  assert.ok(auth.body.exp - auth.body.iat === 8 * 3600);
  const headers = { authorization: `Bearer ${auth.body.token}`, 'user-agent': 'AAPS/3.2.0.4 okhttp/4.12.0' };
  const v3 = (method: string, path: string, body?: unknown) => t.api(method, path, { body, headers });
  assert.equal((await t.api('GET', '/api/v2/authorization/request/atrium-0000000000000000')).status, 401);

  const status = await v3('GET', '/api/v3/status');
  assert.equal(status.status, 200);
  assert.equal(status.body.result.apiPermissions.entries, 'crud');
  assert.equal((await t.api('GET', '/api/v3/version')).body.result.apiVersion, '3.0.4');
  const since = Date.now() - 1000;

  const sgv = { type: 'sgv', sgv: 123.0, date: at(5), device: 'AndroidAPS-DexcomG6', direction: 'Flat', app: 'AAPS', utcOffset: 120, units: 'mg/dl', isValid: true };
  const created = await v3('POST', '/api/v3/entries', sgv);
  assert.equal(created.status, 201);
  assert.match(created.body.identifier, /^[0-9a-f]{24}$/);
  const dup = await v3('POST', '/api/v3/entries', sgv);
  assert.equal(dup.status, 200);
  assert.equal(dup.body.isDeduplication, true);
  assert.equal(dup.body.identifier, created.body.identifier);
  assert.equal((await v3('POST', '/api/v3/entries', { ...sgv, app: undefined })).status, 400, 'app is required');

  const bolus = { eventType: 'Correction Bolus', insulin: 0.5, date: at(4), created_at: new Date(at(4)).toISOString(), app: 'AAPS', utcOffset: 120, type: 'SMB', isSMB: true, pumpId: 4711, pumpType: 'OMNIPOD_DASH', pumpSerial: '0123456', isValid: true };
  const bg = { eventType: 'BG Check', glucose: 6.1, glucoseType: 'Finger', units: 'mmol', date: at(3), created_at: new Date(at(3)).toISOString(), app: 'AAPS', isValid: true };
  const b = await v3('POST', '/api/v3/treatments', bolus);
  assert.equal(b.status, 201);
  assert.equal((await v3('POST', '/api/v3/treatments', bolus)).body.isDeduplication, true);
  const bgCreated = await v3('POST', '/api/v3/treatments', bg);
  assert.equal(bgCreated.status, 201);
  assert.deepEqual((await readings(p.id)).map((r) => [r.source, r.value]), [['cgm', 123], ['meter', 109.9]]);

  const ds = { date: at(2), created_at: new Date(at(2)).toISOString(), device: 'openaps://samsung SM-G970F', app: 'AAPS', uploaderBattery: 55, isCharging: false,
    pump: { reservoir: 120, battery: { percent: 80 }, status: { status: 'normal' } }, openaps: { iob: { iob: 0.9, basaliob: 0.2, time: new Date(at(2)).toISOString() }, suggested: { COB: 12, bg: 123, reason: '…' } } };
  assert.equal((await v3('POST', '/api/v3/devicestatus', ds)).status, 201);
  const current = await t.api('GET', '/api/v1/glucose/patients/me/readings/current', { token: p.token });
  assert.deepEqual(current.body.iob, { units: 0.9, source: 'loop' });

  const newest = await v3('GET', '/api/v3/entries?sort$desc=date&type=sgv&limit=10');
  assert.deepEqual(newest.body.result.map((e: { sgv: number }) => e.sgv), [123]);
  assert.equal(newest.body.result[0].identifier, created.body.identifier);
  const newer = await v3('GET', `/api/v3/entries?sort=date&date$gt=${at(30)}&limit=100`);
  assert.deepEqual(newer.body.result.map((e: { type: string }) => e.type), ['sgv', 'mbg'], 'the finger-stick of the BG Check is an mbg entry');
  const treatmentsSince = await v3('GET', `/api/v3/treatments?sort=created_at&created_at$gt=${encodeURIComponent(new Date(at(30)).toISOString())}&limit=100`);
  assert.deepEqual(treatmentsSince.body.result.map((d: { eventType: string }) => d.eventType), ['Correction Bolus', 'BG Check']);

  assert.equal((await v3('DELETE', `/api/v3/treatments/${bgCreated.body.identifier}`)).status, 200);
  assert.deepEqual((await readings(p.id)).map((r) => r.source), ['cgm'], 'deleting the BG Check removes the reading made from it');
  const history = await v3('GET', `/api/v3/treatments/history/${since}`);
  assert.equal(history.status, 200);
  const deleted = history.body.result.find((d: { identifier: string }) => d.identifier === bgCreated.body.identifier);
  assert.equal(deleted.isValid, false);
  assert.ok(history.headers.get('etag'));
  assert.equal((await v3('GET', `/api/v3/treatments/${bgCreated.body.identifier}`)).status, 410);
  const entriesHistory = await v3('GET', `/api/v3/entries/history/${since}?limit=100`);
  assert.deepEqual(entriesHistory.body.result.map((e: { type?: string; isValid: boolean }) => [e.type ?? null, e.isValid]), [['sgv', true], [null, false]],
    'the reading made from the deleted BG Check appears as a deletion');
  const last = await v3('GET', '/api/v3/lastModified');
  assert.ok(last.body.result.collections.entries >= since);
  assert.ok(last.body.result.collections.treatments >= since);
});

test('a JWT from the token exchange stops working once the access token is revoked or rotated', async () => {
  const p = await t.createUser(['patient']);
  const token = (await t.api('POST', '/api/v1/glucose/patients/me/upload-credentials/access-token', { token: p.token, body: {} })).body.accessToken;
  const jwt = (await t.api('GET', `/api/v2/authorization/request/${token}`)).body.token;
  assert.equal((await t.api('GET', '/api/v3/status', { headers: { authorization: `Bearer ${jwt}` } })).status, 200);
  await t.api('DELETE', '/api/v1/glucose/patients/me/upload-credentials/access-token', { token: p.token });
  assert.equal((await t.api('GET', '/api/v3/status', { headers: { authorization: `Bearer ${jwt}` } })).status, 401);
  assert.equal((await t.api('GET', '/api/v1/entries.json', { headers: { authorization: `Bearer ${jwt}` } })).status, 401);
});
