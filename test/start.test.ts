/**
 * `npm start` as a person runs it: the real entry point in a child process, an embedded PostgreSQL in a
 * fresh data folder, signals, a second start on the same data, and recovery from a killed process.
 */
import { test, after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../src/platform/db/test-database.js';

const root = path.resolve(import.meta.dirname, '..');
let dataDir: string;
let port: number;
let pgPort: number;
const children = new Set<ChildProcess>();

const freePort = () => new Promise<number>((resolve, reject) => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1', () => {
    const { port: p } = server.address() as net.AddressInfo;
    server.close(() => resolve(p));
  });
  server.on('error', reject);
});

interface Started { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> }

function start(args: string[] = [], env: Record<string, string> = {}): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: root,
    env: {
      ...process.env, NODE_ENV: 'development', DATABASE_URL: '', LOG_LEVEL: 'info', ATRIUM_DATA_DIR: dataDir,
      PORT: String(port), ATRIUM_EMBEDDED_PG_PORT: String(pgPort), ATRIUM_ADMIN_EMAIL: 'chief@example.test', ATRIUM_ADMIN_PASSWORD: 'chief-passphrase', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { children.delete(child); resolve(code); }));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits for a line of output, or fails with what the process printed if it exits first. */
async function waitFor(started: Started, pattern: RegExp): Promise<void> {
  while (!pattern.test(started.stdout())) {
    const result = await Promise.race([started.exited.then((code) => ({ code })), new Promise((r) => setTimeout(r, 100))]);
    if (result && typeof result === 'object' && 'code' in result) {
      assert.fail(`exited with ${result.code} before printing ${pattern}:\n${started.stdout()}\n${started.stderr()}`);
    }
  }
}

const api = (p: string, body?: unknown) => fetch(`http://127.0.0.1:${port}${p}`, {
  method: body === undefined ? 'GET' : 'POST', headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
});

function serversOnDataDir(): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir); } catch { return false; }
  }).map(Number);
}

before(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'atrium-start-'));
  chmodSync(dataDir, 0o755); // as a project folder is; a private one makes a root start print a permissions notice first
  [port, pgPort] = [await freePort(), await freePort()];
});

/** After each test nothing of it runs any more, whatever it asserted. */
async function killAll() {
  await Promise.all([...children].map((child) => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGKILL'); })));
  for (const pid of serversOnDataDir()) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && serversOnDataDir().length; i++) await new Promise((r) => setTimeout(r, 100));
}

afterEach(killAll);
after(async () => {
  await killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a first start with no database initialises one, prints where and how to sign in first, serves, and stops cleanly on SIGTERM', async () => {
  const run = start();
  await waitFor(run, /Sign in:/);
  const [first, second, third] = run.stdout().split('\n');
  assert.equal(first, `Atrium is running (api + workers) at http://127.0.0.1:${port}`);
  assert.match(second, new RegExp(`API docs: +http://127\\.0\\.0\\.1:${port}/docs`));
  assert.match(third, /Sign in: +chief@example\.test \/ \(ATRIUM_ADMIN_PASSWORD\)/);
  assert.equal((await api('/health/ready')).status, 200);
  const login = await api('/api/v1/auth/login', { email: 'chief@example.test', password: 'chief-passphrase' });
  assert.equal(login.status, 200);
  assert.deepEqual((await login.json()).user.roles, ['admin']);
  assert.equal((await api('/api/v1/auth/register', { email: 'kept@example.test', password: 'kept-passphrase', displayName: 'Kept' })).status, 201);

  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
  assert.deepEqual(serversOnDataDir(), [], 'the embedded server stopped with it');
});

test('a second start reuses the data: the admin is not created again and earlier accounts remain', async () => {
  const run = start();
  await waitFor(run, /Sign in:/);
  assert.match(run.stdout(), /Sign in: +chief@example\.test \(password from ATRIUM_ADMIN_PASSWORD when it was created\)/);
  assert.equal((await api('/api/v1/auth/login', { email: 'kept@example.test', password: 'kept-passphrase' })).status, 200);
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 0);
});

test('after the process was killed with SIGKILL, the next start stops the server it left behind and says so', async () => {
  const killed = start();
  await waitFor(killed, /Sign in:/);
  killed.child.kill('SIGKILL');
  await killed.exited;
  assert.ok(serversOnDataDir().length > 0, 'the embedded server outlived the killed process');

  const run = start();
  await waitFor(run, /Sign in:/);
  assert.match(run.stdout(), /from an earlier run still holds .*; stopping it/);
  assert.equal((await api('/health/ready')).status, 200);
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
  assert.deepEqual(serversOnDataDir(), []);
});

test('a bad variable stops the start with a message naming it, before anything else happens', async () => {
  const run = start([], { PORT: 'eighty', LOG_LEVEL: 'loud' });
  assert.equal(await run.exited, 1);
  assert.match(run.stderr(), /Invalid configuration:\n {2}- PORT="eighty": must be integer\n {2}- LOG_LEVEL="loud": must be one of/);
  assert.match(run.stderr(), /See docs\/configuration\.md/);
});

test('an unknown --role is refused; --role=worker runs without an HTTP listener', async () => {
  const bad = start(['--role=cook']);
  assert.equal(await bad.exited, 2);
  assert.match(bad.stderr(), /Unknown --role=cook/);

  const worker = start(['--role=worker']);
  await waitFor(worker, /Atrium worker started/);
  await assert.rejects(api('/health/live'), 'nothing listens on the HTTP port');
  worker.child.kill('SIGTERM');
  assert.equal(await worker.exited, 0);
  assert.deepEqual(serversOnDataDir(), []);
});

test('with DATABASE_URL set, that server is used and no embedded one is started', async () => {
  const db = await createTestDatabase();
  const unused = path.join(dataDir, 'not-used');
  try {
    const run = start([], { DATABASE_URL: db.url, ATRIUM_DATA_DIR: unused });
    await waitFor(run, /Database: +DATABASE_URL/);
    assert.equal((await api('/health/ready')).status, 200);
    assert.equal((await api('/api/v1/auth/login', { email: 'chief@example.test', password: 'chief-passphrase' })).status, 200);
    assert.equal(existsSync(unused), false);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  } finally {
    await db.drop();
  }
});
