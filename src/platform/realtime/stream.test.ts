import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';
import type { RealtimeHub } from './hub.js';
import { StreamClient, StreamRefused } from './testing/stream-client.js';

const SECRET = 'stream-test-secret-stream-test-secret-0123456789';
let t: TestApp;
let hub: RealtimeHub;
before(async () => {
  t = await startTestApp({ env: { ATRIUM_JWT_SECRET: SECRET } });
  hub = t.app.platform.realtime as RealtimeHub;
});
after(async () => { await t.close(); });

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function refusal(auth: { token?: string; ticket?: string }): Promise<StreamRefused> {
  try {
    const client = await StreamClient.open(t.url, auth);
    client.close();
  } catch (err) {
    if (err instanceof StreamRefused) return err;
    throw err;
  }
  assert.fail('the stream opened');
}

async function metric(name: string): Promise<number> {
  const text = (await t.api('GET', '/metrics')).body as string;
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').pop()) : 0;
}

test('a bearer token opens the stream; the user receives events on their own topic', async () => {
  const user = await t.createUser(['patient']);
  const client = await StreamClient.open(t.url, { token: user.token });
  assert.deepEqual(await client.subscribe(`user:${user.id}`), { type: 'subscribed', topic: `user:${user.id}` });
  await t.app.platform.realtime.publish(`user:${user.id}`, 'inbox.message', { subject: 'Hello', unread: 3 });
  const event = await client.next();
  assert.deepEqual({ ...event, id: undefined }, { type: 'event', topic: `user:${user.id}`, event: 'inbox.message', data: { subject: 'Hello', unread: 3 }, id: undefined });
  assert.match(event.id, UUID_V7);
  client.close();
});

test('a ticket from POST /api/v1/stream/ticket opens the stream', async () => {
  const user = await t.createUser(['patient']);
  const res = await t.api('POST', '/api/v1/stream/ticket', { token: user.token });
  assert.equal(res.status, 200);
  assert.equal(res.body.expiresIn, 60);
  const client = await StreamClient.open(t.url, { ticket: res.body.ticket });
  assert.equal((await client.subscribe(`user:${user.id}`)).type, 'subscribed');
  client.close();
  assert.equal((await t.api('POST', '/api/v1/stream/ticket')).status, 401);
});

test('missing, invalid, expired or revoked credentials are refused with 401 before any upgrade', async () => {
  const user = await t.createUser(['patient']);
  const key = new TextEncoder().encode(SECRET);
  const past = Math.floor(Date.now() / 1000) - 120;
  const expiredAccess = await new SignJWT({ sid: 'x', roles: ['patient'] }).setProtectedHeader({ alg: 'HS256' })
    .setSubject(user.id).setIssuer('atrium').setAudience('atrium:access').setIssuedAt(past - 60).setExpirationTime(past).sign(key);
  const expiredTicket = await new SignJWT({ sid: 'x', roles: ['patient'] }).setProtectedHeader({ alg: 'HS256' })
    .setSubject(user.id).setIssuer('atrium').setAudience('atrium:ticket').setIssuedAt(past - 60).setExpirationTime(past).sign(key);

  assert.equal((await refusal({})).status, 401);
  assert.equal((await refusal({ token: 'not-a-jwt' })).body.code, 'invalid_token');
  assert.equal((await refusal({ token: expiredAccess })).body.code, 'invalid_token');
  assert.equal((await refusal({ ticket: 'not-a-ticket' })).body.code, 'invalid_ticket');
  assert.equal((await refusal({ ticket: expiredTicket })).body.code, 'invalid_ticket');
  // An access token is not a ticket (different audience).
  assert.equal((await refusal({ ticket: user.token })).body.code, 'invalid_ticket');

  const ticket = (await t.api('POST', '/api/v1/stream/ticket', { token: user.token })).body.ticket;
  assert.equal((await t.api('POST', '/api/v1/auth/logout', { token: user.token })).status, 204);
  assert.equal((await refusal({ token: user.token })).status, 401);
  assert.equal((await refusal({ ticket })).body.code, 'invalid_ticket');
});

test('another user\'s topic is refused with forbidden_topic and none of its events arrive', async () => {
  const alice = await t.createUser(['patient']);
  const bob = await t.createUser(['patient']);
  const client = await StreamClient.open(t.url, { token: alice.token });
  const refused = await client.subscribe(`user:${bob.id}`);
  assert.equal(refused.type, 'error');
  assert.equal(refused.code, 'forbidden_topic');
  assert.equal(refused.data, undefined);
  await client.subscribe(`user:${alice.id}`);
  // Events reach a process in publish order: had Bob's been delivered, it would come first.
  await t.app.platform.realtime.publish(`user:${bob.id}`, 'inbox.message', { secret: true });
  await t.app.platform.realtime.publish(`user:${alice.id}`, 'inbox.message', { n: 1 });
  const event = await client.next((f) => f.type === 'event');
  assert.equal(event.topic, `user:${alice.id}`);
  client.close();
});

test('the jobs topic is for admins and managers only', async () => {
  const patient = await t.createUser(['patient']);
  const manager = await t.createUser(['manager']);
  const admin = await t.createUser(['admin']);
  for (const [user, expected] of [[patient, 'error'], [manager, 'subscribed'], [admin, 'subscribed']] as const) {
    const client = await StreamClient.open(t.url, { token: user.token });
    assert.equal((await client.subscribe('jobs')).type, expected);
    client.close();
  }
});

test('malformed frames and unknown topics get error frames with a code; the socket stays usable', async () => {
  const user = await t.createUser(['patient']);
  const client = await StreamClient.open(t.url, { token: user.token });
  for (const raw of ['not json', '[1,2]', '{"type":"dance"}', '{"type":"subscribe"}', '{"type":"subscribe","topic":42}']) {
    client.send(raw);
    const frame = await client.next();
    assert.equal(frame.type, 'error', raw);
    assert.equal(frame.code, 'malformed_frame', raw);
  }
  client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  assert.equal((await client.next()).code, 'malformed_frame');
  assert.equal((await client.subscribe('nosuch:1')).code, 'unknown_topic');
  assert.equal((await client.subscribe('Not A Topic')).code, 'invalid_topic');
  client.send({ type: 'ping' });
  assert.deepEqual(await client.next(), { type: 'pong' });
  client.close();
});

test('after unsubscribe a topic\'s events stop; other subscriptions continue', async () => {
  const admin = await t.createUser(['admin']);
  const client = await StreamClient.open(t.url, { token: admin.token });
  await client.subscribe('jobs');
  await client.subscribe(`user:${admin.id}`);
  client.send({ type: 'unsubscribe', topic: 'jobs' });
  assert.deepEqual(await client.next(), { type: 'unsubscribed', topic: 'jobs' });
  await t.app.platform.realtime.publish('jobs', 'job.completed', { queue: 'q' });
  await t.app.platform.realtime.publish(`user:${admin.id}`, 'inbox.message', { n: 1 });
  assert.equal((await client.next((f) => f.type === 'event')).topic, `user:${admin.id}`);
  client.close();
});

test('a socket holds at most maxSubscriptions topics', async () => {
  hub.configure({ maxSubscriptions: 1 });
  try {
    const admin = await t.createUser(['admin']);
    const client = await StreamClient.open(t.url, { token: admin.token });
    assert.equal((await client.subscribe('jobs')).type, 'subscribed');
    assert.equal((await client.subscribe('jobs')).type, 'subscribed', 'subscribing again is idempotent');
    assert.equal((await client.subscribe(`user:${admin.id}`)).code, 'too_many_subscriptions');
    client.close();
  } finally {
    hub.configure({ maxSubscriptions: 100 });
  }
});

test('logout closes the session\'s sockets with 4001, and only those', async () => {
  const user = await t.createUser(['patient']);
  const other = await t.api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
  const mine = await StreamClient.open(t.url, { token: user.token });
  const otherSession = await StreamClient.open(t.url, { token: other.body.accessToken });
  await t.api('POST', '/api/v1/auth/logout', { token: user.token });
  assert.deepEqual(await mine.closed, { code: 4001, reason: 'session ended' });
  otherSession.send({ type: 'ping' });
  assert.deepEqual(await otherSession.next(), { type: 'pong' });
  otherSession.close();
});

test('a role change drops the subscriptions the user may no longer hold, with an error frame', async () => {
  const manager = await t.createUser(['manager', 'patient']);
  const client = await StreamClient.open(t.url, { token: manager.token });
  await client.subscribe('jobs');
  await client.subscribe(`user:${manager.id}`);
  await t.db.db.deleteFrom('platform.user_roles').where('user_id', '=', manager.id).where('role', '=', 'manager').execute();
  t.app.platform.events.emit('user.roles_changed', { userId: manager.id });
  const dropped = await client.next();
  assert.equal(dropped.type, 'error');
  assert.equal(dropped.code, 'subscription_revoked');
  assert.equal(dropped.topic, 'jobs');
  await t.app.platform.realtime.publish('jobs', 'job.completed', {});
  await t.app.platform.realtime.publish(`user:${manager.id}`, 'inbox.message', {});
  assert.equal((await client.next((f) => f.type === 'event')).topic, `user:${manager.id}`);
  client.close();
});

test('a payload too large for NOTIFY goes through the table and arrives whole', async () => {
  const user = await t.createUser(['patient']);
  const client = await StreamClient.open(t.url, { token: user.token });
  await client.subscribe(`user:${user.id}`);
  const data = { text: 'é'.repeat(40_000), list: Array.from({ length: 500 }, (_, i) => i) };
  await t.app.platform.realtime.publish(`user:${user.id}`, 'report.ready', data);
  await t.app.platform.realtime.publish(`user:${user.id}`, 'small.after', { n: 1 });
  const big = await client.next();
  assert.equal(big.event, 'report.ready');
  assert.deepEqual(big.data, data);
  assert.equal((await client.next()).event, 'small.after', 'order is kept across the two paths');
  const stored = await t.db.pool.query('select id from platform.realtime_payloads where id = $1', [big.id]);
  assert.equal(stored.rowCount, 1, 'the large payload went by id');
  client.close();
});

test('a client that stops reading is dropped with 4008 instead of being buffered without bound', async () => {
  hub.configure({ maxBufferedBytes: 64 * 1024 });
  try {
    const user = await t.createUser(['patient']);
    const client = await StreamClient.open(t.url, { token: user.token });
    await client.subscribe(`user:${user.id}`);
    const tcp = (client.ws as unknown as { _socket: import('node:net').Socket })._socket;
    tcp.pause();
    const chunk = { blob: 'x'.repeat(256 * 1024) };
    const before = await metric('atrium_realtime_sockets_dropped_total{reason="slow_consumer"}');
    let dropped = false;
    for (let i = 0; i < 1000 && !dropped; i++) {
      await t.app.platform.realtime.publish(`user:${user.id}`, 'bulk', chunk);
      dropped = (await metric('atrium_realtime_sockets_dropped_total{reason="slow_consumer"}')) > before;
    }
    assert.ok(dropped, 'the server dropped the slow client');
    tcp.resume();
    const closed = await client.closed;
    assert.equal(closed.code, 4008);
    assert.match(closed.reason, /slow consumer/);
  } finally {
    hub.configure({ maxBufferedBytes: 1024 * 1024 });
  }
});

test('a socket that stops answering pings is cut at the next heartbeat', async () => {
  const user = await t.createUser(['patient']);
  const client = await StreamClient.open(t.url, { token: user.token });
  const before = await metric('atrium_realtime_sockets_dropped_total{reason="dead"}');
  (client.ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
  hub.configure({ heartbeatMs: 50 });
  try {
    while ((await metric('atrium_realtime_sockets_dropped_total{reason="dead"}')) === before) await new Promise((r) => setTimeout(r, 50));
  } finally {
    hub.configure({ heartbeatMs: 30_000 });
  }
  (client.ws as unknown as { _socket: import('node:net').Socket })._socket.resume();
  assert.equal((await client.closed).code, 1006);
});

test('the stream and ticket routes are in the OpenAPI document; a plain GET answers 426', async () => {
  const spec = (await t.api('GET', '/openapi.json')).body;
  assert.deepEqual(spec.paths['/api/v1/stream'].get.tags, ['realtime']);
  assert.ok(spec.paths['/api/v1/stream'].get.responses['101']);
  assert.deepEqual(spec.paths['/api/v1/stream/ticket'].post.tags, ['realtime']);
  const user = await t.createUser(['patient']);
  const plain = await t.api('GET', '/api/v1/stream', { token: user.token });
  assert.equal(plain.status, 426);
  assert.equal(plain.body.code, 'upgrade_required');
});

test('metrics count connected sockets, frames sent and bus latency', async () => {
  const user = await t.createUser(['patient']);
  const client = await StreamClient.open(t.url, { token: user.token });
  await client.subscribe(`user:${user.id}`);
  await t.app.platform.realtime.publish(`user:${user.id}`, 'x.y', {});
  await client.next();
  assert.ok((await metric('atrium_realtime_sockets ')) >= 1);
  assert.ok((await metric('atrium_realtime_messages_sent_total{type="event"}')) >= 1);
  assert.ok((await metric('atrium_realtime_bus_latency_seconds_count')) >= 1);
  client.close();
});
