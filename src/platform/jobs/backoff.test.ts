import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryBackoffBounds, retryBackoffSeconds } from './backoff.js';

test('with retryDelay 30 s, retry 1 waits 30–60 s, retry 2 60–120 s, retry 3 120–240 s', () => {
  assert.deepEqual(retryBackoffBounds(1, 30, 3600), { min: 30, max: 60 });
  assert.deepEqual(retryBackoffBounds(2, 30, 3600), { min: 60, max: 120 });
  assert.deepEqual(retryBackoffBounds(3, 30, 3600), { min: 120, max: 240 });
});

test('the delay is uniform between the bounds: random 0.5 lands in the middle', () => {
  assert.equal(retryBackoffSeconds(2, 30, 3600, () => 0.5), 90);
});

test('retryDelayMax caps late retries, and the exponent stops growing at 16', () => {
  assert.deepEqual(retryBackoffBounds(8, 30, 3600), { min: 3600, max: 3600 });
  assert.equal(retryBackoffSeconds(40, 1, null, () => 0), 2 ** 15);
  assert.equal(retryBackoffSeconds(16, 1, null, () => 1), 2 ** 16);
});

test('a retryDelay below one second counts as one second, as in pg-boss', () => {
  assert.deepEqual(retryBackoffBounds(1, 0, null), { min: 1, max: 2 });
});
