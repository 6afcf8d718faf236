import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from './breaker.js';

const RATE = { failureThreshold: 5, cooldownMs: 1000, halfOpenMaxCalls: 1, windowSize: 20, failureRateThreshold: 0.5, minimumCalls: 10 };

test('failure-rate rule: ≥ 50 % failures over the last 20 calls opens the circuit once 10 calls were made, without 5 in a row', () => {
  const b = new CircuitBreaker('h', RATE, () => 0);
  // Alternate: never two failures in a row. After 9 calls (5 failures) the minimum is not reached yet.
  for (let i = 0; i < 4; i += 1) { b.failure(); b.success(); }
  b.failure();
  assert.deepEqual(b.windowCounts, { calls: 9, failures: 5 });
  assert.equal(b.state, 'closed');
  b.success();
  assert.equal(b.state, 'closed', '5 of 10 is 50 %, but the last call succeeded: only failures are checked');
  b.failure();
  assert.equal(b.state, 'open', '6 failures of 11 calls');
});

test('failure-rate rule: the window slides, so old failures stop counting; below 50 % it stays closed', () => {
  const b = new CircuitBreaker('h', RATE, () => 0);
  for (let i = 0; i < 4; i += 1) b.failure();
  for (let i = 0; i < 16; i += 1) b.success();
  assert.deepEqual(b.windowCounts, { calls: 20, failures: 4 });
  for (let i = 0; i < 4; i += 1) { b.success(); b.failure(); }
  // The four early failures slid out: the window holds 16 calls of which 4 fail… plus 4 new failures of 8 newer calls.
  assert.equal(b.windowCounts.calls, 20);
  assert.ok(b.windowCounts.failures < 10);
  assert.equal(b.state, 'closed');
});

test('without windowSize the breaker behaves as before (consecutive failures only)', () => {
  const b = new CircuitBreaker('h', { failureThreshold: 3, cooldownMs: 1000, halfOpenMaxCalls: 1 }, () => 0);
  for (let i = 0; i < 30; i += 1) { b.failure(); b.failure(); b.success(); }
  assert.equal(b.state, 'closed');
  assert.deepEqual(b.windowCounts, { calls: 0, failures: 0 });
});

test('a probe that succeeds after opening closes the circuit with an empty window', () => {
  let now = 0;
  const b = new CircuitBreaker('h', RATE, () => now);
  for (let i = 0; i < 5; i += 1) b.failure();
  assert.equal(b.state, 'open');
  now = 1000;
  assert.equal(b.tryAcquire(), true);
  b.success();
  assert.equal(b.state, 'closed');
  assert.deepEqual(b.windowCounts, { calls: 0, failures: 0 });
});
