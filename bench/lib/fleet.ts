/** Pieces shared by the delivery benchmarks: a database server to seed, client processes, latency figures. */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedPostgres } from '../../src/platform/db/embedded.js';
import { freePort } from './server.js';

export { BENCH_SECRET } from './server.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Milliseconds on a clock all processes of the machine share. */
export const now = () => performance.timeOrigin + performance.now();

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 10) / 10;
}

export const latencySummary = (values: number[], expected: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return { delivered: sorted.length, expected, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: percentile(sorted, 100) };
};

/** Sends a message to a client process and waits for its reply of the given kind. */
export function ask<T>(child: ChildProcess, message: object, kind: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (reply: { kind: string }) => {
      if (reply.kind !== kind) return;
      child.off('message', onMessage);
      resolve(reply as T);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

/**
 * Makes sure DATABASE_URL names a server the benchmark can seed directly (bench/lib/server.ts creates its
 * database there): starts an embedded PostgreSQL when it is unset. Answers how to stop it.
 */
export async function ensureDatabaseServer(): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) return async () => {};
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atrium-bench-db-'));
  const embedded = new EmbeddedPostgres({ dataDir: dir, port: await freePort() });
  await embedded.start();
  process.env.DATABASE_URL = embedded.connectionString;
  return async () => {
    await embedded.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
