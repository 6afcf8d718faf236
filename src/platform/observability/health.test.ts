import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import pg from 'pg';
import { buildApp } from '../../app.js';
import { openDatabase } from '../db/pool.js';
import { migrationFiles } from '../db/migrate.js';
import { createTestDatabase } from '../db/test-database.js';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t.close(); });

/** A TCP relay to the database that a test can cut, leaving its port closed. */
async function tcpProxy(target: URL): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}

test('/health/live answers 200 while the process runs', async () => {
  const res = await t.api('GET', '/health/live');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { status: 'ok' });
});

test('/health/ready answers 200 with each check when the database answers and migrations are current', async () => {
  const res = await t.api('GET', '/health/ready');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { status: 'ready', checks: [{ name: 'database', ok: true }, { name: 'migrations', ok: true }] });
});

test('/health/ready answers a 503 problem naming the migrations check while a migration is pending', async () => {
  const [latest] = migrationFiles().slice(-1);
  const row = await t.db.db.selectFrom('platform.schema_migrations' as never).selectAll().where('name' as never, '=', latest.name as never).executeTakeFirstOrThrow();
  await t.db.db.deleteFrom('platform.schema_migrations' as never).where('name' as never, '=', latest.name as never).execute();
  try {
    const res = await t.api('GET', '/health/ready');
    assert.equal(res.status, 503);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(res.body.code, 'not_ready');
    assert.ok(res.body.requestId);
    assert.deepEqual(res.body.checks, [{ name: 'database', ok: true }, { name: 'migrations', ok: false, detail: `pending: ${latest.name}` }]);
    assert.ok(res.body.detail.includes(latest.name));
  } finally {
    await t.db.db.insertInto('platform.schema_migrations' as never).values(row as never).execute();
  }
  assert.equal((await t.api('GET', '/health/ready')).status, 200);
});

test('/health/ready answers a 503 problem naming the database once its port closes, and /health/live still answers', async () => {
  const cable = await tcpProxy(new URL(t.db.url));
  const url = new URL(t.db.url);
  url.port = String(cable.port);
  const database = openDatabase(url.toString(), { max: 2 });
  // An API process, as a load balancer probes it (workers have no HTTP listener).
  const app = await buildApp({ config: t.config, database, logger: false, modules: [], role: 'api' });
  try {
    const first = await app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(first.statusCode, 200, first.body);
    await cable.cut();
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 503);
    assert.match(ready.headers['content-type'] as string, /^application\/problem\+json/);
    const body = ready.json();
    assert.equal(body.code, 'not_ready');
    assert.equal(body.checks.length, 1);
    assert.equal(body.checks[0].name, 'database');
    assert.equal(body.checks[0].ok, false);
    assert.match(body.detail, /^Not ready: database \(/);
    assert.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
  } finally {
    await app.close();
    await database.close();
  }
});

test('/health/ready answers 503 when the database it was using goes away', async () => {
  const victim = await createTestDatabase();
  const app = await buildApp({ config: t.config, database: victim, logger: false, modules: [], role: 'api' });
  try {
    const first = await app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(first.statusCode, 200, first.body);
    const admin = new pg.Client({ connectionString: process.env.ATRIUM_TEST_SERVER_URL });
    await admin.connect();
    await admin.query(`drop database ${victim.name} with (force)`);
    await admin.end();
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json().checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok]), [['database', false]]);
  } finally {
    await app.close();
    await victim.drop();
  }
});
