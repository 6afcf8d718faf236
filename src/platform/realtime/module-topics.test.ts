import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';
import type { AtriumModule } from '../types.js';
import { StreamClient } from './testing/stream-client.js';

/** A module as a real one declares it: a topic per room, open to members only (an async check). */
const members = new Map<string, Set<string>>([['blue', new Set()]]);
const demo: AtriumModule = {
  name: 'demo',
  routes: async () => {},
  topics: [
    { prefix: 'demo.room', authorize: async (user, key) => members.get(key)?.has(user.id) ?? false },
    { prefix: 'demo.broken', authorize: () => { throw new Error('lookup failed'); } },
  ],
};

let t: TestApp;
before(async () => { t = await startTestApp({ modules: [demo] }); });
after(async () => { await t.close(); });

test('a module\'s declared topic is authorised by its own rule', async () => {
  const member = await t.createUser(['patient']);
  const stranger = await t.createUser(['patient']);
  members.get('blue')!.add(member.id);
  const a = await StreamClient.open(t.url, { token: member.token });
  const b = await StreamClient.open(t.url, { token: stranger.token });
  assert.equal((await a.subscribe('demo.room:blue')).type, 'subscribed');
  assert.equal((await b.subscribe('demo.room:blue')).code, 'forbidden_topic');
  assert.equal((await a.subscribe('demo.room:red')).code, 'forbidden_topic', 'an unknown key is refused like a forbidden one');
  await t.app.platform.realtime.publish('demo.room:blue', 'message.posted', { text: 'hi' });
  assert.deepEqual((await a.next()).data, { text: 'hi' });
  a.close();
  b.close();
});

test('a rule that throws refuses the subscription with internal_error', async () => {
  const user = await t.createUser(['patient']);
  const client = await StreamClient.open(t.url, { token: user.token });
  assert.equal((await client.subscribe('demo.broken:1')).code, 'internal_error');
  client.close();
});

test('publishing to an undeclared topic or with a bad event name fails loudly', async () => {
  await assert.rejects(t.app.platform.realtime.publish('nosuch:1', 'x', {}), /No topic "nosuch"/);
  await assert.rejects(t.app.platform.realtime.publish('demo.room:blue', 'Bad Name', {}), /Invalid event type/);
  assert.throws(() => t.app.platform.realtime.defineTopic({ prefix: 'demo.room', authorize: () => true }), /declared twice/);
});
