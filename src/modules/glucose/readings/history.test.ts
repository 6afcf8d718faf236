import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { cgmSeries, minutesAgo, startGlucoseApp } from '../testing.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

const get = (user: TestUser, path: string) => t.api('GET', `/api/v1/glucose/patients/me${path}`, { token: user.token });

test('current answers 200 with reading null for a patient without data', async () => {
  const p = await t.createUser(['patient']);
  const res = await get(p, '/readings/current');
  assert.equal(res.status, 200);
  assert.equal(res.body.reading, null);
  assert.equal(res.body.minutesAgo, null);
  assert.equal(res.body.stale, false);
  assert.deepEqual(res.body.openAlerts, []);
});

test('current is stale once the last CGM reading is 15 minutes old; a newer manual reading is the reading shown', async () => {
  const p = await t.createUser(['patient']);
  await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: p.token, body: { source: 'cgm', readings: cgmSeries(3, () => 110, { endAgoMin: 16 }) } });
  await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: p.token, body: { value: 115, measuredAt: minutesAgo(5) } });
  const res = await get(p, '/readings/current');
  assert.equal(res.body.reading.source, 'manual');
  assert.equal(res.body.reading.value, 115);
  assert.equal(res.body.minutesAgo, 5);
  assert.equal(res.body.stale, true);
});

test('90 days of 5-minute data page through 13 pages of 2000 with cursors, in order and without gaps', async () => {
  const p = await t.createUser(['patient']);
  const end = Math.floor((Date.now() - 60_000) / 300_000) * 300_000;
  const all = cgmSeries(25_920, (i) => 80 + (i % 100), { endMs: end });
  for (let i = 0; i < all.length; i += 10_000) {
    const res = await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: p.token, body: { source: 'cgm', readings: all.slice(i, i + 10_000) } });
    assert.equal(res.body.inserted, Math.min(10_000, all.length - i));
  }
  const from = all[0].measuredAt;
  const to = new Date(end + 1000).toISOString();
  let cursor: string | null = null;
  let pages = 0;
  let seen = 0;
  let previous = '';
  do {
    const res = await get(p, `/readings?from=${from}&to=${to}&limit=2000${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const item of res.body.items) {
      assert.ok(item.measuredAt > previous);
      previous = item.measuredAt;
    }
    seen += res.body.items.length;
    cursor = res.body.nextCursor;
    pages += 1;
  } while (cursor);
  assert.equal(pages, 13);
  assert.equal(seen, 25_920);

  const desc = await get(p, `/readings?from=${from}&to=${to}&limit=3&order=desc`);
  assert.deepEqual(desc.body.items.map((r: { measuredAt: string }) => r.measuredAt), [all[25_919].measuredAt, all[25_918].measuredAt, all[25_917].measuredAt]);
  const desc2 = await get(p, `/readings?from=${from}&to=${to}&limit=3&order=desc&cursor=${desc.body.nextCursor}`);
  assert.equal(desc2.body.items[0].measuredAt, all[25_916].measuredAt);

  const tooLong = await get(p, `/readings?from=${new Date(end - 91 * 86_400_000).toISOString()}&to=${to}`);
  assert.equal(tooLong.status, 400);
  assert.equal(tooLong.body.code, 'range_too_large');
});

test('buckets of 5m, 15m and 1h hold the mean (one decimal), min, max and count, aligned on the patient clock', async () => {
  const p = await t.createUser(['patient']);
  await t.api('PATCH', '/api/v1/glucose/patients/me/settings', { token: p.token, body: { timezone: 'Asia/Kolkata' } });
  // Kolkata is UTC+05:30: local hours start at :30 UTC.
  const hourStart = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000 + 30 * 60_000;
  const readings = Array.from({ length: 12 }, (_, i) => ({ measuredAt: new Date(hourStart + i * 5 * 60_000 + 60_000).toISOString(), value: 100 + i }));
  await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: p.token, body: { source: 'cgm', readings } });
  const range = `from=${new Date(hourStart - 3_600_000).toISOString()}&to=${new Date(hourStart + 2 * 3_600_000).toISOString()}`;
  const hourly = await get(p, `/readings?${range}&granularity=1h`);
  assert.deepEqual(hourly.body.items, [{ bucketStart: new Date(hourStart).toISOString(), value: 105.5, min: 100, max: 111, count: 12 }]);
  const quarter = await get(p, `/readings?${range}&granularity=15m`);
  assert.deepEqual(quarter.body.items.map((b: { value: number; count: number }) => [b.value, b.count]), [[101, 3], [104, 3], [107, 3], [110, 3]]);
  const five = await get(p, `/readings?${range}&granularity=5m&limit=5`);
  assert.equal(five.body.items.length, 5);
  const rest = await get(p, `/readings?${range}&granularity=5m&limit=10&cursor=${five.body.nextCursor}`);
  assert.equal(rest.body.items.length, 7);
  assert.equal(rest.body.nextCursor, null);
  assert.equal(rest.body.items[0].value, 105);
});

test('include=markers lists notes of manual readings in the page span; history is audited with its window', async () => {
  const p = await t.createUser(['patient']);
  await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: p.token, body: { value: 140, notes: 'pizza', measuredAt: minutesAgo(30) } });
  const res = await get(p, '/readings?include=markers');
  assert.equal(res.body.markers.length, 1);
  assert.equal(res.body.markers[0].kind, 'note');
  assert.equal(res.body.markers[0].label, 'pizza');
  const audit = await t.db.db.selectFrom('platform.audit_events').selectAll().where('actor_id', '=', p.id).where('action', '=', 'glucose.readings.read').execute();
  assert.equal(audit.length, 1);
  assert.ok((audit[0].diff as { from: string }).from);
  const one = await get(p, `/readings/${res.body.items[0].id}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.value, 140);
  assert.equal((await get(p, '/readings/0192f3a0-8c00-7a1e-9d2f-3b1c5e6a7f80')).body.code, 'reading_not_found');
});
