import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { databaseUrl } from '../../src/platform/db/test-database.js';

const root = path.resolve(import.meta.dirname, '../..');

export const freePort = () => new Promise<number>((resolve, reject) => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as net.AddressInfo;
    server.close(() => resolve(port));
  });
  server.on('error', reject);
});

/** The server's JWT secret, so that a benchmark can sign access tokens itself. */
export const BENCH_SECRET = 'bench-secret-bench-secret-bench-secret-0123';

export interface BenchServer { url: string; databaseUrl?: string; process: ChildProcess; stop(): Promise<void> }

/**
 * Starts Atrium as its own process (as in production) on a fresh database: a `atrium_bench` database on
 * DATABASE_URL's server when set, else an embedded PostgreSQL under .bench/. Logs at warn level.
 */
export async function startServer(options: { env?: Record<string, string>; args?: string[] } = {}): Promise<BenchServer> {
  const port = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'production',
    ATRIUM_JWT_SECRET: BENCH_SECRET,
    PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '100000000', RATE_LIMIT_AUTH_MAX: '100000000',
    ATRIUM_ADMIN_EMAIL: 'bench@atrium.local', ATRIUM_ADMIN_PASSWORD: 'bench-password-123',
    ...options.env,
  };
  let cleanupDir: string | undefined;
  let dbUrl: string | undefined;
  if (process.env.DATABASE_URL) {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query('drop database if exists atrium_bench with (force)');
    await admin.query('create database atrium_bench');
    await admin.end();
    dbUrl = databaseUrl(process.env.DATABASE_URL, 'atrium_bench');
    env.DATABASE_URL = dbUrl;
  } else {
    cleanupDir = path.join(root, '.bench', `pg-${process.pid}`);
    rmSync(cleanupDir, { recursive: true, force: true });
    mkdirSync(cleanupDir, { recursive: true });
    env.ATRIUM_DATA_DIR = cleanupDir;
    env.ATRIUM_EMBEDDED_PG_PORT = String(await freePort());
    // the embedded server's superuser (src/platform/db/embedded.ts) and the database the app creates, so a benchmark can bulk-load
    dbUrl = `postgres://postgres:postgres@127.0.0.1:${env.ATRIUM_EMBEDDED_PG_PORT}/atrium`;
    delete env.DATABASE_URL;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), ...(options.args ?? [])], {
    cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout!.resume();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (true) {
    if (child.exitCode !== null) throw new Error(`server exited during start (code ${child.exitCode})`);
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error('server did not become ready within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    databaseUrl: dbUrl,
    process: child,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      if (cleanupDir) rmSync(cleanupDir, { recursive: true, force: true });
    },
  };
}

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export async function login(url: string, email = 'bench@atrium.local', password = 'bench-password-123') {
  const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { accessToken: string; refreshToken: string };
}
