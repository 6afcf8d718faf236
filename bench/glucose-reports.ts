/**
 * Glucose reports and dashboard (§9): dashboard summary p95 < 100 ms; AGP PDF for 14 days < 10 s and 90-day XLSX
 * export < 30 s of job run time. One patient with 90 days of 5-minute CGM data. Summary requests are sequential
 * on one connection (server time plus a localhost round trip), then 10 concurrent connections for 10 s. Report
 * jobs are requested through the API and timed from the job row (started_at → completed_at) and end to end.
 * `npm run bench -- glucose-reports [--requests 200]`
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { login, machine, startServer } from './lib/server.js';
import { createPatients } from './lib/patients.js';
import { hammer } from './lib/http.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200' } } });
const REQUESTS = Number(values.requests);
const DAY = 86_400_000;
const STEP = 5 * 60_000;
const N = 90 * 288;

const percentile = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]; };
const round = (x: number) => Math.round(x * 10) / 10;
const value = (i: number) => Math.round((140 + 60 * Math.sin(i / 30) + 25 * Math.sin(i / 7) + (i % 5)) * 10) / 10;

const server = await startServer({ env: { ATRIUM_SEED_DEMO: 'false' } });
try {
  const step = (what: string) => console.error(`[glucose-reports] ${new Date().toISOString()} ${what}`);
  step('server ready');
  const { accessToken } = await login(server.url);
  const auth = { authorization: `Bearer ${accessToken}` };
  const [patientId] = await createPatients(server.url, accessToken, 1);
  const end = Math.floor((Date.now() - 60_000) / STEP) * STEP;
  const readings = Array.from({ length: N }, (_, i) => ({ measuredAt: new Date(end - (N - 1 - i) * STEP).toISOString(), value: value(i) }));
  for (let i = 0; i < N; i += 10_000) {
    const res = await fetch(`${server.url}/api/v1/glucose/patients/${patientId}/readings/bulk`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ source: 'cgm', readings: readings.slice(i, i + 10_000) }),
    });
    if (res.status !== 200) throw new Error(`bulk: ${res.status} ${await res.text()}`);
  }

  step(`${N} readings loaded`);
  // dashboard summary, sequential
  const summaryUrl = `${server.url}/api/v1/glucose/patients/${patientId}/dashboard/summary`;
  const times: number[] = [];
  for (let i = 0; i < REQUESTS + 10; i++) {
    const t0 = performance.now();
    const res = await fetch(summaryUrl, { headers: auth });
    if (res.status !== 200) throw new Error(`summary: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    if (i >= 10) times.push(performance.now() - t0);
  }
  const concurrent = await hammer({ url: summaryUrl, headers: auth, connections: 10, duration: 10 });

  step('summary measured');
  // report jobs
  const db = new pg.Client({ connectionString: server.databaseUrl });
  await db.connect();
  async function runReport(body: object) {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/v1/glucose/patients/${patientId}/reports`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) });
    if (res.status !== 202) throw new Error(`report: ${res.status} ${await res.text()}`);
    const { jobId } = await res.json() as { jobId: string };
    for (;;) {
      const status = await (await fetch(`${server.url}/api/v1/glucose/reports/${jobId}`, { headers: auth })).json() as { status: string; fileBytes: number; error: unknown };
      if (status.status === 'failed') throw new Error(`report failed: ${JSON.stringify(status.error)}`);
      if (status.status === 'ready') {
        const endToEnd = performance.now() - t0;
        const { rows } = await db.query<{ ms: number }>('select extract(epoch from completed_at - started_at) * 1000 as ms from glucose.report_jobs where id = $1', [jobId]);
        return { jobRunMs: Math.round(Number(rows[0].ms)), endToEndMs: Math.round(endToEnd), bytes: status.fileBytes };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const agp = await runReport({ kind: 'agp', format: 'pdf', from: new Date(end - 14 * DAY + STEP).toISOString(), to: new Date(end + STEP).toISOString() });
  step('AGP PDF done');
  const xlsx = await runReport({ kind: 'export', format: 'xlsx', from: new Date(end - 90 * DAY + STEP).toISOString(), to: new Date(end + STEP).toISOString() });
  const csv = await runReport({ kind: 'export', format: 'csv', from: new Date(end - 90 * DAY + STEP).toISOString(), to: new Date(end + STEP).toISOString() });
  await db.end();

  console.log(JSON.stringify({
    scenario: 'glucose-reports', machine: machine(), readings: N,
    dashboardSummary: { sequential: { requests: REQUESTS, p50: round(percentile(times, 0.5)), p95: round(percentile(times, 0.95)), max: round(Math.max(...times)) }, concurrent10: concurrent },
    agpPdf14d: agp, xlsx90d: xlsx, csvZip90d: csv,
    targets: { summaryP95Ms: 100, agpPdfMs: 10_000, xlsx90dMs: 30_000 },
  }, null, 2));
} finally {
  await server.stop();
}
