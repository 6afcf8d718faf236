/**
 * Bulk CGM ingestion (POST /api/v1/glucose/patients/{id}/readings/bulk): readings stored per second with batches of
 * 1,000–10,000, 10 % of each batch re-sent from the previous one (dedup on the path), trend rates computed.
 * Target (§9): ≥ 20,000 readings/s sustained. `--patients 200 --batch 5000 --concurrency 4 --duration 60`.
 */
import { parseArgs } from 'node:util';
import { login, machine, startServer } from './lib/server.js';
import { createPatients } from './lib/patients.js';

const { values } = parseArgs({ options: {
  patients: { type: 'string', default: '200' }, batch: { type: 'string', default: '5000' },
  concurrency: { type: 'string', default: '4' }, duration: { type: 'string', default: '60' },
} });
const patients = Number(values.patients);
const batch = Number(values.batch);
const concurrency = Number(values.concurrency);
const durationMs = Number(values.duration) * 1000;
if (batch < 1000 || batch > 10_000) throw new Error('--batch must be 1000 to 10000');

const server = await startServer({ env: { ATRIUM_SEED_DEMO: 'false' } });
try {
  const { accessToken } = await login(server.url);
  const ids = await createPatients(server.url, accessToken, patients);
  const STEP = 5 * 60_000;
  const newest = Math.floor((Date.now() - 60_000) / STEP) * STEP;
  // Each patient's series goes back in time from now; `next` is how many readings of it were sent.
  const next = new Array<number>(patients).fill(0);
  const series = (p: number, from: number, count: number) =>
    Array.from({ length: count }, (_, k) => {
      const i = from + k;
      return { measuredAt: new Date(newest - i * STEP).toISOString(), value: 110 + Math.round(40 * Math.sin(i / 24 + p)) };
    });

  let stored = 0; let duplicates = 0; let requests = 0; let failures = 0;
  const latencies: number[] = [];
  const post = async (p: number, warm = false) => {
    const resend = Math.floor(batch / 10);
    const from = Math.max(0, next[p] - resend);
    const body = JSON.stringify({ source: 'cgm', device: 'bench', readings: series(p, from, batch) });
    next[p] = from + batch;
    const started = performance.now();
    const res = await fetch(`${server.url}/api/v1/glucose/patients/${ids[p]}/readings/bulk`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` }, body,
    });
    const result = (await res.json()) as { inserted: number; duplicates: number };
    if (warm) return;
    latencies.push(performance.now() - started);
    requests += 1;
    if (res.status !== 200) { failures += 1; return; }
    stored += result.inserted;
    duplicates += result.duplicates;
  };

  for (let p = 0; p < Math.min(patients, concurrency); p++) await post(p, true);
  const started = performance.now();
  let cursor = 0;
  await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
    // Each worker owns every concurrency-th patient, so two requests never wait on the same patient lock.
    const mine = ids.map((_, p) => p).filter((p) => p % concurrency === worker);
    while (performance.now() - started < durationMs) {
      const p = mine[cursor++ % mine.length];
      await post(p);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
  console.log(JSON.stringify({
    scenario: 'POST /api/v1/glucose/patients/{id}/readings/bulk (CGM, dedup included)', machine: machine(),
    patients, batch, concurrency, seconds: Math.round(seconds * 10) / 10, requests, failures,
    readingsPerSecond: Math.round((stored + duplicates) / seconds), insertedPerSecond: Math.round(stored / seconds),
    duplicatesShare: Math.round((duplicates / Math.max(1, stored + duplicates)) * 1000) / 10, requestMs: { p50: pct(0.5), p99: pct(0.99) },
  }, null, 2));
  if (failures) process.exitCode = 1;
} finally {
  await server.stop();
}
