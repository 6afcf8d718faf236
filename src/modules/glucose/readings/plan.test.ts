import { test } from 'node:test';
import assert from 'node:assert/strict';
import { delta5, planIngest, type IncomingReading } from './plan.js';
import type { StoredReading } from './model.js';

const T0 = Date.UTC(2025, 9, 31, 8, 0, 0);
const min = (m: number) => T0 + m * 60_000;
const cgm = (index: number, m: number, value: number, extra: Partial<IncomingReading> = {}): IncomingReading => ({ index, source: 'cgm', measuredAtMs: min(m), value, ...extra });
const stored = (m: number, value: number, extra: Partial<StoredReading> = {}): StoredReading => ({
  id: `00000000-0000-7000-8000-${String(m).padStart(12, '0')}`, patientId: 'p', measuredAt: new Date(min(m)), source: 'cgm', value, direction: null,
  trendRate: null, flags: [], context: null, notes: null, sensorId: null, device: null, noise: null, utcOffsetMin: null, enteredBy: null,
  clientId: null, raw: null, receivedAt: new Date(), deleted: false, ...extra,
});

test('a batch is stored in time order with trend rates from batch neighbours', () => {
  const plan = planIngest([], [cgm(3, 15, 136), cgm(0, 0, 100), cgm(2, 10, 124), cgm(1, 5, 112)]);
  assert.deepEqual(plan.toInsert.map((r) => r.index), [0, 1, 2, 3]);
  assert.deepEqual(plan.toInsert.map((r) => r.trendRate), [null, 2.4, 2.4, 2.4]);
  assert.equal(plan.toInsert[3].direction, 'SingleUp');
  assert.equal(plan.toInsert[0].direction, 'NOT COMPUTABLE');
});

test('trend rates also use stored neighbours; an uploader direction is kept', () => {
  const plan = planIngest([stored(0, 100), stored(5, 104), stored(10, 115)], [cgm(0, 15, 118, { direction: 'Flat' })]);
  assert.equal(plan.toInsert[0].trendRate, 1.3);
  assert.equal(plan.toInsert[0].direction, 'Flat');
});

test('exact and ±30 s CGM duplicates are counted, first stored wins, also within the batch', () => {
  const plan = planIngest([stored(0, 100)], [cgm(0, 0, 100), cgm(1, 0.4, 101), cgm(2, 5, 110), cgm(3, 5.25, 111), cgm(4, 5.6, 112)]);
  assert.deepEqual(plan.toInsert.map((r) => r.index), [2, 4]);
  assert.deepEqual(plan.duplicates.map((d) => d.item.index).sort(), [0, 1, 3]);
  assert.equal(plan.duplicates.find((d) => d.item.index === 3)!.existing, plan.toInsert[0]);
});

test('a deleted reading still holds its key: re-sending it stays a duplicate', () => {
  const plan = planIngest([stored(0, 100, { deleted: true })], [cgm(0, 0, 100)]);
  assert.equal(plan.toInsert.length, 0);
  assert.equal(plan.duplicates.length, 1);
});

test('meter readings dedupe on the exact second only', () => {
  const plan = planIngest([], [
    { index: 0, source: 'meter', measuredAtMs: min(0), value: 100 },
    { index: 1, source: 'meter', measuredAtMs: min(0.2), value: 101 },
    { index: 2, source: 'meter', measuredAtMs: min(0.2), value: 102 },
  ]);
  assert.deepEqual(plan.toInsert.map((r) => r.index), [0, 1]);
});

test('a jump of ≥ 40 faster than 6 mg/dL/min is suspect and left out of later trend rates', () => {
  const plan = planIngest([stored(0, 100), stored(5, 100)], [cgm(0, 10, 160), cgm(1, 15, 100)]);
  assert.deepEqual(plan.toInsert[0].flags, ['suspect']);
  assert.deepEqual(plan.toInsert[1].flags, []);
  assert.equal(plan.toInsert[1].trendRate, 0);
  const slow = planIngest([stored(0, 100)], [cgm(0, 10, 150)]);
  assert.deepEqual(slow.toInsert[0].flags, [], '50 in 10 min is 5 mg/dL/min: not suspect');
});

test('CGM readings take the current sensor and a warm-up flag before its warm-up ends', () => {
  const plan = planIngest([], [cgm(0, 0, 100), cgm(1, 30, 110)], { id: 'sensor-1', status: 'warming_up', warmupEndsAtMs: min(20) });
  assert.deepEqual(plan.toInsert.map((r) => [r.sensorId, r.flags]), [['sensor-1', ['warmup']], ['sensor-1', []]]);
});

test('delta5 takes the same-source reading closest to 5 minutes earlier within 2.5–7.5', () => {
  const target = { source: 'cgm' as const, measuredAtMs: min(10), value: 120 };
  assert.equal(delta5(target, [{ source: 'cgm', t: min(4), v: 100 }, { source: 'cgm', t: min(5.5), v: 110 }]), 10);
  assert.equal(delta5(target, [{ source: 'cgm', t: min(1), v: 100 }, { source: 'meter', t: min(5), v: 100 }]), null);
});

test('reading ids are UUIDv7 carrying measured_at, so an id names its partition', async () => {
  const { uuidV7At, timestampOfUuidV7, nightscoutId, uuidRangeOfNightscoutId } = await import('./ids.js');
  const id = uuidV7At(T0);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(timestampOfUuidV7(id), T0);
  const [low, high] = uuidRangeOfNightscoutId(nightscoutId(id));
  assert.ok(low <= id && id <= high);
});
