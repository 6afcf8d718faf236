/**
 * Glucose analytics (§9): 90 days of 5-minute CGM data (25,920 readings) for one patient → all §5 metrics incl.
 * MAGE, MODD, CONGA and AGP in < 50 ms (p95); and the clinician patient list sorted by risk over 1,000 linked
 * patients (14 days of daily_stats each). Requests are sequential on one connection, so each latency is the
 * server's time plus a localhost round trip. Also times the pure computation alone, in this process.
 * `npm run bench -- glucose-analytics [--requests 40] [--patients 1000]`
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { login, machine, startServer } from './lib/server.js';
import { createPatients } from './lib/patients.js';
import { analyzeGlucose } from '../src/modules/glucose/analytics/metrics.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '40' }, patients: { type: 'string', default: '1000' } } });
const REQUESTS = Number(values.requests);
const PATIENTS = Number(values.patients);
const DAY = 86_400_000;
const STEP = 5 * 60_000;
const N = 25_920;

const percentile = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]; };
const round = (x: number) => Math.round(x * 10) / 10;
const value = (i: number) => Math.round((140 + 60 * Math.sin(i / 30) + 25 * Math.sin(i / 7) + (i % 5)) * 10) / 10;

async function timed(url: string, token: string, count: number) {
  const times: number[] = [];
  for (let i = 0; i < count + 5; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    if (i >= 5) times.push(performance.now() - t0); // the first five warm caches and JIT
  }
  return { p50: round(percentile(times, 0.5)), p95: round(percentile(times, 0.95)), max: round(Math.max(...times)), requests: count };
}

const server = await startServer({ env: { ATRIUM_SEED_DEMO: 'false' } });
try {
  const { accessToken } = await login(server.url);
  const [patientId] = await createPatients(server.url, accessToken, 1);
  const end = Math.floor((Date.now() - 60_000) / STEP) * STEP;
  const readings = Array.from({ length: N }, (_, i) => ({ measuredAt: new Date(end - (N - 1 - i) * STEP).toISOString(), value: value(i) }));
  for (let i = 0; i < N; i += 10_000) {
    const res = await fetch(`${server.url}/api/v1/glucose/patients/${patientId}/readings/bulk`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ source: 'cgm', readings: readings.slice(i, i + 10_000) }),
    });
    if (res.status !== 200) throw new Error(`bulk: ${res.status} ${await res.text()}`);
  }
  const from = new Date(end - 90 * DAY + STEP).toISOString();
  const to = new Date(end + STEP).toISOString();
  const base = `${server.url}/api/v1/glucose/patients/${patientId}/analytics`;
  const metrics = await timed(`${base}/metrics?from=${from}&to=${to}`, accessToken, REQUESTS);
  const agp = await timed(`${base}/agp?from=${from}&to=${to}`, accessToken, REQUESTS);
  const check = await (await fetch(`${base}/metrics?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${accessToken}` } })).json() as { n: number; mage: number };
  if (check.n !== N || check.mage === null) throw new Error(`unexpected metrics: n=${check.n}, mage=${check.mage}`);

  // the computation alone, in this process
  const series = readings.map((r) => ({ at: Date.parse(r.measuredAt), mgdl: r.value }));
  const compute: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t0 = performance.now();
    analyzeGlucose(series, { from: Date.parse(from), to: Date.parse(to), timeZone: 'Europe/Paris' });
    if (i >= 5) compute.push(performance.now() - t0);
  }

  // 1,000 linked patients with 14 days of daily_stats, loaded directly into the database
  const clinicianEmail = 'bench-clinician@atrium.local';
  const created = await fetch(`${server.url}/api/v1/users`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ email: clinicianEmail, displayName: 'Bench clinician', password: 'bench-clinician-password', roles: ['clinician'] }),
  });
  if (created.status !== 201) throw new Error(`clinician: ${created.status} ${await created.text()}`);
  const clinicianId = ((await created.json()) as { id: string }).id;
  const db = new pg.Client({ connectionString: server.databaseUrl });
  await db.connect();
  await db.query(`
    with people as (
      insert into platform.users (email, password_hash, display_name)
      select 'risk-' || g || '@bench.local', 'x', 'Risk patient ' || lpad(g::text, 4, '0') from generate_series(1, $1::int) g
      returning id
    ), roles as (insert into platform.user_roles (user_id, role) select id, 'patient' from people)
    insert into glucose.care_links (patient_id, member_id, relation, via) select id, $2, 'clinician', 'admin' from people`, [PATIENTS, clinicianId]);
  await db.query(`
    insert into glucose.daily_stats (patient_id, local_date, basis, n, sum, sum_sq, min, max, n_lt54, n_lt70, n_70_180, n_gt180, n_gt250,
      lbgi_sum, hbgi_sum, slots_covered, dt0_min, dirty)
    select l.patient_id, (now() at time zone 'Europe/Paris')::date - d, 'cgm', 288, 288 * m, 288 * (m * m + 900), 50, 300,
      (random() * 10)::int, 10 + (random() * 20)::int, 200, 58, (random() * 30)::int, 288 * random(), 288 * 4 * random(), 250 + (random() * 38)::int, 5, false
    from glucose.care_links l cross join generate_series(1, 14) d cross join lateral (select 120 + random() * 60 as m) x
    where l.member_id = $1`, [clinicianId]);
  await db.query(`
    insert into glucose.alerts (patient_id, family, type, severity, triggered_at)
    select patient_id, 'low', 'urgent_low', 'critical', now() from glucose.care_links where member_id = $1 and random() < 0.03`, [clinicianId]);
  await db.end();
  const clinician = await login(server.url, clinicianEmail, 'bench-clinician-password');
  const riskList = await timed(`${server.url}/api/v1/glucose/patients?sort=risk&limit=50`, clinician.accessToken, REQUESTS);

  console.log(JSON.stringify({
    scenario: 'glucose analytics: 90 days of 5-minute CGM (25,920 readings), clinician list over linked patients',
    machine: machine(),
    metrics90d: metrics,
    agp90d: agp,
    computeOnly90d: { p50: round(percentile(compute, 0.5)), p95: round(percentile(compute, 0.95)) },
    riskList: { patients: PATIENTS, ...riskList },
  }, null, 2));
} finally {
  await server.stop();
}
