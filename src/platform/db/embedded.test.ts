import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { EmbeddedPostgres, EmbeddedPostgresError } from './embedded.js';

let dataDir: string;
let port: number;
const started: EmbeddedPostgres[] = [];

const freePort = () => new Promise<number>((resolve, reject) => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1', () => {
    const { port: p } = server.address() as net.AddressInfo;
    server.close(() => resolve(p));
  });
  server.on('error', reject);
});

function instance(log?: (line: string) => void, notice?: (message: string) => void): EmbeddedPostgres {
  const pgInstance = new EmbeddedPostgres({ dataDir, port, log, notice });
  started.push(pgInstance);
  return pgInstance;
}

const pidFile = () => path.join(dataDir, 'postgres', 'postmaster.pid');
const serverPid = () => Number(readFileSync(pidFile(), 'utf8').split('\n')[0]);
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; } };

/** PostgreSQL processes whose command line names our data folder (Linux /proc). */
function serversOnDataDir(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dataDir)) pids.push(Number(entry));
    } catch { /* gone */ }
  }
  return pids;
}

async function query(server: EmbeddedPostgres, sql: string) {
  const client = new pg.Client({ connectionString: server.connectionString });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

before(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'atrium-embedded-'));
  port = await freePort();
});

after(async () => {
  for (const server of started) await server.stop().catch(() => {});
  for (const pid of serversOnDataDir()) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

test('a new data folder is initialised, the server answers on 127.0.0.1 only, and a second start reuses the data', async () => {
  const first = instance();
  await first.start();
  assert.equal(first.connectionString, `postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
  const [{ listen_addresses: listen }] = await query(first, 'show listen_addresses');
  assert.equal(listen, '127.0.0.1');
  const url = await first.ensureDatabase('atrium_probe');
  assert.match(url, new RegExp(`127\\.0\\.0\\.1:${port}/atrium_probe$`));
  assert.equal(await first.ensureDatabase('atrium_probe'), url, 'ensureDatabase is idempotent');
  await first.stop();
  assert.equal(existsSync(pidFile()), false, 'a clean stop leaves no postmaster.pid');
  assert.deepEqual(serversOnDataDir(), []);

  const second = instance();
  await second.start();
  const rows = await query(second, `select datname from pg_database where datname = 'atrium_probe'`);
  assert.equal(rows.length, 1, 'the database made by the first run is still there');
  await second.stop();
});

test('a postmaster.pid whose process is gone is removed with a message, and the server starts', async () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  assert.equal(alive(dead), false);
  writeFileSync(pidFile(), `${dead}\n${path.join(dataDir, 'postgres')}\n1700000000\n${port}\n\n127.0.0.1\n`);
  const lines: string[] = [];
  const server = instance((line) => lines.push(line));
  await server.start();
  assert.ok(lines.some((l) => l.includes(`removing a stale ${pidFile()} (process ${dead} is gone)`)), lines.join('\n'));
  assert.notEqual(serverPid(), dead);
  await server.stop();
});

test('a server left running on the data folder by an earlier run is stopped, then a new one starts', async () => {
  const orphan = instance();
  await orphan.start();
  const orphanPid = serverPid();

  const lines: string[] = [];
  const notices: string[] = [];
  const fresh = instance((line) => lines.push(line), (message) => notices.push(message));
  await fresh.start();
  assert.deepEqual(notices, [`a PostgreSQL server (pid ${orphanPid}) from an earlier run still holds ${path.join(dataDir, 'postgres')}; stopping it`]);
  assert.ok(!lines.some((l) => l.includes('from an earlier run')), 'the notice is not buried in the server output');
  assert.equal(alive(orphanPid), false, 'the orphan stopped');
  assert.notEqual(serverPid(), orphanPid);
  assert.equal((await query(fresh, 'select 1 as one'))[0].one, 1);
  await fresh.stop();
  assert.deepEqual(serversOnDataDir(), [], 'nothing is left running');
});

test('a postmaster.pid naming a live process that is not our server is left alone, with a message saying so', async () => {
  writeFileSync(pidFile(), `${process.pid}\n`);
  try {
    await assert.rejects(instance().start(), (err: Error) => {
      assert.ok(err instanceof EmbeddedPostgresError);
      assert.match(err.message, new RegExp(`names process ${process.pid}, which is alive but is not a PostgreSQL server`));
      return true;
    });
    assert.ok(alive(process.pid));
  } finally {
    rmSync(pidFile(), { force: true });
  }
});

test('a port already taken fails the start with a message that says so', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  try {
    await assert.rejects(instance().start(), (err: Error) => {
      assert.ok(err instanceof EmbeddedPostgresError);
      assert.match(err.message, new RegExp(`Port ${port} is taken; set ATRIUM_EMBEDDED_PG_PORT`));
      return true;
    });
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
  assert.deepEqual(serversOnDataDir(), []);
});
