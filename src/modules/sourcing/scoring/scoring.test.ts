import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PARAMS as P, mergeParams, round } from './params.js';
import { scoreEconomic } from './economic.js';
import { leadTimeStats, scoreQuality } from './quality.js';
import { DESNZ_2025, estimatedDistanceKm, haversineKm, scoreEnvironmental, transportEmissions } from './environmental.js';
import { ahp, matrixFromComparisons, normaliseWeights } from './ahp.js';
import { topsis } from './topsis.js';
import { globalWeights, pairMetrics, paretoFront, rankOffers, sensitivity, subScores, type WeightSet } from './combine.js';
import * as ex from './examples.js';

const near = (actual: number, expected: number, tol: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not ${expected} ± ${tol}`);

test('TCO example of §5.2.4: every component of A and B to 1e-6, scores 95.45 and 100.00', () => {
  const { results, minTcoPerUnit } = scoreEconomic([ex.economicA, ex.economicB], ex.Q_EXAMPLE, P);
  const [a, b] = results as [typeof results[0], typeof results[0]];
  near(a.effectivePrice, 0.5, 1e-6, 'P A'); near(a.breakdown.duty, 0, 1e-6, 'D A'); near(a.landedCostPerUnit, 0.55, 1e-6, 'L A');
  assert.equal(a.orderQuantity, 10_000); assert.equal(a.ordersPerYear, 12);
  near(a.safetyStock, 1627.397, 1e-3, 'SS A'); near(a.averageInventory, 6627.397, 1e-3, 'Ī A');
  near(a.breakdown.carrying, 0.007594, 1e-6, 'carrying A'); near(a.breakdown.quality, 0.0011, 1e-6, 'quality A');
  near(a.breakdown.expedite, 0.001, 1e-6, 'expedite A'); near(a.breakdown.admin, 0.005, 1e-6, 'admin A');
  near(a.tcoPerUnit, 0.564694, 1e-6, 'TCO A'); near(a.annualTco, 67_763.27, 0.01, 'annual A');
  near(b.effectivePrice, 0.4784, 1e-6, 'P B'); near(b.breakdown.duty, 0.010168, 1e-6, 'D B'); near(b.landedCostPerUnit, 0.518568, 1e-6, 'L B');
  assert.equal(b.orderQuantity, 20_000); assert.equal(b.ordersPerYear, 6);
  near(b.safetyStock, 5424.658, 1e-3, 'SS B'); near(b.averageInventory, 15_424.658, 1e-3, 'Ī B');
  near(b.breakdown.carrying, 0.016664, 1e-6, 'carrying B'); near(b.breakdown.quality, 0.000259, 1e-6, 'quality B');
  near(b.breakdown.expedite, 0.001, 1e-6, 'expedite B'); near(b.breakdown.admin, 0.0025, 1e-6, 'admin B');
  near(b.tcoPerUnit, 0.538991, 1e-6, 'TCO B'); near(b.annualTco, 64_678.96, 0.01, 'annual B');
  assert.equal(round(a.score, 2), 95.45); assert.equal(round(b.score, 2), 100);
  near(minTcoPerUnit, 0.538991, 1e-6, 'min');
  assert.equal(a.band, 'high');
});

test('capacity is a constraint and an axis, not a cost: changing it leaves TCO unchanged and warns', () => {
  const big = scoreEconomic([{ ...ex.economicA, capacityPerYear: 1e6 }], ex.Q_EXAMPLE, P).results[0]!;
  const small = scoreEconomic([{ ...ex.economicA, capacityPerYear: 1000 }], ex.Q_EXAMPLE, P).results[0]!;
  assert.equal(big.tcoPerUnit, small.tcoPerUnit);
  assert.deepEqual(small.warnings, ['insufficient_capacity']);
  assert.equal(big.score, 100, 'a single offer scores 100');
});

test('volume discount tier, freight estimate from legs, MOQ above need', () => {
  const r = scoreEconomic([{ ...ex.economicA, moq: 200_000, freightCostPerUnit: null, massTonnesPerUnit: 0.001,
    legs: [{ mode: 'road', distanceKm: 1000 }], volumeDiscounts: [{ minQuantityPerYear: 50_000, pct: 5 }, { minQuantityPerYear: 100_000, pct: 10 }, { minQuantityPerYear: 500_000, pct: 20 }] }], ex.Q_EXAMPLE, P).results[0]!;
  near(r.effectivePrice, 0.45, 1e-9, 'P with 10 %');
  near(r.breakdown.freight, 0.1, 1e-9, '0.001 t × 1000 km × 0.10');
  assert.deepEqual(r.warnings, ['freight_estimated', 'moq_exceeds_need']);
});

test('KPI example of §5.1: lead times 11, 14, 17 → μ 14, σ 3, CV 0.2143; n < 3 is missing', () => {
  const s = leadTimeStats([11, 14, 17])!;
  assert.equal(s.meanDays, 14); assert.equal(s.sdDays, 3); near(s.cv!, 0.2143, 1e-4, 'cv');
  assert.equal(leadTimeStats([11, 14]), null);
});

test('quality examples of §5.3: A 83.26, B 71.04 with B missing its audit', () => {
  const a = scoreQuality(ex.qualityA, ex.AS_OF_EXAMPLE, P);
  assert.equal(a.parts.certification.score, 100); assert.equal(a.parts.defects.score, 80); assert.equal(a.parts.otif.score, 75);
  assert.equal(a.parts.audit.score, 88); near(a.parts.leadTimeStability.score, 57.14, 0.005, 'V A');
  assert.equal(round(a.score, 2), 83.26);
  assert.deepEqual(a.missing, []);
  const b = scoreQuality(ex.qualityB, ex.AS_OF_EXAMPLE, P);
  assert.equal(b.parts.certification.score, 85); assert.equal(b.parts.defects.score, 95); assert.equal(b.parts.otif.score, 50);
  assert.equal(b.parts.audit.score, 50); near(b.parts.leadTimeStability.score, 42.86, 0.005, 'V B');
  assert.equal(round(b.score, 2), 71.04);
  assert.deepEqual(b.missing, ['audit']);
});

test('an expired certificate earns nothing; BRCGS grade D deducts 30; critical findings zero the audit; open majors deduct 10 each', () => {
  const expired = scoreQuality({ ...ex.qualityA, certifications: [{ code: 'fssc_22000', validFrom: '2020-01-01', validUntil: '2026-05-31' }] }, ex.AS_OF_EXAMPLE, P);
  assert.equal(expired.parts.certification.score, 0);
  assert.ok(expired.recommendations.some((r) => r.includes('GFSI')));
  const d = scoreQuality({ ...ex.qualityB, certifications: [{ code: 'brcgs_food', grade: 'D', validFrom: '2025-01-01', validUntil: '2027-01-01' }] }, ex.AS_OF_EXAMPLE, P);
  assert.equal(d.parts.certification.score, 60);
  const critical = scoreQuality({ ...ex.qualityA, audit: { scorePct: 95, auditedOn: '2026-01-01', criticalFindings: 1 } }, ex.AS_OF_EXAMPLE, P);
  assert.equal(critical.parts.audit.score, 0);
  const majors = scoreQuality({ ...ex.qualityA, audit: { scorePct: 95, auditedOn: '2026-01-01', openMajorFindings: 2 } }, ex.AS_OF_EXAMPLE, P);
  assert.equal(majors.parts.audit.score, 75);
  const old = scoreQuality({ ...ex.qualityA, audit: { scorePct: 95, auditedOn: '2024-05-01' } }, ex.AS_OF_EXAMPLE, P);
  assert.ok(old.missing.includes('audit'));
});

test('emission examples of §5.4.3', () => {
  const tk = (mode: 'road' | 'rail' | 'sea_container' | 'air_long_haul', tonnes: number, km: number) =>
    tonnes * transportEmissions([{ mode, distanceKm: km }], DESNZ_2025, P).kgCo2ePerTonne;
  near(tk('road', 20, 1200), 2439.12, 1e-6, 'road'); near(tk('rail', 20, 1200), 666.96, 1e-6, 'rail');
  near(tk('sea_container', 1, 100_000), 1612, 1e-6, 'sea'); near(tk('air_long_haul', 1, 100_000), 89_939, 1e-6, 'air');
  near(0.001 * transportEmissions([{ mode: 'road', distanceKm: 1200 }], DESNZ_2025, P).kgCo2ePerTonne, 0.121956, 1e-9, 'per kg');
  const two = transportEmissions([{ mode: 'road', distanceKm: 300 }, { mode: 'sea_container', distanceKm: 8000 }], DESNZ_2025, P);
  near(two.legs[0]!.kgCo2ePerTonne, 30.489, 1e-9, 'leg 1'); near(two.legs[1]!.kgCo2ePerTonne, 128.96, 1e-9, 'leg 2');
  near(two.kgCo2ePerTonne, 159.449, 1e-9, 'total');
});

test('cold chain switches road and container ship; air uses RF factors unless airWithoutRf; a missing factor is 422', () => {
  const cold = transportEmissions([{ mode: 'road', distanceKm: 100 }, { mode: 'sea_container', distanceKm: 100 }], DESNZ_2025, P, true);
  assert.deepEqual(cold.legs.map((l) => l.mode), ['road_refrigerated', 'sea_refrigerated']);
  near(cold.kgCo2ePerTonne, 11.894 + 1.306, 1e-9, 'cold');
  assert.equal(transportEmissions([{ mode: 'air_long_haul', distanceKm: 1 }], DESNZ_2025, P).legs[0]!.factor, 0.89939);
  const noRf = mergeParams(P, { environmental: { airWithoutRf: true } });
  assert.equal(transportEmissions([{ mode: 'air_long_haul', distanceKm: 1 }], DESNZ_2025, noRf).legs[0]!.factor, 0.5313);
  assert.throws(() => transportEmissions([{ mode: 'rail', distanceKm: 1 }], { ...DESNZ_2025, factors: { road: 0.1 } }, P),
    (e: any) => e.status === 422 && e.code === 'emission_factor_missing' && e.message.includes('rail'));
});

test('haversine example of §5.4.4: Montreal–Chicago 1,198.4 km, road estimate 1,438.1 km', () => {
  const mtl = { lat: 45.5017, lon: -73.5673 };
  const chi = { lat: 41.8781, lon: -87.6298 };
  assert.equal(round(haversineKm(mtl, chi), 1), 1198.4);
  assert.equal(round(estimatedDistanceKm(mtl, chi, 'road', P), 1), 1438.1);
  assert.equal(round(estimatedDistanceKm(mtl, chi, 'sea_container', P), 1), 1198.4);
});

test('environmental examples of §5.4.6: A 72.24, B 51.74', () => {
  const a = scoreEnvironmental(ex.environmentalA, DESNZ_2025, ex.AS_OF_EXAMPLE, P);
  near(a.transport.score, 75.61, 0.005, 'T A'); assert.equal(a.certifications.score, 60);
  assert.equal(round(a.score, 2), 72.24);
  near(a.transport.kgCo2ePerUnit, 0.121956, 1e-9, 'per unit A');
  const b = scoreEnvironmental(ex.environmentalB, DESNZ_2025, ex.AS_OF_EXAMPLE, P);
  near(b.transport.score, 68.11, 0.005, 'T B'); assert.equal(b.certifications.score, 80); assert.equal(b.origin.score, 0);
  assert.equal(round(b.score, 2), 51.74);
  const bare = scoreEnvironmental({ id: 'x', massTonnesPerUnit: 1, legs: [{ mode: 'rail', distanceKm: 10 }] }, DESNZ_2025, ex.AS_OF_EXAMPLE, P);
  assert.deepEqual(bare.missing, ['certifications', 'packaging', 'origin', 'renewable']);
});

test('AHP examples of §5.5.2 and the §4.7 exchange', () => {
  const c = ['economic', 'quality', 'environmental'];
  const one = ahp(c, [[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]]);
  near(one.weights.economic!, 0.5714, 5e-5, 'w1'); near(one.weights.quality!, 0.2857, 5e-5, 'w2'); near(one.weights.environmental!, 0.1429, 5e-5, 'w3');
  near(one.lambdaMax, 3, 1e-9, 'λ'); near(one.cr, 0, 1e-9, 'CR');
  const two = ahp(c, matrixFromComparisons(c, [{ a: 'economic', b: 'quality', value: 3 }, { a: 'economic', b: 'environmental', value: 5 }, { a: 'quality', b: 'environmental', value: 3 }]));
  near(two.weights.economic!, 0.6370, 5e-5, 'w1'); near(two.weights.quality!, 0.2583, 5e-5, 'w2'); near(two.weights.environmental!, 0.1047, 5e-5, 'w3');
  near(two.lambdaMax, 3.0385, 5e-5, 'λ'); near(two.ci, 0.0193, 5e-5, 'CI'); assert.equal(two.ri, 0.58); near(two.cr, 0.0332, 5e-5, 'CR');
  assert.equal(two.consistent, true);
  assert.deepEqual({ ...two.mostInconsistentPair, implied: round(two.mostInconsistentPair!.implied, 2) }, { a: 'economic', b: 'quality', given: 3, implied: 2.47, suggested: 2 });
  const bad = ahp(c, [[1, 5, 1 / 3], [1 / 5, 1, 3], [3, 1 / 3, 1]]);
  near(bad.weights.economic!, 0.3914, 5e-5, 'w1'); near(bad.weights.quality!, 0.2784, 5e-5, 'w2'); near(bad.weights.environmental!, 0.3301, 5e-5, 'w3');
  near(bad.lambdaMax, 4.838, 5e-4, 'λ'); near(bad.cr, 1.58, 5e-3, 'CR');
  assert.equal(bad.consistent, false);
  assert.deepEqual({ ...bad.mostInconsistentPair, implied: round(bad.mostInconsistentPair!.implied, 2) }, { a: 'economic', b: 'quality', given: 5, implied: 1.41, suggested: 1 });
});

test('AHP refuses non-reciprocal, out-of-scale and incomplete input, naming the cell; direct weights normalise, all zero is 422', () => {
  const c = ['a', 'b', 'c'];
  assert.throws(() => ahp(c, [[1, 2, 4], [1 / 3, 1, 2], [1 / 4, 1 / 2, 1]]), (e: any) => e.code === 'ahp_matrix_invalid' && e.errors[0].path === 'matrix.0.1');
  assert.throws(() => ahp(c, [[1, 12, 4], [1 / 12, 1, 2], [1 / 4, 1 / 2, 1]]), (e: any) => e.code === 'ahp_matrix_invalid' && e.errors[0].path === 'matrix.0.1');
  assert.throws(() => matrixFromComparisons(c, [{ a: 'a', b: 'b', value: 2 }]), (e: any) => e.code === 'ahp_matrix_invalid');
  assert.deepEqual(normaliseWeights({ x: 2, y: 6 }), { x: 0.25, y: 0.75 });
  assert.throws(() => normaliseWeights({ x: 0, y: 0 }), (e: any) => e.status === 422 && e.code === 'weights_invalid');
});

test('TOPSIS example of §5.6.1: C = (0.4529, 0.5441, 0.4559), ranks O2, O3, O1; zero columns and identical alternatives are safe', () => {
  const r = topsis(
    [{ key: 'c1', weight: 0.40, direction: 'cost' }, { key: 'c2', weight: 0.35, direction: 'benefit' }, { key: 'c3', weight: 0.25, direction: 'benefit' }],
    [{ id: 'O1', values: { c1: 250, c2: 16, c3: 12 } }, { id: 'O2', values: { c1: 200, c2: 20, c3: 8 } }, { id: 'O3', values: { c1: 300, c2: 11, c3: 20 } }],
  );
  const expected = [0.4529, 0.5441, 0.4559];
  r.results.forEach((x, i) => near(x.closeness, expected[i]!, 1e-4, x.id));
  near(r.ideal.c1!, 0.1823, 1e-4, 'A+1'); near(r.antiIdeal.c3!, 0.0811, 1e-4, 'A-3');
  near(r.results[0]!.distanceToIdeal, 0.1057, 1e-4, 'S+1'); near(r.results[1]!.distanceToAntiIdeal, 0.1452, 1e-4, 'S-2');
  assert.deepEqual(r.results.map((x) => x.rank), [3, 1, 2]);
  const same = topsis([{ key: 'z', weight: 1, direction: 'benefit' }, { key: 'k', weight: 1, direction: 'cost' }],
    [{ id: 'x', values: { z: 0, k: 5 } }, { id: 'y', values: { z: 0, k: 5 } }]);
  assert.deepEqual(same.results.map((x) => [x.closeness, x.rank]), [[0.5, 1], [0.5, 1]]);
});

test('end-to-end example of §5.7: pillars, global weights, weighted 85.93 / 78.76, closeness 0.7158 / 0.2842, switch at 0.71, abatement 685.53', () => {
  const eco = scoreEconomic([ex.economicA, ex.economicB], ex.Q_EXAMPLE, P).results;
  const offers = ['A', 'B'].map((id, i) => ({
    id, economic: eco[i]!, quality: scoreQuality(i ? ex.qualityB : ex.qualityA, ex.AS_OF_EXAMPLE, P),
    environmental: scoreEnvironmental(i ? ex.environmentalB : ex.environmentalA, DESNZ_2025, ex.AS_OF_EXAMPLE, P),
  }));
  const weights: WeightSet = { pillars: P.pillars, quality: P.quality.weights, environmental: P.environmental.weights };
  const g = globalWeights(weights);
  assert.deepEqual(Object.values(g).map((x) => round(x, 10)), [0.40, 0.12, 0.10, 0.10, 0.04, 0.04, 0.08, 0.04, 0.03, 0.03, 0.02]);
  near(Object.values(g).reduce((s, x) => s + x, 0), 1, 1e-12, 'Σ');
  const ranked = rankOffers(offers.map((o) => ({ id: o.id, subScores: subScores(o) })), weights, 'topsis');
  assert.equal(round(ranked[0]!.weightedScore, 2), 85.93); assert.equal(round(ranked[1]!.weightedScore, 2), 78.76);
  near(ranked[0]!.closeness!, 0.7158, 1e-4, 'C A'); near(ranked[1]!.closeness!, 0.2842, 1e-4, 'C B');
  assert.deepEqual(ranked.map((r) => r.rank), [1, 2]);
  const s = sensitivity(offers.map((o) => ({ id: o.id, subScores: subScores(o) })), weights, 'topsis');
  assert.equal(s.leaderOfferId, 'A');
  assert.deepEqual([s.pillars.economic.stableFrom, s.pillars.economic.stableTo], [0, 0.70]);
  assert.deepEqual(s.pillars.economic.switches, [{ at: 0.71, leaderOfferId: 'B' }]);
  assert.deepEqual([s.pillars.quality.stableFrom, s.pillars.quality.stableTo, s.pillars.quality.switches.length], [0, 1, 0]);
  assert.deepEqual([s.pillars.environmental.stableFrom, s.pillars.environmental.stableTo, s.pillars.environmental.switches.length], [0, 1, 0]);
  const pair = pairMetrics(
    { id: 'A', tcoPerUnit: offers[0]!.economic.tcoPerUnit, kgCo2ePerUnit: offers[0]!.environmental.transport.kgCo2ePerUnit, quality: offers[0]!.quality.score },
    { id: 'B', tcoPerUnit: offers[1]!.economic.tcoPerUnit, kgCo2ePerUnit: offers[1]!.environmental.transport.kgCo2ePerUnit, quality: offers[1]!.quality.score },
  );
  assert.equal(round(pair.abatementCostPerTonneCo2e!, 2), 685.53);
  assert.deepEqual(paretoFront(offers.map((o) => ({ id: o.id, pillars: [o.economic.score, o.quality.score, o.environmental.score] }))), ['A', 'B']);
  const ws = rankOffers(offers.map((o) => ({ id: o.id, subScores: subScores(o) })), weights, 'weighted_sum');
  assert.deepEqual(ws.map((r) => [r.rank, r.closeness]), [[1, null], [2, null]]);
});

test('the fast leader finder of the sensitivity run agrees with full TOPSIS and weighted-sum rankings', async () => {
  const { leaderFinder, leaderOf, withPillarWeight } = await import('./combine.js');
  let seed = 3;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  const weights: WeightSet = { pillars: P.pillars, quality: P.quality.weights, environmental: P.environmental.weights };
  for (let round_ = 0; round_ < 20; round_++) {
    const offers = Array.from({ length: 2 + Math.floor(rnd() * 30) }, (_, i) => ({
      id: `o${i}`, subScores: Object.fromEntries(['tco', 'certification', 'defects', 'otif', 'audit', 'leadTimeStability', 'transport', 'envCertifications', 'packaging', 'origin', 'renewable'].map((k) => [k, Math.round(rnd() * 100)])) as any,
    }));
    for (const method of ['topsis', 'weighted_sum'] as const) {
      const fast = leaderFinder(offers, method);
      for (const t of [0, 0.25, 0.5, 0.9, 1]) {
        const w = withPillarWeight(weights, 'economic', t);
        assert.equal(fast(w), leaderOf(rankOffers(offers, w, method)), `${method} t=${t}`);
      }
    }
  }
});
