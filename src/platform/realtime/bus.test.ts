import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';
import { StreamClient } from './testing/stream-client.js';

/** Process B: a second real node process built on the same test database (testing/peer-server.ts). */
class Peer {
  private readonly answers = new Map<number, (reply: { ok: boolean; error?: string }) => void>();
  private nextId = 1;
  private constructor(private readonly child: ChildProcess, readonly url: string) {}

  static start(databaseUrl: string): Promise<Peer> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'testing/peer-server.ts')], {
      env: { ...process.env, PEER_DATABASE_URL: databaseUrl },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    return new Promise((resolve, reject) => {
      let peer: Peer | undefined;
      child.once('exit', (code) => { if (!peer) reject(new Error(`peer process exited (${code}) before listening`)); });
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        const message = JSON.parse(line);
        if (message.port) resolve(peer = new Peer(child, `http://127.0.0.1:${message.port}`));
        else peer?.answers.get(message.id)?.(message);
      });
    });
  }

  async publish(topic: string, event: string, data: unknown): Promise<void> {
    const id = this.nextId++;
    const reply = await new Promise<{ ok: boolean; error?: string }>((resolve) => {
      this.answers.set(id, resolve);
      this.child.stdin!.write(`${JSON.stringify({ id, topic, event, data })}\n`);
    });
    if (!reply.ok) throw new Error(reply.error);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin!.end();
    await exited;
  }
}

let a: TestApp;
let b: Peer;
before(async () => {
  a = await startTestApp();
  b = await Peer.start(a.db.url);
});
after(async () => {
  await b?.stop();
  await a?.close();
});

async function metric(name: string): Promise<number> {
  const text = (await a.api('GET', '/metrics')).body as string;
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').pop()) : 0;
}

test('an event published on process A reaches a client connected to process B', async () => {
  const user = await a.createUser(['patient']);
  const client = await StreamClient.open(b.url, { token: user.token });
  await client.subscribe(`user:${user.id}`);
  await a.app.platform.realtime.publish(`user:${user.id}`, 'inbox.message', { from: 'A' });
  const event = await client.next();
  assert.equal(event.type, 'event');
  assert.equal(event.event, 'inbox.message');
  assert.deepEqual(event.data, { from: 'A' });
  client.close();
});

test('a large payload published on process B reaches a client on process A', async () => {
  const user = await a.createUser(['patient']);
  const client = await StreamClient.open(a.url, { token: user.token });
  await client.subscribe(`user:${user.id}`);
  const data = { rows: Array.from({ length: 2_000 }, (_, i) => ({ i, label: `row ${i}` })) };
  await b.publish(`user:${user.id}`, 'report.ready', data);
  const event = await client.next();
  assert.equal(event.event, 'report.ready');
  assert.deepEqual(event.data, data);
  client.close();
});

test('logout on process A closes the session\'s socket held by process B', async () => {
  const user = await a.createUser(['patient']);
  const client = await StreamClient.open(b.url, { token: user.token });
  await client.subscribe(`user:${user.id}`);
  assert.equal((await a.api('POST', '/api/v1/auth/logout', { token: user.token })).status, 204);
  assert.deepEqual(await client.closed, { code: 4001, reason: 'session ended' });
});

test('after its LISTEN connection is killed, the bus reconnects and delivers again', async () => {
  const user = await a.createUser(['patient']);
  const client = await StreamClient.open(a.url, { token: user.token });
  await client.subscribe(`user:${user.id}`);
  const before = await metric('atrium_realtime_bus_reconnects_total');
  const killed = await a.db.pool.query(
    `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'atrium-realtime-bus' and datname = current_database()`);
  assert.ok(killed.rowCount! >= 2, 'both processes had a listener');
  while ((await metric('atrium_realtime_bus_reconnects_total')) === before) await new Promise((r) => setTimeout(r, 50));
  await b.publish(`user:${user.id}`, 'inbox.message', { after: 'reconnect' });
  assert.deepEqual((await client.next()).data, { after: 'reconnect' });
  client.close();
});
