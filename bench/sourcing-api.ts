/**
 * Sourcing over HTTP against a server process (spec §10, scaled down): GET /suppliers, GET /offers and GET
 * /assessments/{id}/results at a fixed rate, POST /assessments/{id}/score with `--offers` offers (target p99 < 100 ms
 * for 100), and the trade-off of that assessment. `--offers 100 --rate 300 --duration 20 --scores 30`.
 * The dataset is small (the offers made here); the §10 dataset needs a bulk loader not written yet.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { machine, startServer, login } from './lib/server.js';
import { hammer } from './lib/http.js';

const { values } = parseArgs({ options: {
  offers: { type: 'string', default: '100' }, rate: { type: 'string', default: '300' }, duration: { type: 'string', default: '20' },
  scores: { type: 'string', default: '30' }, connections: { type: 'string', default: '20' },
} });
const offerCount = Number(values.offers);
const P = '/api/v1/sourcing';

const server = await startServer({ env: { ATRIUM_SEED_DEMO: 'false' } });
try {
  const { accessToken: adminToken } = await login(server.url);
  const made = await fetch(`${server.url}/api/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ email: 'bench-buyer@atrium.local', displayName: 'Bench buyer', password: 'bench-buyer-password', roles: ['buyer'] }) });
  if (made.status !== 201) throw new Error(`buyer not created: ${made.status} ${await made.text()}`);
  const { accessToken: token } = await login(server.url, 'bench-buyer@atrium.local', 'bench-buyer-password');
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${P}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json() as Promise<any>;
  };
  const material = await call('POST', '/materials', { name: `Bench soybean ${Date.now()}`, unit: 'kg' });
  const plant = await call('POST', '/destinations', { name: 'Montréal plant', country: 'CA', latitude: 45.5017, longitude: -73.5673 });
  const offerIds: string[] = [];
  for (let s = 0; s < Math.ceil(offerCount / 10); s++) {
    const sup = await call('POST', '/suppliers', { name: `Bench supplier ${s}`, country: 'CA', sites: [{ country: 'CA', latitude: 45 + s * 0.01, longitude: -73 - s * 0.01, renewableEnergyPct: s % 100 }] });
    await call('POST', `/suppliers/${sup.id}/certifications`, { code: 'fssc_22000', validFrom: '2025-01-01', validUntil: '2030-01-01' });
    for (let k = 0; k < 10 && offerIds.length < offerCount; k++) {
      const o = await call('POST', '/offers', { supplierId: sup.id, siteId: sup.sites[0].id, materialId: material.id, destinationId: plant.id, currency: 'EUR', price: 0.4 + ((s * 10 + k) % 37) / 100,
        moq: 1000 * k, leadTimeDays: 5 + k, capacityPerYear: 100_000 + k * 10_000, packaging: { recyclablePct: (k * 13) % 100 }, legs: [{ mode: k % 2 ? 'rail' : 'road', distanceKm: 100 + k * 50 }], validFrom: '2025-01-01' });
      offerIds.push(o.id);
    }
  }
  const a = await call('POST', '/assessments', { title: 'Bench', materialId: material.id, annualQuantity: 120_000, offerIds });
  const timings: number[] = [];
  for (let i = 0; i < Number(values.scores); i++) {
    const t0 = performance.now();
    await call('POST', `/assessments/${a.id}/score`, {});
    timings.push(performance.now() - t0);
  }
  const tradeoff: number[] = [];
  for (let i = 0; i < Number(values.scores); i++) {
    const t0 = performance.now();
    await call('POST', `/assessments/${a.id}/tradeoff`, {});
    tradeoff.push(performance.now() - t0);
  }
  const pct = (xs: number[], p: number) => +[...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!.toFixed(1);
  const headers = { authorization: `Bearer ${token}` };
  const opts = { headers, duration: Number(values.duration), overallRate: Number(values.rate), connections: Number(values.connections) };
  // Each URL answers 200 before it is driven, and any non-2xx during a run is shown with its status and problem body
  // (a run that only counted them could not say why).
  const drive = async (path: string) => {
    const url = `${server.url}${P}${path}`;
    const probe = await fetch(url, { headers });
    if (probe.status !== 200) throw new Error(`GET ${path} answers ${probe.status} before the run: ${await probe.text()}`);
    const run = await hammer({ url, ...opts });
    if (run.non2xx) {
      const after = await fetch(url, { headers });
      console.error(`GET ${path}: ${run.non2xx} non-2xx answers during the run; now ${after.status} ${after.status === 200 ? '' : await after.text()}`);
    }
    return run;
  };
  const suppliers = await drive('/suppliers?limit=50');
  const offers = await drive(`/offers?limit=50&materialId=${material.id}`);
  // The results of the scored assessment: every offer, ranked (spec §10 "results page of 200").
  const results = await drive(`/assessments/${a.id}/results`);
  console.log(JSON.stringify({
    scenario: 'sourcing API', machine: machine(), offers: offerCount, targetRate: Number(values.rate),
    scoreMs: { n: timings.length, p50: pct(timings, 50), p99: pct(timings, 99) },
    tradeoffMs: { n: tradeoff.length, p50: pct(tradeoff, 50), p99: pct(tradeoff, 99) },
    getSuppliers: suppliers, getOffers: offers, getResults: results,
  }, null, 2));
  if (suppliers.non2xx || offers.non2xx || results.non2xx) process.exitCode = 1;
} finally {
  await server.stop();
}
