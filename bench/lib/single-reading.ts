import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { login, machine, startServer } from './server.js';
import { createPatients } from './patients.js';

/**
 * One CGM reading per POST at a fixed rate, round robin over many patients; `value(i)` gives the i-th reading's
 * value (in range, or low so that alerts are at work). Prints the figures and exits 1 on any error.
 */
export async function singleReadingBench(scenario: string, value: (i: number) => number): Promise<void> {
  const { values } = parseArgs({ options: {
    patients: { type: 'string', default: '1000' }, rate: { type: 'string', default: '500' },
    duration: { type: 'string', default: '30' }, connections: { type: 'string', default: '50' },
  } });
  const patients = Number(values.patients);

  const server = await startServer({ env: { ATRIUM_SEED_DEMO: 'false' } });
  try {
    const { accessToken } = await login(server.url);
    const ids = await createPatients(server.url, accessToken, patients);
    const STEP = 60_000;
    const start = Math.floor(Date.now() / 1000) * 1000;
    let n = 0;
    // Round robin over patients; each patient's readings go back one minute at a time, all recent enough to be live.
    const nextRequest = () => {
      const i = n++;
      const p = i % patients;
      const k = Math.floor(i / patients);
      return {
        method: 'POST' as const,
        path: `/api/v1/glucose/patients/${ids[p]}/readings/bulk`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ source: 'cgm', readings: [{ measuredAt: new Date(start - k * STEP).toISOString(), value: value(i) }] }),
      };
    };
    const run = async (duration: number) => autocannon({
      url: server.url, connections: Number(values.connections), duration, overallRate: Number(values.rate),
      requests: [{ setupRequest: (req) => ({ ...req, ...nextRequest() }) }],
    });
    await run(3);
    const result = await run(Number(values.duration));
    console.log(JSON.stringify({
      scenario, machine: machine(), patients, targetRate: Number(values.rate),
      requestsPerSecond: Math.round(result.requests.average), p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99,
      errors: result.errors + result.timeouts, non2xx: result.non2xx, durationSeconds: result.duration,
    }, null, 2));
    if (result.errors || result.non2xx) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}
