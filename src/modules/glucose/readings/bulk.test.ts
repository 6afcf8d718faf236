import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { StreamClient } from '../../../platform/realtime/testing/stream-client.js';
import { cgmSeries, link, minutesAgo, startGlucoseApp } from '../testing.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

const upload = (user: TestUser, body: unknown, patient = 'me', headers: Record<string, string> = {}) =>
  t.api('POST', `/api/v1/glucose/patients/${patient}/readings/bulk`, { token: user.token, body, headers });

const storedCount = async (patientId: string) => Number((await sql<{ n: number }>`select count(*)::int as n from glucose.readings where patient_id = ${patientId}`.execute(t.db.db)).rows[0].n);

test('10,000 readings in one request are stored; 10,001 are refused with 400 batch_too_large', async () => {
  const p = await t.createUser(['patient']);
  const readings = cgmSeries(10_000, (i) => 100 + Math.round(30 * Math.sin(i / 20)), { endAgoMin: 10 });
  const res = await upload(p, { source: 'cgm', device: 'test-cgm', readings });
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
  assert.equal(res.body.received, 10_000);
  assert.equal(res.body.inserted, 10_000);
  assert.equal(res.body.duplicates, 0);
  assert.deepEqual(res.body.rejected, []);
  assert.equal(res.body.firstMeasuredAt, readings[0].measuredAt);
  assert.equal(res.body.lastMeasuredAt, readings[9_999].measuredAt);
  assert.equal(await storedCount(p.id), 10_000);
  const tooMany = await upload(p, { source: 'cgm', readings: [...readings, readings[0]] });
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.body.code, 'batch_too_large');
  const again = await upload(p, { source: 'cgm', readings });
  assert.equal(again.body.inserted, 0);
  assert.equal(again.body.duplicates, 10_000);
  const batch = await sql<{ channel: string; inserted: number; duplicates: number }>`select channel, inserted, duplicates from glucose.upload_batches where id = ${again.body.batchId}`.execute(t.db.db);
  assert.deepEqual(batch.rows[0], { channel: 'api', inserted: 0, duplicates: 10_000 });
});

test('exact and ±30 s CGM duplicates are counted, not stored; meter readings only dedupe on the same second', async () => {
  const p = await t.createUser(['patient']);
  const base = Date.parse(minutesAgo(60));
  const at = (s: number) => new Date(base + s * 1000).toISOString();
  const first = await upload(p, { source: 'cgm', readings: [{ measuredAt: at(0), value: 100 }, { measuredAt: at(300), value: 105 }] });
  assert.equal(first.body.inserted, 2);
  const second = await upload(p, { source: 'cgm', readings: [
    { measuredAt: at(0), value: 100 }, { measuredAt: at(29), value: 101 }, { measuredAt: at(331), value: 106 }, { measuredAt: at(600), value: 110 }, { measuredAt: at(620), value: 111 },
  ] });
  assert.equal(second.body.inserted, 2, 'at(331) is 31 s after a stored reading; at(620) is within 30 s of at(600) in the same batch');
  assert.equal(second.body.duplicates, 3);
  const meter = await upload(p, { source: 'meter', readings: [{ measuredAt: at(0), value: 98 }, { measuredAt: at(10), value: 99 }, { measuredAt: at(10), value: 99 }] });
  assert.equal(meter.body.inserted, 2);
  assert.equal(meter.body.duplicates, 1);
});

test('invalid items are reported by index with a code and field; the valid ones are stored', async () => {
  const p = await t.createUser(['patient']);
  const ok = minutesAgo(30);
  const res = await upload(p, { source: 'cgm', readings: [
    { measuredAt: ok, value: 120 },
    { measuredAt: minutesAgo(20), value: 38 },
    { measuredAt: new Date(Date.now() + 10 * 60_000).toISOString(), value: 120 },
    { measuredAt: minutesAgo(15), value: 120, direction: 'Sideways' },
    { measuredAt: 'yesterday', value: 120 },
    { measuredAt: '2025-10-31T08:00:00', value: 120 },
    { measuredAt: minutesAgo(10), value: 120, battery: 80 },
    { measuredAt: minutesAgo(5), value: 6.7, unit: 'mmol/L', direction: 'Flat', noise: 1 },
    'not an object',
  ] });
  assert.equal(res.status, 200);
  assert.equal(res.body.inserted, 2);
  assert.deepEqual(res.body.rejected.map((r: { index: number; code: string; field: string }) => [r.index, r.code, r.field]), [
    [1, 'value_out_of_range', 'readings[1].value'],
    [2, 'measured_at_in_future', 'readings[2].measuredAt'],
    [3, 'invalid_direction', 'readings[3].direction'],
    [4, 'invalid_timestamp', 'readings[4].measuredAt'],
    [5, 'invalid_timestamp', 'readings[5].measuredAt'],
    [6, 'unknown_field', 'readings[6].battery'],
    [8, 'invalid_item', 'readings[8].'],
  ]);
  const history = await t.api('GET', `/api/v1/glucose/patients/me/readings?from=${minutesAgo(40)}`, { token: p.token });
  assert.deepEqual(history.body.items.map((r: { value: number }) => r.value), [120, 120.7]);
  assert.equal(history.body.items[1].direction, 'Flat');
});

test('trend rates and arrows are computed at ingest (§4.1.5 vectors)', async () => {
  const p = await t.createUser(['patient']);
  await upload(p, { source: 'cgm', readings: cgmSeries(4, (i) => [100, 112, 124, 136][i], { endAgoMin: 2 }) });
  const current = await t.api('GET', '/api/v1/glucose/patients/me/readings/current', { token: p.token });
  assert.equal(current.status, 200);
  assert.equal(current.body.reading.value, 136);
  assert.equal(current.body.reading.trendRate, 2.4);
  assert.equal(current.body.reading.direction, 'SingleUp');
  assert.equal(current.body.reading.delta5, 12);
  assert.equal(current.body.stale, false);
  assert.equal(current.body.minutesAgo, 2);
  const p2 = await t.createUser(['patient']);
  await upload(p2, { source: 'cgm', readings: cgmSeries(4, (i) => [100, 110, 120, 130][i]) });
  const c2 = await t.api('GET', '/api/v1/glucose/patients/me/readings/current', { token: p2.token });
  assert.equal(c2.body.reading.trendRate, 2);
  assert.equal(c2.body.reading.direction, 'FortyFiveUp');
});

test('a CGM jump is stored flagged suspect and left out of trend rates', async () => {
  const p = await t.createUser(['patient']);
  const res = await upload(p, { source: 'cgm', readings: cgmSeries(4, (i) => [100, 101, 160, 102][i]) });
  assert.equal(res.body.inserted, 4);
  const history = await t.api('GET', `/api/v1/glucose/patients/me/readings?from=${minutesAgo(30)}`, { token: p.token });
  assert.deepEqual(history.body.items.map((r: { flags: string[] }) => r.flags), [[], [], ['suspect'], []]);
  assert.equal(history.body.items[3].trendRate, 0.13, 'slope of 100, 101, 102 at 0, 5, 15 min');
});

test('a storage failure stores nothing and answers 503 with Retry-After; the retry with the same key stores everything once', async () => {
  const p = await t.createUser(['patient']);
  await sql`create function glucose.fail_insert() returns trigger language plpgsql as $$ begin raise exception 'disk full' using errcode = '53100'; end $$`.execute(t.db.db);
  await sql`create trigger fail_insert before insert on glucose.readings for each row execute function glucose.fail_insert()`.execute(t.db.db);
  const body = { source: 'cgm', readings: cgmSeries(50, (i) => 100 + i) };
  const failed = await upload(p, body, 'me', { 'idempotency-key': 'batch-1' });
  await sql`drop trigger fail_insert on glucose.readings`.execute(t.db.db);
  await sql`drop function glucose.fail_insert()`.execute(t.db.db);
  assert.equal(failed.status, 503);
  assert.equal(failed.body.code, 'storage_unavailable');
  assert.ok(Number(failed.headers.get('retry-after')) >= 1);
  assert.equal(await storedCount(p.id), 0);
  const batches = await sql<{ n: number }>`select count(*)::int as n from glucose.upload_batches where patient_id = ${p.id}`.execute(t.db.db);
  assert.equal(batches.rows[0].n, 0);
  const retry = await upload(p, body, 'me', { 'idempotency-key': 'batch-1' });
  assert.equal(retry.status, 200);
  assert.equal(retry.body.inserted, 50);
  const replay = await upload(p, body, 'me', { 'idempotency-key': 'batch-1' });
  assert.deepEqual(replay.body, retry.body);
  assert.equal(await storedCount(p.id), 50);
});

test('concurrent retries of one batch store each reading once', async () => {
  const p = await t.createUser(['patient']);
  const body = { source: 'cgm', readings: cgmSeries(500, (i) => 90 + (i % 40)) };
  const results = await Promise.all([upload(p, body), upload(p, body), upload(p, body)]);
  assert.deepEqual(results.map((r) => r.status), [200, 200, 200]);
  assert.equal(results.reduce((n, r) => n + r.body.inserted, 0), 500);
  assert.equal(results.reduce((n, r) => n + r.body.duplicates, 0), 1000);
  assert.equal(await storedCount(p.id), 500);
});

test('bulk upload is for the patient and admins; a caregiver gets 403, a stranger 404', async () => {
  const p = await t.createUser(['patient']);
  const caregiver = await t.createUser(['caregiver']);
  const admin = await t.createUser(['admin']);
  const stranger = await t.createUser(['patient']);
  await link(t, p, caregiver);
  const body = { source: 'meter', readings: [{ measuredAt: minutesAgo(30), value: 100 }] };
  assert.equal((await upload(caregiver, body, p.id)).status, 403);
  assert.equal((await upload(stranger, body, p.id)).status, 404);
  const byAdmin = await upload(admin, body, p.id);
  assert.equal(byAdmin.status, 200);
  assert.equal(byAdmin.body.inserted, 1);
  const audit = await t.db.db.selectFrom('platform.audit_events').selectAll().where('entity_id', '=', byAdmin.body.batchId).execute();
  assert.equal(audit.length, 1, 'one audit event per request');
  assert.equal(audit[0].action, 'glucose.readings.uploaded');
  assert.equal((audit[0].diff as { role: string; inserted: number }).role, 'admin');
});

test('subscribers of glucose.readings:<patient> get reading.created for a live reading and readings.backfilled for older ones', async () => {
  const p = await t.createUser(['patient']);
  const caregiver = await t.createUser(['caregiver']);
  const stranger = await t.createUser(['caregiver']);
  await link(t, p, caregiver);
  const topic = `glucose.readings:${p.id}`;
  const follower = await StreamClient.open(t.url, { token: caregiver.token });
  const outsider = await StreamClient.open(t.url, { token: stranger.token });
  try {
    assert.equal((await follower.subscribe(topic)).type, 'subscribed');
    const refused = await outsider.subscribe(topic);
    assert.equal(refused.type, 'error');
    const readings = cgmSeries(3, (i) => [100, 104, 108][i], { endAgoMin: 1 });
    await upload(p, { source: 'cgm', readings: [{ measuredAt: minutesAgo(120), value: 90 }, ...readings] });
    const backfilled = await follower.next((f) => f.type === 'event' && f.event === 'readings.backfilled');
    assert.equal(backfilled.data.inserted, 3);
    assert.equal(backfilled.data.patientId, p.id);
    const created = await follower.next((f) => f.type === 'event' && f.event === 'reading.created');
    assert.equal(created.topic, topic);
    assert.equal(created.data.reading.value, 108);
    assert.equal(created.data.reading.source, 'cgm');
    assert.equal(created.data.reading.delta5, 4);
    // §6: the forecast stored with the reading rides on the event (Glucose III)
    assert.equal(created.data.forecast.primaryModel, 'ar2');
    assert.equal(typeof created.data.forecast.predictionId, 'string');
    const audit = await t.db.db.selectFrom('platform.audit_events').select('action').where('actor_id', '=', caregiver.id).where('action', '=', 'glucose.readings.subscribed').execute();
    assert.equal(audit.length, 1);
  } finally {
    follower.close();
    outsider.close();
  }
});

test('when the live event cannot be published after the commit, the readings are kept and the upload succeeds', async () => {
  const p = await t.createUser(['patient']);
  const realtime = t.app.platform.realtime;
  const publish = realtime.publish;
  realtime.publish = async () => { throw new Error('bus down'); };
  try {
    const res = await upload(p, { source: 'cgm', readings: cgmSeries(3, (i) => 100 + i) });
    assert.equal(res.status, 200);
    assert.equal(res.body.inserted, 3);
  } finally {
    realtime.publish = publish;
  }
  assert.equal(await storedCount(p.id), 3);
  const current = await t.api('GET', '/api/v1/glucose/patients/me/readings/current', { token: p.token });
  assert.equal(current.body.reading.value, 102, 'clients that missed the event find the reading by refetching');
});
