import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { ClientFactory, OutboundHttpError } from './index.js';

type Script = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;
let script: Script = (_req, res) => res.end('ok');
let hits = 0;
let server: http.Server;
let base: string;

before(async () => {
  server = http.createServer((req, res) => {
    hits += 1;
    req.resume();
    req.on('end', () => script(req, res, hits));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function setup(script_: Script, options: ConstructorParameters<typeof ClientFactory>[0] = {}) {
  script = script_;
  hits = 0;
  const sleeps: number[] = [];
  const registry = new Registry();
  const factory = new ClientFactory({ registry, sleep: async (ms) => { sleeps.push(ms); }, ...options });
  const client = factory.client({ target: 'test', baseUrl: base, timeoutMs: 2_000, retries: 2 });
  return { factory, client, sleeps, registry };
}

const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof OutboundHttpError, `expected OutboundHttpError, got ${err}`);
    return err;
  }
  assert.fail('the call should have failed');
};

test('a call that gets no answer within its timeout fails with a timeout error', async () => {
  const { client } = setup(() => { /* never answers */ });
  const err = await failure(client.request({ path: '/slow', timeoutMs: 150, retries: 0 }));
  assert.equal(err.failure, 'timeout');
  assert.equal(err.transient, true);
});

test('an idempotent call is retried after 502/503 and then succeeds', async () => {
  const { client, sleeps } = setup((_req, res, n) => {
    res.statusCode = n < 3 ? (n === 1 ? 502 : 503) : 200;
    res.end(n < 3 ? 'busy' : '{"ok":true}');
  });
  const res = await client.request({ path: '/thing' });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json(), { ok: true });
  assert.equal(hits, 3);
  assert.equal(sleeps.length, 2);
});

test('429 waits for the Retry-After the target asked for', async () => {
  const { client, sleeps } = setup((_req, res, n) => {
    if (n === 1) {
      res.writeHead(429, { 'retry-after': '2' });
      res.end();
    } else res.end('ok');
  });
  await client.request({ path: '/limited' });
  assert.deepEqual(sleeps, [2000]);
});

test('a Retry-After longer than the client will wait fails at once and reports the wait', async () => {
  const { client } = setup((_req, res) => {
    res.writeHead(429, { 'retry-after': '120' });
    res.end('{"message":"slow down"}');
  });
  const err = await failure(client.request({ path: '/limited' }));
  assert.equal(hits, 1);
  assert.equal(err.status, 429);
  assert.equal(err.retryAfterMs, 120_000);
});

test('a POST is not retried unless the call is marked retryable', async () => {
  const answer: Script = (_req, res, n) => {
    res.statusCode = n === 1 ? 503 : 201;
    res.end();
  };
  const plain = setup(answer);
  const err = await failure(plain.client.request({ method: 'POST', path: '/messages', json: { a: 1 } }));
  assert.equal(err.status, 503);
  assert.equal(hits, 1);

  const marked = setup(answer);
  const res = await marked.client.request({ method: 'POST', path: '/messages', json: { a: 1 }, retryable: true });
  assert.equal(res.status, 201);
  assert.equal(hits, 2);
});

test('a client error is not retried and the error carries the status and the body, truncated', async () => {
  const long = JSON.stringify({ code: 21211, message: 'x'.repeat(5000) });
  const { client } = setup((_req, res) => {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(long);
  });
  const err = await failure(client.request({ path: '/bad' }));
  assert.equal(hits, 1);
  assert.equal(err.status, 400);
  assert.equal(err.transient, false);
  assert.ok(err.body!.length <= 2049);
  assert.ok(err.body!.startsWith('{"code":21211'));
});

test('network errors are retried, then reported with the number of attempts', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const { factory } = setup(() => {});
  const client = factory.client({ target: 'gone', baseUrl: `http://127.0.0.1:${port}`, retries: 2 });
  const err = await failure(client.request({ path: '/' }));
  assert.equal(err.failure, 'network');
  assert.equal(err.attempts, 3);
});

test('the circuit opens after repeated failures, refuses calls without reaching the host, then half-opens', async () => {
  let now = 0;
  let healthy = false;
  const { factory, client, registry } = setup((_req, res) => {
    res.statusCode = healthy ? 200 : 500;
    res.end();
  }, { now: () => now, breaker: { failureThreshold: 2, cooldownMs: 10_000 } });
  const host = new URL(base).host;

  await failure(client.request({ path: '/', retries: 0 }));
  await failure(client.request({ path: '/', retries: 0 }));
  assert.equal(factory.breakerState(host), 'open');
  const refused = await failure(client.request({ path: '/', retries: 0 }));
  assert.equal(refused.failure, 'circuit_open');
  assert.equal(hits, 2, 'the open circuit did not call the host');

  now += 10_000;
  assert.equal(factory.breakerState(host), 'half_open');
  healthy = true;
  const res = await client.request({ path: '/', retries: 0 });
  assert.equal(res.status, 200);
  assert.equal(factory.breakerState(host), 'closed');

  const text = await registry.metrics();
  assert.match(text, /atrium_outbound_requests_total\{target="test",outcome="circuit_open"\} 1/);
  assert.match(text, /atrium_outbound_requests_total\{target="test",outcome="server_error"\} 2/);
  assert.match(text, /atrium_outbound_circuit_state\{target="test",host="127\.0\.0\.1:\d+"\} 0/);
  assert.match(text, /atrium_outbound_request_duration_seconds_count\{target="test",outcome="ok"\} 1/);
});
