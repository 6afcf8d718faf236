/**
 * Glucose III: the reads behind the Medications and Nutrition pages and the logging POSTs, for one patient with a
 * realistic history (3 plans, 7 days of recorded doses, 4 meals a day with readings around them). Requests are
 * sequential on one connection, so each latency is the server's time plus a localhost round trip.
 * `npm run bench -- glucose-meds [--requests 40]`
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { login, machine, startServer } from './lib/server.js';
import { createPatients } from './lib/patients.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '40' } } });
const REQUESTS = Number(values.requests);
const percentile = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]; };
const round = (x: number) => Math.round(x * 10) / 10;

async function timed(name: string, count: number, call: (i: number) => Promise<Response>) {
  const times: number[] = [];
  for (let i = 0; i < count + 5; i++) {
    const t0 = performance.now();
    const res = await call(i);
    if (res.status >= 300) throw new Error(`${name}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    if (i >= 5) times.push(performance.now() - t0);
  }
  return { name, p50: round(percentile(times, 0.5)), p95: round(percentile(times, 0.95)), max: round(Math.max(...times)), requests: count };
}

const server = await startServer({ env: { ATRIUM_SEED_DEMO: 'false' } });
try {
  const { accessToken } = await login(server.url);
  const [patientId] = await createPatients(server.url, accessToken, 1);
  const auth = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
  const base = `${server.url}/api/v1/glucose/patients/${patientId}`;
  const start = new Date(Date.now() - 8 * 86_400_000).toISOString().slice(0, 10);
  for (const [name, times] of [['Metformin', ['08:00', '20:00']], ['Vitamin D', ['08:00']], ['Lantus', ['22:00']]] as const) {
    const res = await fetch(`${base}/medication-plans`, { method: 'POST', headers: auth, body: JSON.stringify({ name, kind: name === 'Lantus' ? 'insulin_long' : 'oral', doseAmount: name === 'Lantus' ? 14 : 1, doseUnit: name === 'Lantus' ? 'units' : 'tablet', schedule: { type: 'fixed_times', times }, startDate: start, stockTracking: true, initialStock: 200 }) });
    if (res.status !== 201) throw new Error(`plan: ${res.status} ${await res.text()}`);
  }
  const STEP = 5 * 60_000;
  const end = Math.floor((Date.now() - 60_000) / STEP) * STEP;
  const readings = Array.from({ length: 7 * 288 }, (_, i) => ({ measuredAt: new Date(end - (7 * 288 - 1 - i) * STEP).toISOString(), value: Math.round(140 + 50 * Math.sin(i / 20)) }));
  const bulk = await fetch(`${base}/readings/bulk`, { method: 'POST', headers: auth, body: JSON.stringify({ source: 'cgm', readings }) });
  if (bulk.status !== 200) throw new Error(`bulk: ${bulk.status}`);
  const db = new pg.Client({ connectionString: server.databaseUrl });
  db.on('error', () => undefined);
  await db.connect();
  // A week of history: past doses recorded (90 % taken), 4 meals a day.
  await db.query(`insert into glucose.medication_doses (plan_id, patient_id, scheduled_at, original_scheduled_at, status, taken_at)
    select p.id, p.patient_id, t, t, x.s, case when x.s = 'taken' then t + interval '5 minutes' end
    from glucose.medication_plans p cross join generate_series(now() - interval '7 days', now() - interval '3 hours', interval '12 hours') t cross join lateral (select case when random() < 0.9 + 0 * extract(epoch from t) then 'taken' else 'missed' end as s) x where p.patient_id = $1
    on conflict do nothing`, [patientId]);
  await db.query(`insert into glucose.meals (patient_id, taken_at, meal_type, carbs_g, absorption_minutes, calories_kcal)
    select $1, t, 'lunch', 50, 180, 400 from generate_series(now() - interval '7 days', now() - interval '1 hour', interval '6 hours') t`, [patientId]);
  await db.end();

  const get = (path: string) => () => fetch(`${base}${path}`, { headers: auth });
  const results = [
    await timed('GET medications/adherence', REQUESTS, get('/medications/adherence')),
    await timed('GET medications/stock', REQUESTS, get('/medications/stock')),
    await timed('GET medication-doses (now → +24 h)', REQUESTS, get('/medication-doses')),
    await timed('GET nutrition/daily?range=7d', REQUESTS, get('/nutrition/daily?range=7d')),
    await timed('GET activity/daily', REQUESTS, get('/activity/daily')),
    await timed('POST meals', REQUESTS, (i) => fetch(`${base}/meals`, { method: 'POST', headers: auth, body: JSON.stringify({ carbsG: 20 + (i % 30), takenAt: new Date(Date.now() - i * 60_000).toISOString() }) })),
    await timed('POST insulin-doses', REQUESTS, (i) => fetch(`${base}/insulin-doses`, { method: 'POST', headers: auth, body: JSON.stringify({ units: 1 + (i % 10) / 2, insulinKind: 'rapid', purpose: 'meal', administeredAt: new Date(Date.now() - i * 60_000).toISOString() }) })),
    await timed('GET dashboard/summary?include=medication,nutrition,activity', REQUESTS, get('/dashboard/summary?include=medication,nutrition,activity')),
  ];
  console.log(JSON.stringify({ scenario: 'glucose medications and nutrition pages, one patient with a week of history', machine: machine(), results }, null, 2));
} finally {
  await server.stop();
}
