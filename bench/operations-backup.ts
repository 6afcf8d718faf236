/**
 * `npm run bench -- operations-backup [--size-mb 1024] [--compress 6] [--drop]`
 *
 * Spec operations.md §10: a backup of a generated database (local storage) against a plain `pg_dump -Fc` of the same
 * database to a local file on the same host; target: backup wall time ≤ 1.10 × pg_dump. Also measures the read-back
 * checksum (target ≥ 200 MB/s). Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) and a
 * database `atrium_bench_backup` that is generated once at the asked size and kept for the next run (--drop removes it).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { LocalStorage } from '../src/modules/operations/backups/storage.js';
import { hashObject, libpqEnv, runBackup, serverVersion, withDatabase } from '../src/modules/operations/backups/pipeline.js';
import { resolvePgTool } from '../src/modules/operations/backups/pgtools.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const sizeMb = Number(arg('size-mb', '1024'));
const compress = Number(arg('compress', '6'));
const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'atrium_bench_backup';
const url = withDatabase(server, DB);

async function q<T extends pg.QueryResultRow = any>(conn: string, text: string, values?: unknown[]) {
  const c = new pg.Client({ connectionString: conn });
  await c.connect();
  try { return await c.query<T>(text, values); } finally { await c.end(); }
}

if (process.argv.includes('--drop')) {
  await q(server, `drop database if exists ${DB} with (force)`);
  console.log(`dropped ${DB}`);
  process.exit(0);
}

// 1. The database: a few tables with mixed columns (text, numbers, timestamps, jsonb), grown to the asked size.
if (!(await q(server, 'select 1 from pg_database where datname = $1', [DB])).rowCount) await q(server, `create database ${DB}`);
await q(url, `
  create schema if not exists platform; create schema if not exists operations; create schema if not exists bench;
  create table if not exists platform.schema_migrations (name text primary key, checksum text, applied_at timestamptz default now());
  insert into platform.schema_migrations (name) values ('0001_platform_identity.sql'), ('0046_operations_backups.sql') on conflict do nothing;
  create table if not exists operations.backup_canary (id smallint primary key check (id = 1), backup_id uuid not null, written_at timestamptz not null default now());
  create table if not exists bench.readings (id bigserial primary key, patient_id int not null, at timestamptz not null, mgdl smallint not null, trend text, source jsonb);
  create table if not exists bench.documents (id bigserial primary key, title text not null, body text not null, created_at timestamptz not null default now());`);
const size = async () => Number((await q<{ n: string }>(url, 'select pg_database_size(current_database()) as n')).rows[0].n);
let bytes = await size();
const target = sizeMb * 1024 * 1024;
const started = Date.now();
while (bytes < target) {
  // ~100 MB per round: readings (compressible) and documents (random text, barely compressible) in equal parts.
  await q(url, `insert into bench.readings (patient_id, at, mgdl, trend, source)
    select (g % 5000), now() - (g || ' minutes')::interval, 40 + (g::bigint * 7919) % 360, (array['flat','up','down','upFast'])[1 + g % 4],
      jsonb_build_object('device', 'cgm-' || (g % 97), 'seq', g) from generate_series(1, 500000) g`);
  await q(url, `insert into bench.documents (title, body) select 'doc ' || g, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text)
    || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || repeat(' lorem ipsum', 20) from generate_series(1, 50000) g`);
  bytes = await size();
  process.stdout.write(`\rgenerating ${DB}: ${(bytes / 1048576).toFixed(0)} / ${sizeMb} MB`);
}
if (Date.now() - started > 1000) process.stdout.write(`\n  generated in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
await q(url, 'vacuum analyze');
console.log(`database ${DB}: ${(bytes / 1048576).toFixed(0)} MB (pg_database_size)`);

const c = new pg.Client({ connectionString: url });
await c.connect();
const { major, version } = await serverVersion(c);
await c.end();
const dump = await resolvePgTool('pg_dump', major);
const dir = mkdtempSync(path.join(os.tmpdir(), 'atrium-bench-backup-'));

// 2. Plain pg_dump -Fc to a local file (run before and after the backup; the faster run counts, so cache warm-up
// never favours the backup).
const plainFile = path.join(dir, 'plain.dump');
async function plainDump() {
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(dump.path, ['--format=custom', `--compress=${compress}`, '--exclude-schema=pgboss', '-f', plainFile], { env: libpqEnv(url), stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`pg_dump exited ${code}`))));
  });
  const seconds = (performance.now() - start) / 1000;
  const fileSize = statSync(plainFile).size;
  rmSync(plainFile);
  return { seconds, fileSize };
}
const firstPlain = await plainDump();
let t0 = 0;

// 3. The backup pipeline: snapshot counts, pg_dump in the snapshot, tar, AES-256-GCM STREAM, SHA-256, local storage.
const storage = new LocalStorage(dir);
t0 = performance.now();
const result = await runBackup({
  databaseUrl: url, backupId: '018f0000-0000-7000-8000-00000000beef', configId: '018f0000-0000-7000-8000-000000000001',
  scope: { schemas: 'all', excludeSchemas: ['pgboss'] }, compressionLevel: compress, storage, storageKey: 'bench.atrbkup',
  key: { keyId: 'bench', kek: randomBytes(32) }, verifyAfterWrite: false,
});
const backupSeconds = (performance.now() - t0) / 1000;
const secondPlain = await plainDump();
const plainSeconds = Math.min(firstPlain.seconds, secondPlain.seconds);
const plainSize = secondPlain.fileSize;

// 4. Read-back checksum throughput.
t0 = performance.now();
const back = await hashObject(storage, 'bench.atrbkup');
const readSeconds = (performance.now() - t0) / 1000;
rmSync(dir, { recursive: true, force: true });

const ratio = backupSeconds / plainSeconds;
console.log(`server PostgreSQL ${version}, ${dump.path} (${dump.version}), compress ${compress}, ${os.cpus().length} cores`);
console.log(`plain pg_dump -Fc:          ${plainSeconds.toFixed(1)} s (runs: ${firstPlain.seconds.toFixed(1)} s before, ${secondPlain.seconds.toFixed(1)} s after), ${(plainSize / 1048576).toFixed(0)} MB`);
console.log(`Atrium backup (encrypted):  ${backupSeconds.toFixed(1)} s, ${(result.sizeBytes / 1048576).toFixed(0)} MB stored, rows counted: ${Object.values(result.manifest.tableRowCounts).reduce((a, b) => a + b, 0)}`);
console.log(`ratio backup / pg_dump:     ${ratio.toFixed(3)}  (target ≤ 1.10) ${ratio <= 1.1 ? 'PASS' : 'FAIL'}`);
console.log(`read-back SHA-256:          ${(back.size / 1048576 / readSeconds).toFixed(0)} MB/s  (target ≥ 200 MB/s) ${back.size / 1048576 / readSeconds >= 200 ? 'PASS' : 'FAIL'}`);
