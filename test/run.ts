/**
 * `npm test`: prepares a PostgreSQL server (DATABASE_URL's, else an embedded one), migrates a template
 * database once, then runs every *.test.ts with node:test; each test file clones the template.
 * `npm test -- <path or part of a path> ...` runs a subset.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import pg from 'pg';
import { EmbeddedPostgres } from '../src/platform/db/embedded.js';
import { migrate } from '../src/platform/db/migrate.js';
import { databaseUrl } from '../src/platform/db/test-database.js';
import { ensureWebBuilt } from '../web/scripts/build.js';

const root = path.resolve(import.meta.dirname, '..');

function findTests(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) findTests(full, out);
    else if (entry.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const freePort = () => new Promise<number>((resolve, reject) => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as net.AddressInfo;
    server.close(() => resolve(port));
  });
  server.on('error', reject);
});

async function main() {
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const all = [...findTests(path.join(root, 'src')), ...findTests(path.join(root, 'test'))].sort();
  const files = filters.length ? all.filter((f) => filters.some((x) => f.includes(x))) : all;
  if (files.length === 0) {
    console.error(`no test files match ${filters.join(' ')}`);
    process.exit(1);
  }

  let embedded: EmbeddedPostgres | undefined;
  let tmpDir: string | undefined;
  let server = process.env.DATABASE_URL;
  if (!server) {
    tmpDir = mkdtempSync(path.join(os.tmpdir(), 'atrium-test-pg-'));
    embedded = new EmbeddedPostgres({ dataDir: tmpDir, port: await freePort() });
    await embedded.start();
    server = embedded.connectionString;
    console.log(`# tests use an embedded PostgreSQL (${tmpDir})`);
  } else {
    console.log('# tests use the PostgreSQL server of DATABASE_URL');
  }

  const template = `atrium_tpl_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${template}`);
  const templatePool = new pg.Pool({ connectionString: databaseUrl(server, template), max: 1 });
  await migrate(templatePool);
  await templatePool.end();

  const cleanup = async () => {
    const { rows } = await admin.query<{ datname: string }>(
      `select datname from pg_database where datname = $1 or datname like 'atrium\\_t\\_%'`, [template]);
    for (const { datname } of rows) await admin.query(`drop database if exists ${datname} with (force)`).catch(() => {});
    await admin.end();
    await embedded?.stop();
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  };

  // Browser tests load the built web app from the test server: build it once per run, if its sources changed.
  if (files.some((f) => f.includes(`${path.sep}e2e${path.sep}`))) await ensureWebBuilt((line) => console.log(`# ${line}`));

  const concurrency = Number(process.env.TEST_CONCURRENCY ?? Math.max(2, os.cpus().length));
  const child = spawn(process.execPath, [
    '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=420000', ...files.map((f) => path.relative(root, f)),
  ], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_ENV: 'test',
      ATRIUM_TEST_SERVER_URL: server,
      ATRIUM_TEST_TEMPLATE: template,
      DATABASE_URL: '',
    },
  });
  const stop = () => child.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  await cleanup();
  process.exit(code);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
