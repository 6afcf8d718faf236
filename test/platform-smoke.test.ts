import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t.close(); });

test('the API answers over real HTTP with a request id', async () => {
  const res = await t.api('GET', '/health/live');
  assert.equal(res.status, 200);
  assert.ok(res.headers.get('x-request-id'));
});
