/**
 * Pure scoring in process (spec §10): economic + quality + environmental + TOPSIS over 11 criteria for 1,000 offers
 * (< 50 ms; TOPSIS alone < 10 ms), AHP 10 × 10 (< 1 ms), trade-off with 303 re-rankings for 100 and 1,000 offers
 * (< 50 ms / < 300 ms). `--iterations 30`.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { machine } from './lib/server.js';
import { DEFAULT_PARAMS as P, type TransportMode } from '../src/modules/sourcing/scoring/params.js';
import { scoreEconomic, type EconomicOffer } from '../src/modules/sourcing/scoring/economic.js';
import { scoreQuality, type QualitySupplier } from '../src/modules/sourcing/scoring/quality.js';
import { DESNZ_2025, scoreEnvironmental, type EnvironmentalOffer } from '../src/modules/sourcing/scoring/environmental.js';
import { ahp } from '../src/modules/sourcing/scoring/ahp.js';
import { rankOffers, sensitivity, subScores, type WeightSet } from '../src/modules/sourcing/scoring/combine.js';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '30' } } });
const iterations = Number(values.iterations);

let seed = 42;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
const modes: TransportMode[] = ['road', 'rail', 'sea_container', 'sea_bulk', 'air_long_haul'];

function dataset(n: number) {
  const eco: EconomicOffer[] = []; const qual: QualitySupplier[] = []; const env: EnvironmentalOffer[] = [];
  for (let i = 0; i < n; i++) {
    const id = `o${i}`;
    eco.push({ id, price: 0.3 + rnd(), fxRateToBase: 0.9 + rnd() * 0.2, moq: Math.round(rnd() * 30_000), leadTimeDays: 5 + Math.round(rnd() * 50), leadTimeSdDays: rnd() * 10,
      freightCostPerUnit: rnd() * 0.1, dutyRatePct: rnd() * 5, otifPct: 80 + rnd() * 20, ppm: rnd() * 8000, capacityPerYear: 50_000 + rnd() * 200_000 });
    qual.push({ id, certifications: [{ code: rnd() < 0.5 ? 'fssc_22000' : 'brcgs_food', grade: 'A', validFrom: '2025-01-01', validUntil: '2027-01-01' }, { code: 'iso_9001', validFrom: '2025-01-01', validUntil: '2027-01-01' }],
      otifPct: 80 + rnd() * 20, ppm: rnd() * 8000, leadTime: { meanDays: 20, sdDays: rnd() * 8, n: 12 }, audit: rnd() < 0.7 ? { scorePct: 60 + rnd() * 40, auditedOn: '2026-01-01' } : null });
    env.push({ id, massTonnesPerUnit: 0.001, legs: [{ mode: 'road', distanceKm: 50 + rnd() * 800 }, { mode: modes[Math.floor(rnd() * modes.length)]!, distanceKm: 100 + rnd() * 9000 }],
      certifications: [{ code: 'iso_14001', validFrom: '2025-01-01', validUntil: '2027-01-01' }], packaging: { recyclablePct: rnd() * 100 }, originRisk: rnd() < 0.3 ? 'high' : 'low', renewableEnergyPct: rnd() * 100 });
  }
  return { eco, qual, env };
}

const weights: WeightSet = { pillars: P.pillars, quality: P.quality.weights, environmental: P.environmental.weights };
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const time = (fn: () => void) => { const times: number[] = []; fn(); for (let i = 0; i < iterations; i++) { const t0 = performance.now(); fn(); times.push(performance.now() - t0); } return { p50: +pct(times, 50).toFixed(3), p99: +pct(times, 99).toFixed(3), max: +Math.max(...times).toFixed(3) }; };

function pipeline(d: ReturnType<typeof dataset>) {
  const e = scoreEconomic(d.eco, 120_000, P).results;
  const offers = d.eco.map((o, i) => ({ id: o.id, economic: e[i]!, quality: scoreQuality(d.qual[i]!, '2026-06-01', P), environmental: scoreEnvironmental(d.env[i]!, DESNZ_2025, '2026-06-01', P) }));
  return offers.map((o) => ({ id: o.id, subScores: subScores(o) }));
}

const d1000 = dataset(1000);
const d100 = dataset(100);
const m1000 = pipeline(d1000);
const m100 = pipeline(d100);
const ahpMatrix = Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j ? 1 : i < j ? 1 + ((i + j) % 3) : 0)));
for (let i = 0; i < 10; i++) for (let j = 0; j < i; j++) ahpMatrix[i]![j] = 1 / ahpMatrix[j]![i]!;
const keys = Array.from({ length: 10 }, (_, i) => `c${i}`);

console.log(JSON.stringify({
  scenario: 'sourcing pure scoring (in process)', machine: machine(), iterations,
  fullScoring1000OffersMs: time(() => rankOffers(pipeline(d1000), weights, 'topsis')),
  topsis1000x11Ms: time(() => rankOffers(m1000, weights, 'topsis')),
  ahp10x10Ms: time(() => ahp(keys, ahpMatrix)),
  tradeoff303Rerankings100Ms: time(() => sensitivity(m100, weights, 'topsis')),
  tradeoff303Rerankings1000Ms: time(() => sensitivity(m1000, weights, 'topsis')),
  targets: { fullScoring1000: '< 50 ms', topsis: '< 10 ms', ahp: '< 1 ms', tradeoff100: 'p99 < 50 ms', tradeoff1000: 'p99 < 300 ms' },
}, null, 2));
