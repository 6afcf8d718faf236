import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { createSourcingModule, engineOf } from '../index.js';
import { P, buildWorld } from '../testing.js';
import { buildScoringService } from './server.js';
import { handleScoring } from '../scoring/service.js';
import { DEFAULT_PARAMS } from '../scoring/params.js';
import { DESNZ_2025 } from '../scoring/environmental.js';

const SECRET = 'x'.repeat(40);
const economic = {
  baseCurrency: 'EUR', annualQuantity: 120000,
  offers: [
    { id: 'A', price: 0.50, fxRateToBase: 1, moq: 5000, leadTimeDays: 14, leadTimeSdDays: 3, freightCostPerUnit: 0.05, dutyRatePct: 0, otifPct: 95, ppm: 2000 },
    { id: 'B', price: 0.52, fxRateToBase: 0.92, moq: 20000, leadTimeDays: 35, leadTimeSdDays: 10, freightCostPerUnit: 0.03, dutyRatePct: 2, otifPct: 90, ppm: 500 },
  ],
};

let service: ReturnType<typeof buildScoringService>;
let t: TestApp;
let buyer: TestUser; let admin: TestUser;

before(async () => {
  service = buildScoringService({ secret: SECRET });
  await service.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
  t = await startTestApp({ modules: [createSourcingModule({ scoringUrl: url, scoringSecret: SECRET, scoringTimeoutMs: 1000 })] });
  [buyer, admin] = await Promise.all([t.createUser(['buyer']), t.createUser(['admin'])]);
});
after(async () => { await t.close(); await service.close(); });

test('the service refuses calls without the service token', async () => {
  const res = await service.inject({ method: 'POST', url: '/economic/calculate', payload: economic });
  assert.equal(res.statusCode, 401);
  assert.equal((await service.inject({ method: 'GET', url: '/health' })).json().engineVersion, '1.0.0');
});

test('sourcing.scoring-probe: GET /health through the resilient client; the result shows on GET /scoring/status (admin)', async () => {
  const engine = engineOf(t.app.platform)!;
  const probe = await engine.probe();
  assert.equal(probe?.ok, true);
  assert.equal(probe?.status, 200);
  const status = await t.api('GET', '/api/v1/sourcing/scoring/status', { token: admin.token });
  assert.equal(status.body.mode, 'remote');
  assert.equal(status.body.lastProbe.ok, true);
  assert.equal((await t.api('GET', '/api/v1/sourcing/scoring/status', { token: buyer.token })).status, 403);
});

test('with the URL set, the same inputs give identical results through the service (calculators and an assessment)', async () => {
  const res = await t.api('POST', `${P}/economic/calculate`, { token: buyer.token, body: economic });
  assert.equal(res.status, 200);
  const local = handleScoring('/economic/calculate', { ...economic, parameters: DEFAULT_PARAMS });
  assert.deepEqual(res.body.results, local.results);
  assert.deepEqual(res.body.results.map((r: any) => r.score), [95.45, 100]);
  const env = handleScoring('/environmental/calculate', { asOf: '2026-06-01', factorSet: DESNZ_2025, offers: [{ id: 'x', massTonnesPerUnit: 1, legs: [{ mode: 'rail', distanceKm: 100 }] }] });
  const remote = await t.api('POST', `${P}/environmental/calculate`, { token: buyer.token, body: { asOf: '2026-06-01', offers: [{ id: 'x', massTonnesPerUnit: 1, legs: [{ mode: 'rail', distanceKm: 100 }] }] } });
  assert.deepEqual(remote.body.results, env.results);
  const world = await buildWorld(t, buyer, admin);
  const a = (await t.api('POST', `${P}/assessments`, { token: buyer.token, body: { title: 'Remote', materialId: world.soy.id, annualQuantity: 120_000, assessmentDate: '2026-06-01', offerIds: [world.offerA.id, world.offerB.id] } })).body;
  const scored = await t.api('POST', `${P}/assessments/${a.id}/score`, { token: buyer.token });
  assert.equal(scored.status, 200);
  assert.deepEqual(scored.body.items.map((i: any) => i.pillars.environmental).sort(), [51.74, 72.24]);
  assert.equal((await t.api('GET', `${P}/scoring/status`, { token: admin.token })).body.mode, 'remote');
});

test('service stopped: retries, then 503 scoring_unavailable with Retry-After; the breaker opens and refuses at once; the assessment is unchanged; never a score', async () => {
  const list = await t.api('GET', `${P}/assessments?limit=1`, { token: buyer.token });
  const assessmentId = list.body.items[0].id;
  const before = await t.api('GET', `${P}/assessments/${assessmentId}/results`, { token: buyer.token });
  await service.close();

  const first = await t.api('POST', `${P}/economic/calculate`, { token: buyer.token, body: economic });
  assert.equal(first.status, 503);
  assert.equal(first.body.code, 'scoring_unavailable');
  assert.match(first.body.detail, /network/);
  assert.match(first.body.detail, /3 attempt/, 'two retries after the first attempt');
  assert.ok(Number(first.headers.get('retry-after')) >= 1);
  assert.equal(first.body.results, undefined);

  const second = await t.api('POST', `${P}/assessments/${assessmentId}/score`, { token: buyer.token });
  assert.equal(second.status, 503);
  assert.equal((await t.api('GET', `${P}/scoring/status`, { token: admin.token })).body.circuit, 'open', 'five consecutive failed attempts open the circuit');

  const fast = await t.api('POST', `${P}/economic/calculate`, { token: buyer.token, body: economic });
  assert.equal(fast.status, 503);
  assert.equal(fast.body.code, 'scoring_unavailable');
  assert.match(fast.body.detail, /circuit open/);
  const retryAfter = Number(fast.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 30, String(retryAfter));

  const afterFail = await t.api('GET', `${P}/assessments/${assessmentId}/results`, { token: buyer.token });
  assert.deepEqual(afterFail.body, before.body, 'no partial results');
  assert.equal((await t.api('GET', `${P}/assessments/${assessmentId}`, { token: buyer.token })).body.status, 'scored');
});

/** A fake scoring service answering with a fixed status and body. */
async function fake(status: number, body: unknown) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test('a 422 from the service is 502 scoring_contract_error; another major engine version is 502 scoring_version_mismatch', async () => {
  for (const [status, body, code] of [
    [422, { code: 'validation_failed' }, 'scoring_contract_error'],
    [200, { engineVersion: '2.0.0', results: [] }, 'scoring_version_mismatch'],
    [200, { results: [] }, 'scoring_contract_error'],
  ] as const) {
    const f = await fake(status, body);
    const app = await startTestApp({ modules: [createSourcingModule({ scoringUrl: f.url, scoringSecret: SECRET })] });
    try {
      const user = await app.createUser(['buyer']);
      const res = await app.api('POST', `${P}/economic/calculate`, { token: user.token, body: economic });
      assert.equal(res.status, 502, JSON.stringify(res.body));
      assert.equal(res.body.code, code);
    } finally {
      await app.close();
      f.server.close();
    }
  }
});
