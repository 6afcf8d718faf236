/**
 * `npm run bench -- realtime [--clients=5000] [--rounds=20] [--rate=1000] [--client-processes=clients/500]`
 * (or standalone: `npx tsx bench/realtime.ts …`). One Atrium server process; N WebSocket clients in
 * separate processes, each subscribed to `jobs` and its own `user:<id>`. A publisher process (as a
 * worker would) publishes through the PostgreSQL bus:
 *   broadcast — `rounds` events on `jobs`, each delivered to every client;
 *   personal  — one event per client on `user:<id>`, at `rate` events/s.
 * Reports delivery latency (publish → frame received) p50/p99/max, lost frames, and the server's
 * sockets and memory. Target: p99 < 100 ms with 5,000 clients on 2 cores.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { TokenService } from '../src/platform/auth/tokens.js';
import { RealtimeHub } from '../src/platform/realtime/hub.js';
import { machine, startServer } from './lib/server.js';
import { BENCH_SECRET, ask, ensureDatabaseServer, latencySummary, now, sleep } from './lib/fleet.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '20' },
    'round-interval': { type: 'string', default: '250' },
    rate: { type: 'string', default: '1000' },
    // One client process holds a few hundred sockets reliably (more stalled the handshakes here): 500 each by default.
    'client-processes': { type: 'string', default: '' },
  },
});
const clients = Number(values.clients);
const rounds = Number(values.rounds);
const roundInterval = Number(values['round-interval']);
const rate = Number(values.rate);
const processes = Math.max(1, Math.min(Number(values['client-processes'] || Math.ceil(clients / 500)), clients));

async function serverMetrics(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const pick = (name: string) => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ').pop() ?? NaN);
  return {
    sockets: pick('atrium_realtime_sockets'),
    rssBytes: pick('atrium_process_resident_memory_bytes'),
    slowDropped: Number(text.match(/atrium_realtime_sockets_dropped_total\{reason="slow_consumer"\} (\d+)/)?.[1] ?? 0),
  };
}

/** N users with the manager role (so `jobs` is theirs) and a live session each, straight into the database. */
async function seedUsers(databaseUrl: string, n: number) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const { rows } = await db.query<{ user_id: string; id: string }>(`
    with u as (
      insert into platform.users (email, password_hash, display_name)
      select 'rt-' || i || '@bench.test', 'unused', 'bench ' || i from generate_series(1, $1) i returning id
    ), r as (insert into platform.user_roles (user_id, role) select id, 'manager' from u)
    insert into platform.sessions (user_id, expires_at) select id, now() + interval '1 day' from u returning id, user_id`, [n]);
  await db.end();
  const tokens = new TokenService(BENCH_SECRET, 3600);
  return Promise.all(rows.map(async (r) => ({ id: r.user_id, token: await tokens.signAccess({ sub: r.user_id, sid: r.id, roles: ['manager'] }) })));
}

const stopDatabaseServer = await ensureDatabaseServer();
const server = await startServer();
const workers: ChildProcess[] = [];
const publisherPool = new pg.Pool({ connectionString: server.databaseUrl, max: 4 });
try {
  const idle = await serverMetrics(server.url);
  const users = await seedUsers(server.databaseUrl!, clients);
  const opened = Date.now();
  const shares = Array.from({ length: processes }, (_, i) => users.filter((_, j) => j % processes === i));
  for (let i = 0; i < processes; i++) {
    workers.push(fork(path.join(import.meta.dirname, 'lib/realtime-clients.ts'), [], { execArgv: ['--import', 'tsx'] }));
  }
  const ready = await Promise.all(workers.map((w, i) => ask<{ opened: number; failed: number }>(w, { kind: 'start', url: server.url, users: shares[i], concurrency: 50 }, 'ready')));
  const connectSeconds = (Date.now() - opened) / 1000;
  const connected = ready.reduce((n, r) => n + r.opened, 0);
  const loaded = await serverMetrics(server.url);

  const publisher = new RealtimeHub({
    pool: publisherPool, databaseUrl: server.databaseUrl!, registry: new Registry(), log: pino({ level: 'silent' }), listen: false,
  });
  // Two unrecorded rounds first, so that the figures are not those of cold code paths.
  for (let round = -2; round < rounds; round++) {
    await publisher.publish('jobs', 'bench.broadcast', { sentAt: now(), round, warmup: round < 0 });
    await sleep(roundInterval);
  }
  const started = now();
  for (let i = 0; i < users.length; i++) {
    const due = started + (i * 1000) / rate;
    if (due > now()) await sleep(due - now());
    await publisher.publish(`user:${users[i].id}`, 'bench.personal', { sentAt: now() });
  }
  // Wait for the frames in flight (bounded: a lost frame must not hang the run).
  const expected = { broadcast: rounds * connected, personal: connected };
  for (let waited = 0; waited < 10_000; waited += 200) {
    const counts = await Promise.all(workers.map((w) => ask<{ broadcast: number; personal: number }>(w, { kind: 'counts' }, 'counts')));
    if (counts.reduce((n, c) => n + c.broadcast + c.personal, 0) >= expected.broadcast + expected.personal) break;
    await sleep(200);
  }
  const after = await serverMetrics(server.url);
  const reports = await Promise.all(workers.map((w) => ask<{ broadcast: number[]; personal: number[]; closedEarly: number }>(w, { kind: 'report' }, 'report')));
  const result = {
    scenario: 'realtime: WebSocket delivery through the PostgreSQL bus',
    machine: machine(),
    clients, connected, failedToConnect: clients - connected, clientProcesses: processes, connectSeconds,
    serverSockets: loaded.sockets,
    serverRssMiB: Math.round(loaded.rssBytes / 2 ** 20),
    serverKiBPerSocket: connected ? Math.round((loaded.rssBytes - idle.rssBytes) / 1024 / connected) : 0,
    broadcastMs: { rounds, ...latencySummary(reports.flatMap((r) => r.broadcast), expected.broadcast) },
    personalMs: { ratePerSecond: rate, ...latencySummary(reports.flatMap((r) => r.personal), expected.personal) },
    slowClientsDropped: after.slowDropped,
    socketsClosedEarly: reports.reduce((n, r) => n + r.closedEarly, 0),
  };
  console.log(JSON.stringify(result, null, 2));
  if (result.failedToConnect || result.broadcastMs.delivered < expected.broadcast || result.personalMs.delivered < expected.personal) process.exitCode = 1;
} finally {
  for (const w of workers) if (w.exitCode === null) w.kill();
  await publisherPool.end();
  await server.stop();
  await stopDatabaseServer();
}
