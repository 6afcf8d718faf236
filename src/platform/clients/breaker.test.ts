import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from './breaker.js';

const clock = () => {
  let now = 0;
  return { now: () => now, advance: (ms: number) => { now += ms; } };
};

test('the circuit opens after the configured number of consecutive failures, not before', () => {
  const c = clock();
  const breaker = new CircuitBreaker('h', { failureThreshold: 3, cooldownMs: 1000, halfOpenMaxCalls: 1 }, c.now);
  breaker.failure();
  breaker.failure();
  breaker.success();
  breaker.failure();
  breaker.failure();
  assert.equal(breaker.state, 'closed', 'a success resets the count');
  breaker.failure();
  assert.equal(breaker.state, 'open');
  assert.equal(breaker.tryAcquire(), false);
});

test('after the cooldown one probe goes through; its success closes the circuit', () => {
  const c = clock();
  const breaker = new CircuitBreaker('h', { failureThreshold: 1, cooldownMs: 1000, halfOpenMaxCalls: 1 }, c.now);
  breaker.failure();
  c.advance(999);
  assert.equal(breaker.tryAcquire(), false);
  c.advance(1);
  assert.equal(breaker.state, 'half_open');
  assert.equal(breaker.tryAcquire(), true);
  assert.equal(breaker.tryAcquire(), false, 'only one probe at a time');
  breaker.success();
  assert.equal(breaker.state, 'closed');
  assert.equal(breaker.tryAcquire(), true);
});

test('a failed probe opens the circuit again for a full cooldown', () => {
  const c = clock();
  const breaker = new CircuitBreaker('h', { failureThreshold: 1, cooldownMs: 1000, halfOpenMaxCalls: 1 }, c.now);
  breaker.failure();
  c.advance(1000);
  assert.equal(breaker.tryAcquire(), true);
  breaker.failure();
  assert.equal(breaker.state, 'open');
  c.advance(500);
  assert.equal(breaker.tryAcquire(), false);
});
