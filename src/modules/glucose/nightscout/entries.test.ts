import { test, after, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp } from '../../../../test/helpers/app.js';
import { nightscoutUploader, startGlucoseApp } from '../testing.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

const MIN = 60_000;
// One clock per test: times computed when posting and when asserting must not straddle a second boundary.
let now = Date.now();
beforeEach(() => { now = Date.now(); });
const ago = (minutes: number) => Math.floor((now - minutes * MIN) / 1000) * 1000;
const sgv = (minutesAgo: number, value: number, extra: Record<string, unknown> = {}) => ({ type: 'sgv', sgv: value, date: ago(minutesAgo), device: 'test', ...extra });

async function setup() {
  const p = await t.createUser(['patient']);
  return { p, ns: await nightscoutUploader(t, p) };
}

const readingsOf = async (patientId: string) => (await sql<{ measured_at: Date; source: string; value: number; flags: string[]; direction: string | null; raw: Record<string, unknown> | null; utc_offset_min: number | null; client_id: string | null }>`
  select measured_at, source, value_mgdl::float8 as value, flags, direction, raw, utc_offset_min, client_id from glucose.readings where patient_id = ${patientId} order by measured_at`.execute(t.db.db)).rows;

test('date is preferred over dateString, which is preferred over sysTime; an entry with none is left out', async () => {
  const { p, ns } = await setup();
  const res = await ns.call('POST', '/api/v1/entries', [
    { type: 'sgv', sgv: 120, date: ago(30), dateString: new Date(ago(60)).toISOString() },
    { type: 'sgv', sgv: 121, dateString: new Date(ago(20)).toISOString().replace('Z', '+00:00').replace(/(\d{2}):(\d{2}):(\d{2})\.\d+\+00:00$/, '$1:$2:$3+0000') },
    { type: 'sgv', sgv: 122, sysTime: new Date(ago(10)).toISOString() },
    { type: 'sgv', sgv: 123 },
  ]);
  assert.equal(res.status, 200);
  assert.equal(res.body.length, 3);
  const rows = await readingsOf(p.id);
  assert.deepEqual(rows.map((r) => new Date(r.measured_at).getTime()), [ago(30), ago(20), ago(10)]);
  assert.equal(rows[1].utc_offset_min, 0);
});

test('the offset of dateString becomes utcOffset when date is absent; utcOffset wins when sent', async () => {
  const { p, ns } = await setup();
  const local = new Date(ago(15) + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
  await ns.call('POST', '/api/v1/entries', [{ type: 'sgv', sgv: 100, dateString: local }, sgv(5, 101, { utcOffset: -300 })]);
  const rows = await readingsOf(p.id);
  assert.deepEqual(rows.map((r) => r.utc_offset_min), [120, -300]);
  const out = await ns.call('GET', '/api/v1/entries.json?count=2');
  assert.deepEqual(out.body.map((e: { utcOffset: number }) => e.utcOffset), [-300, 120]);
});

test('sgv 39 is flagged below range, 401–600 above range, above 600 refused; below 39 is a sensor error event', async () => {
  const { p, ns } = await setup();
  const res = await ns.call('POST', '/api/v1/entries', [sgv(100, 39), sgv(35, 450), sgv(30, 601), sgv(25, 5), sgv(20, 1)]);
  assert.equal(res.body.length, 2);
  const rows = await readingsOf(p.id);
  assert.deepEqual(rows.map((r) => [r.value, r.flags]), [[39, ['below_sensor_range']], [450, ['above_sensor_range']]]);
  const events = await t.db.db.selectFrom('glucose.sensor_events').selectAll().where('patient_id', '=', p.id).orderBy('at').execute();
  assert.deepEqual(events.map((e) => [e.event, (e.payload as { code: number }).code]), [['error_code', 5], ['error_code', 1]]);
  await ns.call('POST', '/api/v1/entries', [sgv(25, 5)]);
  assert.equal((await t.db.db.selectFrom('glucose.sensor_events').selectAll().where('patient_id', '=', p.id).execute()).length, 2, 'a re-sent special value is recorded once');
});

test('an unknown direction is stored as NOT COMPUTABLE with the original kept; uploader extras go to raw', async () => {
  const { p, ns } = await setup();
  await ns.call('POST', '/api/v1/entries', [sgv(5, 110, { direction: 'Sideways', filtered: 110000, unfiltered: 111000, rssi: 100, delta: 1.5, trend: 4 })]);
  const [row] = await readingsOf(p.id);
  assert.equal(row.direction, 'NOT COMPUTABLE');
  assert.deepEqual(row.raw, { direction: 'Sideways', filtered: 110000, unfiltered: 111000, rssi: 100, delta: 1.5, trend: 4 });
});

test('posting the same entries again creates no duplicates and answers the stored records with their _id', async () => {
  const { p, ns } = await setup();
  const batch = [sgv(15, 100), sgv(10, 104, { _id: 'xdrip-uuid-1' }), sgv(5, 108)];
  const first = await ns.call('POST', '/api/v1/entries', batch);
  const second = await ns.call('POST', '/api/v1/entries', batch);
  assert.deepEqual(second.body.map((e: { _id: string }) => e._id), first.body.map((e: { _id: string }) => e._id));
  assert.equal(first.body[1]._id, 'xdrip-uuid-1');
  assert.match(first.body[0]._id, /^[0-9a-f]{24}$/);
  assert.equal((await readingsOf(p.id)).length, 3);
  const batches = await sql<{ channel: string; inserted: number; duplicates: number }>`select channel, inserted, duplicates from glucose.upload_batches where patient_id = ${p.id} order by received_at`.execute(t.db.db);
  assert.deepEqual(batches.rows, [{ channel: 'nightscout_v1', inserted: 3, duplicates: 0 }, { channel: 'nightscout_v1', inserted: 0, duplicates: 3 }]);
});

test('mbg entries become meter readings; cal entries set the current sensor coefficients; other types are refused', async () => {
  const { p, ns } = await setup();
  await t.db.db.insertInto('glucose.sensors').values({ patient_id: p.id, model: 'dexcom_g6', status: 'active', started_at: new Date(ago(600)) }).execute();
  const res = await ns.call('POST', '/api/v1/entries', [
    { type: 'mbg', mbg: 132, date: ago(12), device: 'xDrip-Meter' },
    { type: 'cal', slope: 850.5, intercept: 30000, scale: 1, date: ago(11) },
    { type: 'note', date: ago(10) },
  ]);
  assert.equal(res.body.length, 1);
  assert.equal(res.body[0].type, 'mbg');
  assert.equal(res.body[0].mbg, 132);
  const sensor = await t.db.db.selectFrom('glucose.sensors').selectAll().where('patient_id', '=', p.id).executeTakeFirstOrThrow();
  assert.equal(Number(sensor.cal_slope), 850.5);
  assert.equal((await readingsOf(p.id))[0].source, 'meter');
});

test('GET entries: count (default 10), date and dateString filters (a space for +), sgv filter, type, and the 4-day default window', async () => {
  const { ns } = await setup();
  const docs = Array.from({ length: 15 }, (_, i) => sgv(5 * (15 - i), 100 + i));
  docs.push(sgv(5 * 24 * 60, 90), { type: 'mbg', mbg: 150, date: ago(3), device: 'meter' } as never);
  await ns.call('POST', '/api/v1/entries', docs);
  const latest = await ns.call('GET', '/api/v1/entries.json');
  assert.equal(latest.body.length, 10);
  assert.equal(latest.body[0].type, 'mbg');
  assert.deepEqual(Object.keys(latest.body[1]).sort(), ['_id', 'date', 'dateString', 'device', 'direction', 'mills', 'sgv', 'sysTime', 'trend', 'type'].sort());
  const sgvOnly = await ns.call('GET', '/api/v1/entries/sgv.json?count=3&rr=12345');
  assert.deepEqual(sgvOnly.body.map((e: { sgv: number }) => e.sgv), [114, 113, 112]);
  const cut = docs[11].date as number;
  const since = await ns.call('GET', `/api/v1/entries/sgv.json?count=100&find[date][$gte]=${cut}`);
  assert.deepEqual(since.body.map((e: { sgv: number }) => e.sgv), [114, 113, 112, 111]);
  const iso = new Date(cut + 2 * 3_600_000).toISOString().replace('Z', '+02:00').replace('+', ' ');
  const byString = await ns.call('GET', `/api/v1/entries/sgv.json?count=100&find[dateString][$gte]=${encodeURIComponent(iso)}`);
  assert.equal(byString.body.length, 4);
  const high = await ns.call('GET', '/api/v1/entries.json?count=100&find[sgv][$gt]=112&find[type]=sgv');
  assert.deepEqual(high.body.map((e: { sgv: number }) => e.sgv), [114, 113]);
  const meter = await ns.call('GET', '/api/v1/entries/mbg.json');
  assert.deepEqual(meter.body.map((e: { mbg: number }) => e.mbg), [150]);
  const all = await ns.call('GET', '/api/v1/entries.json?count=100');
  assert.equal(all.body.length, 16, 'the 5-day-old reading is outside the default 4 days');
  const old = await ns.call('GET', `/api/v1/entries.json?count=100&find[date][$gte]=${ago(6 * 24 * 60)}`);
  assert.equal(old.body.length, 17);
  const current = await ns.call('GET', '/api/v1/entries/current.json');
  assert.equal(current.body.length, 1);
  assert.equal(current.body[0].sgv, 114);
});

test('unsupported find filters are refused with 400; .tsv and .csv answer text without a header', async () => {
  const { ns } = await setup();
  await ns.call('POST', '/api/v1/entries', [sgv(5, 123, { direction: 'Flat', device: 'xDrip-DexcomG6' })]);
  const bad = await ns.call('GET', '/api/v1/entries.json?find[noise][$gte]=1');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'unsupported_filter');
  assert.equal((await ns.call('GET', '/api/v1/entries.json?find[date][$ne]=1')).body.code, 'unsupported_filter');
  const [stored] = (await ns.call('GET', '/api/v1/entries.json?count=1')).body as { date: number }[];
  const tsv = await ns.call('GET', '/api/v1/entries.tsv?count=1');
  assert.match(tsv.headers.get('content-type')!, /tab-separated/);
  assert.equal(tsv.body, `${new Date(stored.date).toISOString()}\t${stored.date}\t123\tFlat\txDrip-DexcomG6\n`);
  const csv = await ns.call('GET', '/api/v1/entries/sgv.csv?count=1');
  assert.equal(csv.body.split(',').length, 5);
});

test('entries reads are audited with the uploader as actor; another patient\'s secret never sees these entries', async () => {
  const { p, ns } = await setup();
  const other = await setup();
  await ns.call('POST', '/api/v1/entries', [sgv(5, 140)]);
  assert.deepEqual((await other.ns.call('GET', '/api/v1/entries.json')).body, []);
  await ns.call('GET', '/api/v1/entries.json');
  const audit = await t.db.db.selectFrom('platform.audit_events').selectAll().where('action', '=', 'glucose.nightscout.entries.read').where('entity_id', '=', p.id).execute();
  assert.equal(audit.length, 1);
  assert.match(audit[0].actor_email!, new RegExp(`^uploader:${p.id}`));
  const cred = await t.api('GET', '/api/v1/glucose/patients/me/upload-credentials', { token: p.token });
  assert.equal(cred.body.lastUsedApp, 'xDrip+ 2024.01');
});
