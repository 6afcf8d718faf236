/**
 * `npm run bench -- jobs [--duration 15] [--batch 100] [--concurrency 2] [--untracked]`: sustained no-op
 * jobs per second with ONE worker process (target ≥ 1,000/s on 2 cores). A backlog is queued first, then
 * a separate worker process (the platform job service, role `worker`) drains it; completions are counted
 * over the measured window after a warm-up. Each job gets its operation_run row unless --untracked.
 * Uses DATABASE_URL's server (database `atrium_bench_jobs`) when set, else an embedded PostgreSQL under .bench/.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import pg from 'pg';
import { EmbeddedPostgres } from '../src/platform/db/embedded.js';
import { openDatabase } from '../src/platform/db/pool.js';
import { migrate } from '../src/platform/db/migrate.js';
import { databaseUrl } from '../src/platform/db/test-database.js';
import { PlatformEvents } from '../src/platform/events.js';
import { PlatformJobs } from '../src/platform/jobs/service.js';
import { freePort, machine } from './lib/server.js';

const QUEUE = 'bench.noop';
const { values } = parseArgs({
  options: {
    worker: { type: 'string' },
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    batch: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '2' },
    backlog: { type: 'string', default: '60000' },
    untracked: { type: 'boolean', default: false },
  },
});

const service = (url: string, role: 'worker' | 'api') => {
  const database = openDatabase(url, { max: 10, applicationName: `atrium-bench-${role}` });
  const jobs = new PlatformJobs({
    db: database.db,
    url, role, events: new PlatformEvents(), log: pino({ level: 'warn' }),
  });
  jobs.define({
    queue: QUEUE, handler: async () => undefined, batchSize: Number(values.batch), concurrency: Number(values.concurrency),
    tracked: !values.untracked, retryLimit: 0,
  });
  return { jobs, async stop() { await jobs.stop(); await database.close(); } };
};

if (values.worker) {
  const worker = service(values.worker, 'worker');
  await worker.jobs.start();
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void worker.stop().then(() => process.exit(0)));
} else {
  await main();
}

async function database(): Promise<{ url: string; cleanup(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query('drop database if exists atrium_bench_jobs with (force)');
    await admin.query('create database atrium_bench_jobs');
    await admin.end();
    return { url: databaseUrl(process.env.DATABASE_URL, 'atrium_bench_jobs'), async cleanup() {} };
  }
  const dir = path.resolve(import.meta.dirname, '..', '.bench', `jobs-pg-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const embedded = new EmbeddedPostgres({ dataDir: dir, port: await freePort() });
  await embedded.start();
  const url = await embedded.ensureDatabase('atrium');
  return { url, async cleanup() { await embedded.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

async function main() {
  const db = await database();
  const producer = service(db.url, 'api');
  try {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await migrate(pool);
    await producer.jobs.start();
    const backlog = Number(values.backlog);
    for (let sent = 0; sent < backlog; sent += 1000) {
      await producer.jobs.boss.insert(QUEUE, Array.from({ length: Math.min(1000, backlog - sent) }, () => ({ data: {} })));
    }
    const completed = async () => Number((await pool.query(`select count(*) as n from pgboss.job where name = $1 and state = 'completed'`, [QUEUE])).rows[0].n);

    const worker = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--worker', db.url, ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      worker.stdout!.on('data', (chunk: Buffer) => { if (chunk.toString().includes('ready')) resolve(); });
      worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    });
    await new Promise((r) => setTimeout(r, Number(values.warmup) * 1000));
    const startCount = await completed();
    const started = performance.now();
    await new Promise((r) => setTimeout(r, Number(values.duration) * 1000));
    const endCount = await completed();
    const seconds = (performance.now() - started) / 1000;
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    const drained = endCount >= backlog;
    console.log(JSON.stringify({
      scenario: `no-op jobs, one worker process (batch ${values.batch}, concurrency ${values.concurrency}, ${values.untracked ? 'untracked' : 'operation_run per job'})`,
      machine: machine(),
      jobsPerSecond: Math.round((endCount - startCount) / seconds),
      measuredSeconds: Math.round(seconds * 10) / 10,
      completedInWindow: endCount - startCount,
      backlogDrained: drained,
      ...(drained ? { note: 'the backlog ran out during the window: raise --backlog for a sustained figure' } : {}),
    }, null, 2));
    await pool.end();
  } finally {
    await producer.stop();
    await db.cleanup();
  }
}
