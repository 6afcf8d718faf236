import { test } from 'node:test';
import assert from 'node:assert/strict';
import { directionOf, nightscoutTrend, trendRate } from './trend.js';

const at = (minutes: number[], values: number[]) => minutes.map((m, i) => ({ t: m * 60_000, v: values[i] }));

test('the worked vectors of §4.1.5: 2.40 SingleUp, 1.30 FortyFiveUp, 2.00 FortyFiveUp', () => {
  const rising = trendRate(at([0, 5, 10, 15], [100, 112, 124, 136]));
  assert.equal(rising, 2.4);
  assert.equal(directionOf(rising), 'SingleUp');
  const gentle = trendRate(at([0, 5, 10, 15], [100, 104, 115, 118]));
  assert.equal(gentle, 1.3);
  assert.equal(directionOf(gentle), 'FortyFiveUp');
  const steady = trendRate(at([0, 5, 10, 15], [100, 110, 120, 130]));
  assert.equal(steady, 2);
  assert.equal(directionOf(steady), 'FortyFiveUp');
});

test('a rate needs two readings spanning at least 4 minutes', () => {
  assert.equal(trendRate(at([0], [100])), null);
  assert.equal(trendRate(at([0, 3], [100, 110])), null);
  assert.equal(trendRate(at([0, 4], [100, 110])), 2.5);
  assert.equal(directionOf(null), 'NOT COMPUTABLE');
});

test('arrow thresholds are inclusive on the side of the smaller arrow (xDrip+)', () => {
  assert.deepEqual([-3.6, -3.5, -2, -1.99, -1, 0, 1, 1.01, 2, 3.5, 3.51].map(directionOf),
    ['DoubleDown', 'DoubleDown', 'SingleDown', 'FortyFiveDown', 'FortyFiveDown', 'Flat', 'Flat', 'FortyFiveUp', 'FortyFiveUp', 'SingleUp', 'DoubleUp']);
});

test('falling rates are negative and rounded half away from zero', () => {
  assert.equal(trendRate(at([0, 5, 10, 15], [136, 124, 112, 100])), -2.4);
  assert.equal(trendRate(at([0, 8], [100, 100.2])), 0.03);
  assert.equal(trendRate(at([0, 8], [100.2, 100])), -0.03);
});

test('Nightscout numeric trends', () => {
  assert.equal(nightscoutTrend('DoubleUp'), 1);
  assert.equal(nightscoutTrend('Flat'), 4);
  assert.equal(nightscoutTrend('NOT COMPUTABLE'), 8);
  assert.equal(nightscoutTrend('NONE'), 0);
  assert.equal(nightscoutTrend(null), undefined);
});
