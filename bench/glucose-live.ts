/**
 * `npm run bench -- glucose-live [--clients=3000] [--patients=300] [--rate=50] [--duration=20] [--client-processes=clients/500]`
 * Reading-to-WebSocket delivery (spec glucose §10, issue #5): one Atrium server process; `clients` caregivers
 * spread over `patients` patients (clients/patients followers each), every caregiver connected in a separate
 * client process and subscribed to `glucose.readings:<patientId>` of its patient. The benchmark POSTs one CGM
 * reading at a time (round robin over patients, at `rate` per second) and measures, for every follower, the time
 * from sending the POST to receiving its `reading.created` frame — the write, alert evaluation, commit, the bus
 * and the fan-out. Target: p99 < 100 ms with several thousand connected clients.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { TokenService } from '../src/platform/auth/tokens.js';
import { login, machine, startServer } from './lib/server.js';
import { BENCH_SECRET, ask, ensureDatabaseServer, latencySummary, now, sleep } from './lib/fleet.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '3000' },
    patients: { type: 'string', default: '300' },
    rate: { type: 'string', default: '50' },
    duration: { type: 'string', default: '20' },
    'client-processes': { type: 'string', default: '' },
  },
});
const clients = Number(values.clients);
const patients = Math.min(Number(values.patients), clients);
const rate = Number(values.rate);
const duration = Number(values.duration);
const processes = Math.max(1, Math.min(Number(values['client-processes'] || Math.ceil(clients / 500)), clients));
const STEP_MS = 60_000;
// A reading is live (it is announced) when measured within the last 15 minutes: each patient gets at most 14 here.
if ((rate * duration) / patients > 14) {
  console.error(`rate × duration / patients must be at most 14 (readings per patient within the live window); raise --patients`);
  process.exit(1);
}

/** Patients and their caregivers (one care link each, follower j → patient j mod patients), with sessions. */
async function seed(databaseUrl: string) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const { rows: patientRows } = await db.query<{ id: string }>(`
    with u as (
      insert into platform.users (email, password_hash, display_name)
      select 'live-patient-' || i || '@bench.test', 'unused', 'patient ' || i from generate_series(1, $1) i returning id
    ), r as (insert into platform.user_roles (user_id, role) select id, 'patient' from u)
    select id from u`, [patients]);
  const patientIds = patientRows.map((r) => r.id);
  const { rows: followerRows } = await db.query<{ user_id: string; sid: string; patient_id: string }>(`
    with u as (
      insert into platform.users (email, password_hash, display_name)
      select 'live-caregiver-' || i || '@bench.test', 'unused', 'caregiver ' || i from generate_series(0, $1 - 1) i returning id, email
    ), numbered as (
      select id, split_part(split_part(email, '-', 3), '@', 1)::int as i from u
    ), r as (insert into platform.user_roles (user_id, role) select id, 'caregiver' from u),
    l as (
      insert into glucose.care_links (patient_id, member_id, relation, via)
      select ($2::uuid[])[1 + n.i % cardinality($2::uuid[])], n.id, 'caregiver', 'admin' from numbered n
      returning patient_id, member_id
    ), s as (insert into platform.sessions (user_id, expires_at) select id, now() + interval '1 day' from u returning id, user_id)
    select s.user_id, s.id as sid, l.patient_id from s join l on l.member_id = s.user_id`, [clients, patientIds]);
  await db.end();
  const tokens = new TokenService(BENCH_SECRET, 3600);
  const followers = await Promise.all(followerRows.map(async (r) => ({
    token: await tokens.signAccess({ sub: r.user_id, sid: r.sid, roles: ['caregiver'] }),
    topics: [`glucose.readings:${r.patient_id}`],
    patientId: r.patient_id,
  })));
  return { patientIds, followers };
}

const stopDatabaseServer = await ensureDatabaseServer();
const server = await startServer({ env: { ATRIUM_SEED_DEMO: 'false' } });
const workers: ChildProcess[] = [];
try {
  const { accessToken } = await login(server.url);
  const { patientIds, followers } = await seed(server.databaseUrl!);
  const followersOf = new Map<string, number>();
  for (const f of followers) followersOf.set(f.patientId, (followersOf.get(f.patientId) ?? 0) + 1);

  const opened = Date.now();
  for (let i = 0; i < processes; i++) workers.push(fork(path.join(import.meta.dirname, 'lib/topic-clients.ts'), [], { execArgv: ['--import', 'tsx'] }));
  const shares = Array.from({ length: processes }, (_, i) => followers.filter((_, j) => j % processes === i).map(({ token, topics }) => ({ token, topics })));
  const ready = await Promise.all(workers.map((w, i) => ask<{ opened: number; failed: number }>(w, { kind: 'start', url: server.url, clients: shares[i], concurrency: 50 }, 'ready')));
  const connected = ready.reduce((n, r) => n + r.opened, 0);
  const connectSeconds = (Date.now() - opened) / 1000;

  const sentAt = new Map<string, number>();
  const postMs: number[] = [];
  let failedPosts = 0;
  let expected = 0;
  const base = Math.floor(Date.now() / 1000) * 1000;
  const post = async (i: number) => {
    const patientId = patientIds[i % patients];
    const measuredAt = new Date(base - Math.floor(i / patients) * STEP_MS).toISOString();
    const started = now();
    sentAt.set(`${patientId}|${measuredAt}`, started);
    const res = await fetch(`${server.url}/api/v1/glucose/patients/${patientId}/readings/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ source: 'cgm', readings: [{ measuredAt, value: 110 + (i % 40) }] }),
    });
    await res.arrayBuffer();
    postMs.push(now() - started);
    if (res.ok) expected += followersOf.get(patientId) ?? 0;
    else failedPosts++;
  };
  const total = rate * duration;
  const started = now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    if (due > now()) await sleep(due - now());
    inFlight.push(post(i));
  }
  await Promise.all(inFlight);
  for (let waited = 0; waited < 10_000; waited += 200) {
    const counts = await Promise.all(workers.map((w) => ask<{ arrivals: number }>(w, { kind: 'counts' }, 'counts')));
    if (counts.reduce((n, c) => n + c.arrivals, 0) >= expected) break;
    await sleep(200);
  }
  const reports = await Promise.all(workers.map((w) => ask<{ arrivals: Array<[string, number]>; closedEarly: number }>(w, { kind: 'report' }, 'report')));
  const latencies = reports.flatMap((r) => r.arrivals).flatMap(([key, at]) => (sentAt.has(key) ? [at - sentAt.get(key)!] : []));
  const result = {
    scenario: 'glucose-live: reading POST → reading.created on every follower\'s WebSocket',
    machine: machine(),
    clients, connected, failedToConnect: clients - connected, clientProcesses: processes, connectSeconds,
    patients, followersPerPatient: clients / patients, readingsPerSecond: rate, readings: total, failedPosts,
    postMs: latencySummary(postMs, total),
    deliveryMs: latencySummary(latencies, expected),
    socketsClosedEarly: reports.reduce((n, r) => n + r.closedEarly, 0),
  };
  console.log(JSON.stringify(result, null, 2));
  if (result.failedToConnect || failedPosts || latencies.length < expected) process.exitCode = 1;
} finally {
  for (const w of workers) if (w.exitCode === null) w.kill();
  await server.stop();
  await stopDatabaseServer();
}
