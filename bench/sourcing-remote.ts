/**
 * `npm run bench -- sourcing-remote [--calls 500] [--offers 20]` — the cost of scoring through the remote service
 * (spec sourcing §10: client overhead p99 < 10 ms beyond service time; open-circuit rejection < 2 ms).
 * The scoring service (the same code `src/modules/sourcing/engine/main.ts` starts) listens on a local port; calls
 * alternate between a bare `fetch` with a pre-signed token (service time plus the round trip) and the module's
 * ScoringEngine (token signing, the platform's resilient client with breaker and retries, contract checks).
 * The overhead is the difference of the two distributions. Then the service stops, the engine opens its circuit,
 * and the time of a rejected call is measured.
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { ClientFactory } from '../src/platform/clients/index.js';
import { ScoringEngine, SERVICE_AUDIENCE, SERVICE_ISSUER } from '../src/modules/sourcing/engine/engine.js';
import { buildScoringService } from '../src/modules/sourcing/engine/server.js';
import { latencySummary, now } from './lib/fleet.js';
import { machine } from './lib/server.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '500' }, offers: { type: 'string', default: '20' } } });
const calls = Number(values.calls);
const SECRET = 'bench-scoring-secret-bench-scoring-secret';

const body = {
  baseCurrency: 'EUR', annualQuantity: 120_000,
  offers: Array.from({ length: Number(values.offers) }, (_, i) => ({
    id: `o${i}`, price: 0.4 + (i % 7) / 20, fxRateToBase: 1, moq: 5000, leadTimeDays: 10 + (i % 30), leadTimeSdDays: 3,
    freightCostPerUnit: 0.05, dutyRatePct: 0, otifPct: 90 + (i % 10), ppm: 500 + i * 10,
  })),
};

const service = buildScoringService({ secret: SECRET });
await service.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
const engine = new ScoringEngine({ url, secret: SECRET, timeoutMs: 2000, cooldownMs: 60_000 }, new ClientFactory());
const token = await new SignJWT({ scope: 'sourcing.scoring' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(SERVICE_ISSUER)
  .setAudience(SERVICE_AUDIENCE).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));

const direct = async () => {
  const res = await fetch(`${url}/economic/calculate`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`direct call answered ${res.status}`);
  await res.json();
};
const throughEngine = () => engine.call('/economic/calculate', body);

const timed = async (fn: () => Promise<unknown>) => { const t0 = now(); await fn(); return now() - t0; };
for (let i = 0; i < 50; i++) { await direct(); await throughEngine(); }
const bare: number[] = []; const client: number[] = [];
for (let i = 0; i < calls; i++) {
  bare.push(await timed(direct));
  client.push(await timed(throughEngine));
}

await service.close();
// Five consecutive failures open the circuit (each failed call retries twice, so this takes a few seconds).
for (let i = 0; i < 10 && engine.circuitState !== 'open'; i++) await throughEngine().catch(() => {});
const rejected: number[] = [];
for (let i = 0; i < calls; i++) {
  const t0 = now();
  const err = await throughEngine().then(() => null, (e: { code?: string }) => e);
  rejected.push(now() - t0);
  if (!err || err.code !== 'scoring_unavailable') throw new Error(`an open circuit should refuse with scoring_unavailable, got ${err ? err.code : 'a score'}`);
}

const b = latencySummary(bare, calls);
const c = latencySummary(client, calls);
const r = latencySummary(rejected, calls);
console.log(JSON.stringify({
  scenario: 'sourcing-remote: scoring through the remote service', machine: machine(), calls, offers: body.offers.length,
  bareMs: { p50: b.p50, p99: b.p99 }, throughClientMs: { p50: c.p50, p99: c.p99 },
  clientOverheadMs: { p50: Math.round((c.p50 - b.p50) * 10) / 10, p99: Math.round((c.p99 - b.p99) * 10) / 10 },
  circuit: engine.circuitState, openCircuitRejectionMs: { p50: r.p50, p99: r.p99, max: r.max },
}, null, 2));
