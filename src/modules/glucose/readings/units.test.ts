import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasAtMostOneDecimal, toMgdl, toMmol } from './units.js';

test('mmol/L input converts with 18.0182 and one decimal, as in §4', () => {
  assert.equal(toMgdl(3.9, 'mmol/L'), 70.3);
  assert.equal(toMgdl(1.1, 'mmol/L'), 19.8);
  assert.equal(toMgdl(33.3, 'mmol/L'), 600);
  assert.equal(toMgdl(33.4, 'mmol/L'), 601.8);
  assert.equal(toMgdl(110, 'mg/dL'), 110);
});

test('display conversion gives the worked values', () => {
  assert.deepEqual([100, 70, 54, 180, 250].map(toMmol), [5.5, 3.9, 3, 10, 13.9]);
});

test('at most one decimal', () => {
  assert.ok(hasAtMostOneDecimal(110.5));
  assert.ok(hasAtMostOneDecimal(20));
  assert.ok(!hasAtMostOneDecimal(110.55));
});
