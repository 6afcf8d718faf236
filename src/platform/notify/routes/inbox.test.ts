import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { waitFor } from '../../../../test/fakes/providers.js';
import { StreamClient } from '../../realtime/testing/stream-client.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t.close(); });

async function fillInbox(user: TestUser, n: number) {
  for (let i = 1; i <= n; i += 1) {
    await t.app.platform.notify.send({ to: { userId: user.id }, template: 'message', channels: ['inapp'], data: { title: `Message ${i}`, body: `body ${i}` } });
  }
  await waitFor('inbox filled', async () => {
    const res = await t.api('GET', '/api/v1/inbox?limit=200', { token: user.token });
    return res.body.items.length === n;
  });
}

test('the inbox pages newest first with a cursor, counts unread, and marks one or all read', async () => {
  const user = await t.createUser(['patient']);
  await fillInbox(user, 5);
  // Delivery jobs run concurrently, so arrival order (the inbox order) need not be the order of sending.
  const page1 = await t.api('GET', '/api/v1/inbox?limit=2', { token: user.token });
  const page2 = await t.api('GET', `/api/v1/inbox?limit=2&cursor=${page1.body.nextCursor}`, { token: user.token });
  const page3 = await t.api('GET', `/api/v1/inbox?limit=2&cursor=${page2.body.nextCursor}`, { token: user.token });
  assert.deepEqual([page1, page2, page3].map((p) => p.body.items.length), [2, 2, 1]);
  assert.equal(page3.body.nextCursor, null);
  const ids = [page1, page2, page3].flatMap((p) => p.body.items.map((m: any) => m.id));
  assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
  const titles = [page1, page2, page3].flatMap((p) => p.body.items.map((m: any) => m.title));
  assert.deepEqual(titles.sort(), ['Message 1', 'Message 2', 'Message 3', 'Message 4', 'Message 5']);
  assert.deepEqual((await t.api('GET', '/api/v1/inbox/unread-count', { token: user.token })).body, { unread: 5 });

  const read = await t.api('POST', `/api/v1/inbox/${page1.body.items[0].id}/read`, { token: user.token });
  assert.equal(read.status, 200);
  assert.ok(read.body.readAt);
  assert.deepEqual((await t.api('GET', '/api/v1/inbox/unread-count', { token: user.token })).body, { unread: 4 });
  const unread = await t.api('GET', '/api/v1/inbox?unread=true', { token: user.token });
  assert.equal(unread.body.items.length, 4);

  const all = await t.api('POST', '/api/v1/inbox/read-all', { token: user.token });
  assert.deepEqual(all.body, { updated: 4 });
  assert.deepEqual((await t.api('GET', '/api/v1/inbox/unread-count', { token: user.token })).body, { unread: 0 });
  const audit = await t.db.db.selectFrom('platform.audit_events').select('action').where('actor_id', '=', user.id).where('action', 'like', 'inbox.%').execute();
  assert.deepEqual(audit.map((a) => a.action).sort(), ['inbox.all_read', 'inbox.message_read']);
});

test('a patient cannot read or mark another user\'s message: 404, as if it did not exist', async () => {
  const owner = await t.createUser(['patient']);
  const other = await t.createUser(['patient']);
  await fillInbox(owner, 1);
  const [message] = (await t.api('GET', '/api/v1/inbox', { token: owner.token })).body.items;
  const get = await t.api('GET', `/api/v1/inbox/${message.id}`, { token: other.token });
  assert.equal(get.status, 404);
  assert.equal(get.body.code, 'message_not_found');
  assert.equal((await t.api('POST', `/api/v1/inbox/${message.id}/read`, { token: other.token })).status, 404);
  assert.deepEqual((await t.api('GET', '/api/v1/inbox', { token: other.token })).body.items, []);
  const mine = await t.api('GET', `/api/v1/inbox/${message.id}`, { token: owner.token });
  assert.equal(mine.status, 200);
  assert.equal(mine.body.readAt, null, 'the other user\'s attempt changed nothing');
  assert.equal((await t.api('GET', '/api/v1/inbox')).status, 401);
});

test('a new inbox message is announced live on user:<id>', async () => {
  const user = await t.createUser(['patient']);
  const stream = await StreamClient.open(t.url, { token: user.token });
  try {
    const subscribed = await stream.subscribe(`user:${user.id}`);
    assert.equal(subscribed.type, 'subscribed');
    await t.app.platform.notify.send({ to: { userId: user.id }, template: 'message', channels: ['inapp'], data: { title: 'Live', body: 'now' } });
    const frame = await stream.next((f) => f.type === 'event' && f.topic === `user:${user.id}`);
    assert.equal(frame.event, 'inbox.message');
    assert.equal(frame.data.title, 'Live');
  } finally {
    stream.close();
  }
});

test('devices: register (again refreshes), list without tokens, remove only mine', async () => {
  const user = await t.createUser(['patient']);
  const other = await t.createUser(['patient']);
  const first = await t.api('POST', '/api/v1/me/devices', { token: user.token, body: { token: 'fcm-registration-token-1', platform: 'android', label: 'Pixel' } });
  assert.equal(first.status, 201);
  const again = await t.api('POST', '/api/v1/me/devices', { token: user.token, body: { token: 'fcm-registration-token-1', platform: 'android', label: 'Pixel 8' } });
  assert.equal(again.body.id, first.body.id);
  const list = await t.api('GET', '/api/v1/me/devices', { token: user.token });
  assert.deepEqual(list.body.items.map((d: any) => d.label), ['Pixel 8']);
  assert.equal(JSON.stringify(list.body).includes('fcm-registration-token-1'), false);
  assert.equal((await t.api('DELETE', `/api/v1/me/devices/${first.body.id}`, { token: other.token })).status, 404);
  assert.equal((await t.api('DELETE', `/api/v1/me/devices/${first.body.id}`, { token: user.token })).status, 204);
  assert.deepEqual((await t.api('GET', '/api/v1/me/devices', { token: user.token })).body.items, []);
});

test('the outbox list is for admins, and hides webhook secrets', async () => {
  const admin = await t.createUser(['admin']);
  const patient = await t.createUser(['patient']);
  await t.app.platform.notify.send({ to: { channel: 'discord', address: 'https://discord.example/api/webhooks/1/secret-token' }, template: 'message', dedupKey: 'test:outbox-list', data: { title: 'T', body: 'B' } });
  assert.equal((await t.api('GET', '/api/v1/notify/outbox', { token: patient.token })).status, 403);
  const list = await t.api('GET', '/api/v1/notify/outbox?dedupKey=test:outbox-list', { token: admin.token });
  assert.equal(list.status, 200);
  assert.equal(list.body.items.length, 1);
  assert.equal(list.body.items[0].address, 'https://discord.example/…');
});
