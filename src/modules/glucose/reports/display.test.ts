import { test } from 'node:test';
import assert from 'node:assert/strict';
import { glucoseText, rangeLabels, timePerDay } from './display.js';

test('time-in-range labels use largest remainder and show "<1 %" for a small non-zero band (§4.8 worked example)', () => {
  const labels = rangeLabels([0.4, 2.3, 72.6, 19.9, 4.8]);
  assert.deepEqual(labels.map((l) => l.value), [0, 2, 73, 20, 5]);
  assert.deepEqual(labels.map((l) => l.label), ['<1 %', '2 %', '73 %', '20 %', '5 %']);
  assert.equal(labels.reduce((a, l) => a + l.value, 0), 100);
});

test('a band of exactly zero is "0 %", not "<1 %"', () => {
  assert.deepEqual(rangeLabels([0, 0, 100, 0, 0]).map((l) => l.label), ['0 %', '0 %', '100 %', '0 %', '0 %']);
});

test('time per day: 72.6 % is 17 h 25 min', () => {
  assert.equal(timePerDay(72.6), '17 h 25 min');
  assert.equal(timePerDay(0.4), '6 min');
  assert.equal(timePerDay(25), '6 h');
});

test('glucose display conversion of §4: 100 → 5.5, 70 → 3.9, 54 → 3.0, 180 → 10.0, 250 → 13.9', () => {
  assert.deepEqual([100, 70, 54, 180, 250].map((v) => glucoseText(v, 'mmol/L')), ['5.5', '3.9', '3.0', '10.0', '13.9']);
  assert.equal(glucoseText(123.4, 'mg/dL'), '123');
});
