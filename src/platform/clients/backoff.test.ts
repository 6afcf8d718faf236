import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fullJitterDelay, parseRetryAfter } from './backoff.js';

test('full jitter stays between 0 and the exponential ceiling, capped by the maximum', () => {
  assert.equal(fullJitterDelay(1, 100, 10_000, () => 0.999999), 99);
  assert.equal(fullJitterDelay(3, 100, 10_000, () => 0.5), 200);
  assert.equal(fullJitterDelay(20, 100, 1_000, () => 0.5), 500);
  assert.equal(fullJitterDelay(4, 100, 10_000, () => 0), 0);
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter('0.5'), 500);
  const now = Date.parse('2025-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now), 10_000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(null), undefined);
});
