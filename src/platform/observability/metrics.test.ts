import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t.close(); });

async function scrape(): Promise<string> {
  const res = await t.api('GET', '/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.body;
}

const sample = (text: string, name: string, labels: Record<string, string>): number | undefined => {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
};

test('requests are counted by method, route pattern and status, with a duration histogram', async () => {
  const user = await t.createUser();
  for (let i = 0; i < 3; i++) await t.api('GET', '/api/v1/me', { token: user.token });
  await t.api('GET', '/api/v1/me');
  await t.api('DELETE', '/api/v1/me/sessions/01890000-0000-7000-8000-000000000000', { token: user.token });
  const text = await scrape();
  assert.match(text, /# TYPE atrium_http_requests_total counter/);
  assert.equal(sample(text, 'atrium_http_requests_total', { method: 'GET', route: '/api/v1/me', status: '200' }), 3);
  assert.equal(sample(text, 'atrium_http_requests_total', { method: 'GET', route: '/api/v1/me', status: '401' }), 1);
  assert.equal(sample(text, 'atrium_http_requests_total', { route: '/api/v1/me/sessions/:id', status: '404' }), 1, 'the pattern, not the id');
  assert.match(text, /# TYPE atrium_http_request_duration_seconds histogram/);
  assert.equal(sample(text, 'atrium_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/me', status: '200' }), 3);
  assert.equal(sample(text, 'atrium_http_request_duration_seconds_bucket', { method: 'GET', route: '/api/v1/me', status: '200', le: '+Inf' }), 3);
});

test('unknown URLs never become labels, so scanning random paths cannot multiply the series', async () => {
  const paths = ['/api/v1/nope-1', '/api/v1/nope-2/x', '/wp-admin.php', '/.env', '/some/page/nope-3'];
  for (const path of paths) await t.api('GET', path);
  const text = await scrape();
  for (const path of paths) assert.ok(!text.includes(path), path);
  assert.ok((sample(text, 'atrium_http_requests_total', { route: 'unmatched', status: '404' }) ?? 0) >= 2, 'unknown API paths count under "unmatched"');
});

test('the database pool and the process are measured', async () => {
  const text = await scrape();
  for (const state of ['total', 'idle', 'waiting']) {
    const value = sample(text, 'atrium_db_pool_connections', { state });
    assert.ok(value !== undefined && value >= 0, `pool ${state}`);
  }
  assert.ok(sample(text, 'atrium_db_pool_connections', { state: 'total' })! >= 1);
  for (const name of ['atrium_process_cpu_user_seconds_total', 'atrium_process_resident_memory_bytes', 'atrium_nodejs_eventloop_lag_seconds', 'atrium_nodejs_heap_size_used_bytes']) {
    assert.match(text, new RegExp(`^${name}`, 'm'), name);
  }
});
