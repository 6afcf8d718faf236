/**
 * Glucose forecasts (§4.10, §9): (1) the forecast for one patient — GET predictions/current, and a live CGM reading
 * POSTed one at a time whose ingest computes AR2 + the physiological model (insulin and carbs on board) and stores
 * the row, sequential on one connection (server time + a localhost round trip); plus the computation alone in this
 * process. (2) The accuracy job (§4.10.5) over `--days` of 5-minute forecasts for `--patients` patients, loaded
 * straight into the database with their readings, then evaluated by the job's own function in this process.
 * `npm run bench -- glucose-forecast [--requests 30] [--patients 1000] [--days 90]`
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { login, machine, startServer } from './lib/server.js';
import { createPatients } from './lib/patients.js';
import { openDatabase } from '../src/platform/db/pool.js';
import { computeForecast, type ForecastInputs } from '../src/modules/glucose/predictions/forecast.js';
import { evaluatePredictions } from '../src/modules/glucose/predictions/evaluate.js';
import { forecastOnIngest } from '../src/modules/glucose/predictions/store.js';
import type { GlucoseServices } from '../src/modules/glucose/services.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '30' }, patients: { type: 'string', default: '1000' }, days: { type: 'string', default: '90' } } });
const REQUESTS = Math.min(30, Number(values.requests));
const PATIENTS = Number(values.patients);
const DAYS = Number(values.days);
const STEP = 5 * 60_000;

class RollbackBench extends Error {}
const percentile = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]; };
const round = (x: number) => Math.round(x * 10) / 10;
const stats = (xs: number[]) => ({ n: xs.length, p50: round(percentile(xs, 0.5)), p95: round(percentile(xs, 0.95)), max: round(Math.max(...xs)) });

const server = await startServer({ env: { ATRIUM_SEED_DEMO: 'false' } });
try {
  const { accessToken } = await login(server.url);
  const auth = { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` };
  const [patientId] = await createPatients(server.url, accessToken, 1);
  const db = new pg.Client({ connectionString: server.databaseUrl });
  await db.connect();
  // therapy settings, a bolus and a meal 40 minutes ago: the physiological model runs beside AR2
  await db.query(`insert into glucose.patient_settings (patient_id, timezone, isf_schedule, carb_ratio_schedule) values ($1, 'Europe/Paris', '[{"start":"00:00","value":45}]', '[{"start":"00:00","value":10}]')`, [patientId]);
  await db.query(`insert into glucose.insulin_doses (patient_id, administered_at, units, insulin_kind, purpose, source) values ($1, now() - interval '40 minutes', 4, 'rapid', 'meal', 'manual')`, [patientId]);
  await db.query(`insert into glucose.meals (patient_id, taken_at, meal_type, carbs_g, absorption_minutes) values ($1, now() - interval '40 minutes', 'lunch', 45, 180)`, [patientId]);

  // three hours of history, then live readings 35 s apart from 14 min ago (each the newest, so each is forecast)
  const now = Math.floor(Date.now() / 1000) * 1000;
  const history = Array.from({ length: 36 }, (_, i) => ({ measuredAt: new Date(now - 15 * 60_000 - (35 - i) * STEP).toISOString(), value: 120 + 20 * Math.sin(i / 5) }))
    .map((r) => ({ ...r, value: Math.round(r.value * 10) / 10 }));
  let res = await fetch(`${server.url}/api/v1/glucose/patients/${patientId}/readings/bulk`, { method: 'POST', headers: auth, body: JSON.stringify({ source: 'cgm', readings: history }) });
  if (res.status !== 200) throw new Error(`history: ${res.status} ${await res.text()}`);
  const ingest: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const at = new Date(now - 14 * 60_000 + i * 35_000).toISOString();
    const t0 = performance.now();
    res = await fetch(`${server.url}/api/v1/glucose/patients/${patientId}/readings/bulk`, { method: 'POST', headers: auth, body: JSON.stringify({ source: 'cgm', readings: [{ measuredAt: at, value: 118 - i * 0.5 }] }) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`live reading: ${res.status}`);
    if (i >= 3) ingest.push(performance.now() - t0);
  }
  const { rows: [stored] } = await db.query(`select count(*)::int as n, count(physio)::int as physio from glucose.predictions where patient_id = $1`, [patientId]);
  if (stored.n < REQUESTS || stored.physio < REQUESTS) throw new Error(`expected ${REQUESTS} forecasts with physio, got ${JSON.stringify(stored)}`);
  const current: number[] = [];
  for (let i = 0; i < 45; i++) {
    const t0 = performance.now();
    res = await fetch(`${server.url}/api/v1/glucose/patients/${patientId}/predictions/current`, { headers: auth });
    const body = await res.json() as { primaryModel: string };
    if (res.status !== 200 || body.primaryModel !== 'physio') throw new Error(`current: ${res.status} ${JSON.stringify(body)}`);
    if (i >= 5) current.push(performance.now() - t0);
  }

  // the ingest's forecast step alone (inputs query, both models, insert), in this process, each in a rolled-back transaction
  const direct = openDatabase(server.databaseUrl!, { max: 2, applicationName: 'bench-forecast' });
  const { rows: [latest] } = await db.query(`select id, measured_at, value_mgdl::float8 as v from glucose.readings where patient_id = $1 order by measured_at desc limit 1`, [patientId]);
  const noJobs = { ctx: {} } as unknown as GlucoseServices; // the external model is not asked: no job service needed
  const step: number[] = [];
  for (let i = 0; i < 60; i++) {
    await direct.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('glucose.predictions').where('patient_id', '=', patientId).where('base_reading_id', '=', latest.id).execute();
      const t1 = performance.now();
      const made = await forecastOnIngest(noJobs, tx, patientId, { id: latest.id, measuredAtMs: new Date(latest.measured_at).getTime(), value: latest.v, source: 'cgm', flags: [], trendRate: -0.5 }, { askExternal: false });
      if (!made || made.primaryModel !== 'physio') throw new Error(`forecast step: ${JSON.stringify(made)}`);
      if (i >= 10) step.push(performance.now() - t1);
      throw new RollbackBench();
    }).catch((err) => { if (!(err instanceof RollbackBench)) throw err; });
  }
  await direct.close();

  // the computation alone
  const inputs: ForecastInputs = {
    base: { id: 'x', atMs: now, value: 118, trendRate: -0.8 },
    recent: [0, 5, 10, 15].map((m) => ({ atMs: now - m * 60_000, value: 118 + m * 0.8 })),
    isf: 45, carbRatio: 10, diaHours: 5, peakMinutes: 75, carbDelayMinutes: 15,
    doses: [{ atMs: now - 40 * 60_000, units: 4 }, { atMs: now - 200 * 60_000, units: 2 }], meals: [{ atMs: now - 40 * 60_000, grams: 45, absorptionMinutes: 180 }],
    low: 70, high: 180, sigmas: {},
  };
  const compute: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const t0 = performance.now();
    computeForecast(inputs);
    if (i >= 200) compute.push(performance.now() - t0);
  }

  // (2) accuracy job: patients, readings and forecasts loaded in bulk, one patient per statement
  const loadStart = performance.now();
  await db.query(`select glucose.ensure_month_partitions('readings', now() - make_interval(days => $1 + 2), now()), glucose.ensure_prediction_partitions(now() - make_interval(days => $1 + 2), now())`, [DAYS]);
  const { rows: people } = await db.query<{ id: string }>(`
    with people as (insert into platform.users (email, password_hash, display_name)
      select 'forecast-' || g || '@bench.local', 'x', 'Forecast patient ' || g from generate_series(1, $1::int) g returning id),
    roles as (insert into platform.user_roles (user_id, role) select id, 'patient' from people)
    select id from people`, [PATIENTS]);
  const end = Math.floor((now - 2 * 3_600_000) / STEP) * STEP;
  const points = DAYS * 288;
  for (const p of people) {
    await db.query(`
      insert into glucose.readings (id, patient_id, measured_at, source, value_mgdl)
      select platform.uuid_v7(), $1, to_timestamp(($2::bigint - (g * 300000)::bigint) / 1000.0), 'cgm', round((130 + 50 * sin(g / 30.0) + 10 * sin(g / 7.0))::numeric, 1)
      from generate_series(0, $3::int + 12) g`, [p.id, end + 12 * STEP, points]);
    await db.query(`
      insert into glucose.predictions (patient_id, base_reading_id, base_time, base_value, ar2, physio, primary_model, p_hypo_30, p_hyper_30, p_hypo_60, p_hyper_60)
      select $1, r.id, r.measured_at, r.value_mgdl,
        jsonb_build_object('points', jsonb_build_array(jsonb_build_object('minutesAhead', 30, 'value', round(r.value_mgdl * 1.03)), jsonb_build_object('minutesAhead', 60, 'value', round(r.value_mgdl * 1.08)))),
        jsonb_build_object('points', jsonb_build_array(jsonb_build_object('minutesAhead', 30, 'value', round(r.value_mgdl * 0.98)), jsonb_build_object('minutesAhead', 60, 'value', round(r.value_mgdl * 0.95)))),
        'physio', 0.01, 0.01, 0.02, 0.02
      from glucose.readings r where r.patient_id = $1 and r.measured_at <= to_timestamp($2::bigint / 1000.0)`, [p.id, end]);
  }
  const loadMs = performance.now() - loadStart;
  const { rows: [{ n: forecasts }] } = await db.query(`select count(*)::int as n from glucose.predictions where evaluated_at is null`);
  const handle = openDatabase(server.databaseUrl!, { max: 4, applicationName: 'bench-forecast' });
  const t0 = performance.now();
  const result = await evaluatePredictions(handle.db);
  const jobMs = performance.now() - t0;
  await handle.close();
  const { rows: [acc] } = await db.query(`select count(*)::int as rows, sum(n)::bigint as n from glucose.prediction_accuracy_daily`);
  await db.end();

  console.log(JSON.stringify({
    scenario: 'glucose forecasts: per-patient forecast latency; accuracy job over stored forecasts',
    machine: machine(),
    liveReadingWithForecast: stats(ingest),
    predictionsCurrent: stats(current),
    forecastStepInIngest: stats(step),
    computeOnlyMs: { p50: Math.round(percentile(compute, 0.5) * 1000) / 1000, p95: Math.round(percentile(compute, 0.95) * 1000) / 1000 },
    accuracyJob: {
      patients: PATIENTS, days: DAYS, forecasts, evaluated: result.evaluated, pairs: result.pairs, dailyRows: acc.rows,
      seconds: round(jobMs / 1000), forecastsPerSecond: Math.round(result.evaluated / (jobMs / 1000)), loadSeconds: round(loadMs / 1000),
    },
  }, null, 2));
} finally {
  await server.stop();
}
