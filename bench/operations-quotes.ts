/**
 * Quote list over 100,000 quotes (spec operations §10: filters, page 50, p95 < 100 ms), against a server process.
 * Bulk-loads one organisation's quotes with SQL, then drives GET /quotes with autocannon in four shapes:
 * newest first; status filter; due-date range sorted by due date; text search.
 * `npm run bench -- operations-quotes --quotes 100000 --rate 100 --duration 10`
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { machine, startServer, login } from './lib/server.js';
import { hammer } from './lib/http.js';

const { values } = parseArgs({ options: {
  quotes: { type: 'string', default: '100000' }, rate: { type: 'string', default: '100' }, duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '10' },
} });
const P = '/api/v1/operations';

const server = await startServer({ env: { ATRIUM_SEED_DEMO: 'false' } });
try {
  const { accessToken: adminToken } = await login(server.url);
  const made = await fetch(`${server.url}/api/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ email: 'bench-staff@atrium.local', displayName: 'Bench staff', password: 'bench-staff-password', roles: ['staff'] }) });
  if (made.status !== 201) throw new Error(`staff not created: ${made.status} ${await made.text()}`);
  const staff = (await made.json()) as { id: string };
  const db = new pg.Client({ connectionString: server.databaseUrl });
  db.on('error', () => {}); // the server's shutdown ends this connection
  await db.connect();
  const started = Date.now();
  const org = (await db.query(`insert into operations.organization (name, code) values ('Bench lab', 'BENCH') returning id`)).rows[0].id as string;
  await db.query('insert into operations.organization_member values ($1, $2)', [org, staff.id]);
  await db.query(`insert into operations.client (organization_id, name) select $1, 'Client ' || i from generate_series(1, 200) i`, [org]);
  await db.query(`
    insert into operations.quote (organization_id, client_id, title, amount, currency, responsible_user_id, start_date, due_date, status, number, issued_at, created_at, cancel_reason, cancelled_at)
    select $1, c.ids[1 + (i % 200)], 'Devis ' || i || ' analyses lot ' || (i % 997), (i % 5000) + 0.5, 'EUR', $2,
           date '2024-01-01' + (i % 700), date '2024-01-01' + (i % 700) + 30,
           (array['draft','issued','accepted','paid','rejected','cancelled'])[1 + (i % 6)],
           case when i % 6 in (0, 5) then null else 'B-' || i end,
           case when i % 6 in (0, 5) then null else now() - (i || ' minutes')::interval end,
           now() - (i || ' seconds')::interval,
           case when i % 6 = 5 then 'bench' end, case when i % 6 = 5 then now() end
      from generate_series(1, $3::int) i, (select array_agg(id order by name) ids from operations.client where organization_id = $1) c`, [org, staff.id, Number(values.quotes)]);
  await db.query('analyze operations.quote; analyze operations.client');
  const loadSeconds = (Date.now() - started) / 1000;
  await db.end();

  const { accessToken: token } = await login(server.url, 'bench-staff@atrium.local', 'bench-staff-password');
  const opts = { headers: { authorization: `Bearer ${token}` }, duration: Number(values.duration), overallRate: Number(values.rate), connections: Number(values.connections) };
  const base = `${server.url}${P}/quotes?organizationId=${org}&limit=50`;
  const shapes = {
    newest: base,
    statusIssuedAccepted: `${base}&status=issued&status=accepted`,
    dueRangeByDue: `${base}&dueFrom=2024-06-01&dueTo=2024-09-30&sort=dueDate`,
    search: `${base}&q=lot%2042`,
  };
  const results: Record<string, unknown> = {};
  let failed = false;
  for (const [name, url] of Object.entries(shapes)) {
    const check = await fetch(url, { headers: opts.headers });
    if (check.status !== 200) throw new Error(`${name}: ${check.status} ${await check.text()}`);
    const run = await hammer({ url, ...opts });
    results[name] = run;
    failed ||= run.non2xx > 0 || run.errors > 0;
  }
  console.log(JSON.stringify({ scenario: 'operations quote list', machine: machine(), quotes: Number(values.quotes), loadSeconds, targetRate: Number(values.rate), ...results }, null, 2));
  if (failed) process.exitCode = 1;
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await server.stop();
}
