import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';

describe('with the default settings', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  test('a supplied x-request-id is echoed and used in problems', async () => {
    const res = await t.api('GET', '/api/v1/me', { headers: { 'x-request-id': 'client-trace-42' } });
    assert.equal(res.headers.get('x-request-id'), 'client-trace-42');
    assert.equal(res.body.requestId, 'client-trace-42');
  });

  test('without one, or with one that is unsafe to log, a fresh id is generated per request', async () => {
    const a = await t.api('GET', '/health/live');
    const b = await t.api('GET', '/health/live');
    assert.match(a.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
    assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
    const unsafe = await t.api('GET', '/health/live', { headers: { 'x-request-id': 'x'.repeat(300) } });
    assert.match(unsafe.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
    const injected = await t.api('GET', '/health/live', { headers: { 'x-request-id': 'a b"}' } });
    assert.match(injected.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
  });

  test('security headers are set on every answer', async () => {
    for (const path of ['/health/live', '/api/v1/me', '/api/v1/missing']) {
      const res = await t.api('GET', path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', path);
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
      assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d+/, path);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(res.headers.get('x-powered-by'), null, path);
    }
  });

  test('without CORS_ORIGINS no cross-origin access is granted', async () => {
    const res = await t.api('GET', '/health/live', { headers: { origin: 'https://evil.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const preflight = await t.api('OPTIONS', '/api/v1/me', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  });
});

describe('with CORS_ORIGINS set', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp({ env: { CORS_ORIGINS: 'https://app.example, https://admin.example' } }); });
  after(async () => { await t.close(); });

  test('a listed origin is allowed, with credentials and the headers clients need exposed', async () => {
    const res = await t.api('GET', '/health/live', { headers: { origin: 'https://admin.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://admin.example');
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /x-request-id/);
    const preflight = await t.api('OPTIONS', '/api/v1/me', {
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example');
  });

  test('another origin is not', async () => {
    const res = await t.api('GET', '/health/live', { headers: { origin: 'https://evil.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });
});

describe('rate limits (RATE_LIMIT_AUTH_MAX=3, RATE_LIMIT_MAX=8)', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp({ env: { RATE_LIMIT_AUTH_MAX: '3', RATE_LIMIT_MAX: '8' } }); });
  after(async () => { await t.close(); });

  test('the 4th sign-in attempt within a minute answers a 429 problem with Retry-After', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await t.api('POST', '/api/v1/auth/login', { body: { email: `nobody${i}@example.test`, password: 'whatever-it-is' } });
      assert.equal(res.status, 401);
    }
    const res = await t.api('POST', '/api/v1/auth/login', { body: { email: 'nobody@example.test', password: 'whatever-it-is' } });
    assert.equal(res.status, 429);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(res.body.code, 'rate_limited');
    assert.equal(res.body.status, 429);
    assert.ok(res.body.requestId);
    const retryAfter = Number(res.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  });

  test('other routes have their own, larger budget; health checks have none', async () => {
    for (let i = 0; i < 8; i++) assert.equal((await t.api('GET', '/api/v1/me')).status, 401);
    const limited = await t.api('GET', '/api/v1/me');
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    for (let i = 0; i < 10; i++) assert.equal((await t.api('GET', '/health/live')).status, 200);
  });
});
