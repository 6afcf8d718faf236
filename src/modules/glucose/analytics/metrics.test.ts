import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  activePercent, agpPercentiles, analyzeGlucose, bands, bgRisk, bgi, buildGrid, computeMetrics, conga, daySums, displayPercents,
  findEpisodes, gmi, gri, mage, metricsFromSums, modd, percentilesOf, quantile7, roundHalfAway, roundMetrics, sampleSd,
  samplingInterval, sdFromSums, toSeries, ZoneClock, mean,
} from './metrics.js';

const close = (actual: number | null | undefined, expected: number, tol = 1e-6, label = '') => {
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) <= tol, `${label} expected ${expected}, got ${actual}`);
};
const T0 = Date.UTC(2025, 0, 6); // a Monday, 00:00 UTC
const MIN = 60_000;
const every = (stepMin: number, values: number[], startMin = 0) => values.map((mgdl, i) => ({ at: T0 + (startMin + i * stepMin) * MIN, mgdl }));
const utc = new ZoneClock('UTC');
const SHORT = [100, 120, 150];
const TEN = [40, 50, 60, 65, 100, 150, 180, 200, 260, 300];

test('§5.2 ranges are percent of readings with strict below/above and inclusive TIR', () => {
  const a = bands(SHORT)!;
  assert.equal(a.inRangePct, 100);
  close(a.above180Pct, 0);
  close(a.from70to140Pct, 200 / 3);
  close(a.from63to140Pct, 200 / 3);
  assert.equal(a.below54Pct + a.below70Pct + a.above250Pct, 0);
  const b = bands([54, 70, 180, 250])!;
  assert.deepEqual([b.below54Pct, b.below70Pct, b.from54to69Pct, b.inRangePct, b.above180Pct, b.from181to250Pct, b.above250Pct], [0, 25, 25, 50, 25, 25, 0]);
  const c = bands(TEN)!;
  assert.deepEqual([c.below54Pct, c.below70Pct, c.from54to69Pct, c.inRangePct, c.above180Pct, c.from181to250Pct, c.above250Pct], [20, 40, 20, 30, 30, 10, 20]);
  assert.equal(bands([]), null);
});

test('§5.3 mean, sample SD, CV and GMI of the worked lists', () => {
  close(mean(SHORT), 123.3333333, 1e-6);
  close(sampleSd(SHORT), 25.1661148);
  close(gmi(mean(SHORT)!), 6.2601333);
  const m = computeMetrics(every(5, SHORT), { from: T0, to: T0 + 15 * MIN });
  close(m.cvPct, 20.4049579);
  const ten = computeMetrics(every(5, TEN), { from: T0, to: T0 + 50 * MIN });
  close(ten.meanMgdl, 140.5);
  close(ten.sdMgdl, 92.5097592);
  close(ten.cvPct, 65.8432450);
  close(ten.gmiPct, 6.67076);
  assert.equal(sampleSd([120]), null);
});

test('§5.3 SD from daily sums agrees with the direct computation within 1e-9 relative', () => {
  const values = Array.from({ length: 500 }, (_, i) => 80 + 60 * Math.sin(i / 17) + (i % 7));
  const sum = values.reduce((a, b) => a + b, 0);
  const sumSq = values.reduce((a, b) => a + b * b, 0);
  const direct = sampleSd(values)!;
  assert.ok(Math.abs(sdFromSums(values.length, sum, sumSq)! - direct) / direct < 1e-9);
});

test('§5.4 GRI: components, the cap at 100 and the zones', () => {
  const g = gri({ below54Pct: 1, from54to69Pct: 3, from181to250Pct: 10, above250Pct: 2 });
  close(g.hypoComponent, 3.4);
  close(g.hyperComponent, 7.0);
  close(g.value, 21.4);
  assert.equal(g.zone, 'B');
  const d = gri(bands([54, 70, 180, 250])!);
  close(d.value, 80);
  assert.equal(d.zone, 'D');
  const e = gri(bands(TEN)!);
  assert.equal(e.value, 100);
  assert.equal(e.zone, 'E');
  assert.equal(gri({ below54Pct: 0, from54to69Pct: 25 / 3, from181to250Pct: 0, above250Pct: 0 }).zone, 'A'); // exactly 20
});

test('§5.5 LBGI and HBGI with iglu\'s constants', () => {
  for (const [g, r] of [[54, 18.4607], [70, 7.7549], [100, 0.4820], [180, 7.7290], [250, 22.4354]] as const) close(bgRisk(g).r, r, 5e-5, `r(${g})`);
  const a = bgi(SHORT)!;
  close(a.lbgi, 0.1606780);
  close(a.hbgi, 1.0098925);
  const b = bgi(TEN)!;
  close(b.lbgi, 8.3319125);
  close(b.hbgi, 8.0879121);
});

test('§5.8 type-7 percentiles of the worked lists', () => {
  assert.deepEqual(percentilesOf(SHORT), { p5: 102, p25: 110, p50: 120, p75: 135, p95: 147 });
  const p = percentilesOf([...TEN].sort((x, y) => x - y))!;
  close(p.p5, 44.5); close(p.p25, 61.25); close(p.p50, 125); close(p.p75, 195); close(p.p95, 282);
  assert.equal(quantile7([7], 0.95), 7);
});

test('§5.6 dt0: median interval, adjusted to divide a day', () => {
  const at = (mins: number[]) => Float64Array.from(mins.map((m) => T0 + m * MIN));
  assert.equal(samplingInterval(at([0, 5, 10, 15])), 5);
  assert.equal(samplingInterval(at([0, 15, 30])), 15);
  assert.equal(samplingInterval(at([0, 7, 14])), 5); // 7 → remainder 2 → down
  assert.equal(samplingInterval(at([0, 13, 26])), 15); // 13 → remainder 3 → up
  assert.equal(samplingInterval(at([0, 25, 50])), 20); // 25 does not divide 1440 and > 20
  assert.equal(samplingInterval(at([0, 60, 120])), 60);
  assert.equal(samplingInterval(at([0])), null);
});

test('§5.7 active % against the requested range, and data sufficiency', () => {
  const times = Array.from({ length: 12 }, (_, i) => T0 + i * 5 * MIN).filter((_, i) => i !== 4 && i !== 5);
  close(activePercent(times, T0, T0 + 60 * MIN, 5), 83.333333, 1e-5);
  const fourteen = 14 * 86_400_000;
  const slots = (covered: number) => Array.from({ length: covered }, (_, i) => T0 + i * 5 * MIN);
  close(activePercent(slots(3000), T0, T0 + fourteen, 5), 74.404762, 1e-5);
  close(activePercent(slots(2800), T0, T0 + fourteen, 5), 69.444444, 1e-5);
  const ok = computeMetrics(slots(3000).map((at) => ({ at, mgdl: 120 })), { from: T0, to: T0 + fourteen });
  assert.equal(ok.sufficient, true);
  const short = computeMetrics(slots(2800).map((at) => ({ at, mgdl: 120 })), { from: T0, to: T0 + fourteen });
  assert.equal(short.sufficient, false);
});

test('§5.8 AGP: three constant days give 102/110/120/135/147 at every column from 00:05 to 23:55', () => {
  const readings = [100, 120, 150].flatMap((mgdl, d) => Array.from({ length: 288 }, (_, i) => ({ at: T0 + d * 86_400_000 + i * 5 * MIN, mgdl })));
  const agp = agpPercentiles(readings)!;
  assert.equal(agp.length, 288);
  assert.equal(agp[0].minuteOfDay, 0); // the 24:00 column, only two days have it
  assert.equal(agp[0].p50, null);
  for (const col of agp.slice(1)) {
    assert.deepEqual([col.p5, col.p25, col.p50, col.p75, col.p95], [102, 110, 120, 135, 147], `minute ${col.minuteOfDay}`);
    assert.equal(col.n, 3);
  }
});

test('§5.9 episodes: 20 min level-1 hypo with nadir 64; 10 min is no episode', () => {
  const one = findEpisodes(toSeries(every(5, [75, 68, 66, 64, 69, 72, 74], 60)), 5, utc);
  assert.equal(one.length, 1);
  const e = one[0];
  assert.deepEqual([e.kind, e.level, e.durationMin, e.extremeValue, e.nocturnal], ['hypo', 1, 20, 64, true]);
  assert.equal(e.start, T0 + 65 * MIN);
  assert.equal(e.end, T0 + 85 * MIN);
  assert.equal(findEpisodes(toSeries(every(5, [75, 68, 66, 72], 60)), 5, utc).length, 0);
});

test('§5.9 episodes: runs 15 min apart merge, a trace ending low runs to last + dt0, levels counted apart', () => {
  const merged = findEpisodes(toSeries(every(5, [100, 65, 66, 72, 74, 65, 64, 90], 600)), 5, utc);
  assert.equal(merged.length, 1);
  assert.equal(merged[0].durationMin, 30);
  assert.equal(merged[0].nocturnal, false);
  const tail = findEpisodes(toSeries(every(5, [100, 50, 50, 52], 600)), 5, utc);
  assert.deepEqual(tail.map((e) => [e.level, e.durationMin]), [[1, 15], [2, 15]]);
  const m = computeMetrics(every(5, [100, 50, 50, 52, 100, 260, 270, 280, 290, 100], 600), { from: T0, to: T0 + 86_400_000 });
  assert.deepEqual(m.episodes, { hypoL1: 1, hypoL2: 1, hyperL1: 1, hyperL2: 1 });
});

test('§5.12 MODD of 100 then 120 is 20.0', () => {
  const readings = [100, 120].flatMap((mgdl, d) => Array.from({ length: 288 }, (_, i) => ({ at: T0 + d * 86_400_000 + i * 5 * MIN, mgdl })));
  const series = toSeries(readings);
  close(modd(buildGrid(series, 5, utc)), 20);
  close(computeMetrics(readings, { from: T0, to: T0 + 2 * 86_400_000 }).modd, 20);
});

test('§5.12 CONGA(1) of the 15-minute worked trace is √1000', () => {
  const readings = every(15, [100, 110, 120, 130, 140, 130, 120, 110, 100], 15);
  const series = toSeries(readings);
  assert.equal(samplingInterval(series.t), 15);
  close(conga(buildGrid(series, 15, utc), 1), Math.sqrt(1000), 1e-9);
  close(computeMetrics(readings, { from: T0, to: T0 + 86_400_000 }).conga.value, 31.6227766, 1e-6);
});

test('§5.12 MAGE fixture: cosine excursions of 100 give 100.0; flat and short traces give null', () => {
  const trace = Array.from({ length: 289 }, (_, i) => {
    const t = i * 5;
    return { at: T0 + t * MIN, mgdl: t < 120 || t > 1200 ? 100 : 150 - 50 * Math.cos((2 * Math.PI * (t - 120)) / 360) };
  });
  close(mage(toSeries(trace), utc), 100, 1e-6);
  assert.equal(mage(toSeries(trace.map((r) => ({ ...r, mgdl: 120 }))), utc), null);
  assert.equal(mage(toSeries(trace.slice(0, 31)), utc), null);
  const m = computeMetrics(trace, { from: T0, to: T0 + 86_400_000 });
  close(m.mage, 100, 1e-6);
  assert.equal(m.reasons.mage, undefined);
});

test('MAGE splits at gaps longer than 180 minutes and weights segments by duration', () => {
  const wave = (offsetMin: number, amp: number) => Array.from({ length: 145 }, (_, i) => ({ at: T0 + (offsetMin + i * 5) * MIN, mgdl: 150 - amp * Math.cos((2 * Math.PI * i * 5) / 240) }));
  const both = [...wave(0, 50), ...wave(1000, 25)];
  const value = mage(toSeries(both), utc)!;
  const a = mage(toSeries(wave(0, 50)), utc)!;
  const b = mage(toSeries(wave(1000, 25)), utc)!;
  assert.ok(value < a && value > b, `${b} < ${value} < ${a}`);
});

test('empty data: counts are zero, every value null with a reason, never an error', () => {
  const m = computeMetrics([], { from: T0, to: T0 + 14 * 86_400_000 });
  assert.equal(m.n, 0);
  assert.equal(m.meanMgdl, null);
  assert.equal(m.bands, null);
  assert.equal(m.gri, null);
  assert.equal(m.mage, null);
  assert.equal(m.activePct, 0);
  assert.equal(m.sufficient, false);
  assert.equal(m.reasons.meanMgdl, 'insufficient_data');
  assert.deepEqual(m.episodes, { hypoL1: 0, hypoL2: 0, hyperL1: 0, hyperL2: 0 });
});

test('manual basis: grid metrics and active % are null; sparse sampling is flagged', () => {
  const m = computeMetrics(every(240, [100, 140, 180, 90]), { from: T0, to: T0 + 86_400_000, basis: 'manual' });
  assert.equal(m.activePct, null);
  assert.equal(m.modd, null);
  assert.equal(m.reasons.mage, 'manual_basis');
  close(m.meanMgdl, 127.5);
  const sparse = computeMetrics(every(60, [100, 140, 180, 90]), { from: T0, to: T0 + 86_400_000 });
  assert.equal(sparse.dt0Min, 60);
  assert.equal(sparse.reasons.modd, 'sampling_too_sparse');
});

test('the grid follows the patient\'s clock across a DST change (Europe/Paris, 30 March 2025)', () => {
  const paris = new ZoneClock('Europe/Paris');
  const start = Date.UTC(2025, 2, 29, 0, 0) - 60 * MIN; // 29 March 00:00 local (UTC+1)
  const readings = Array.from({ length: 3 * 288 }, (_, i) => ({ at: start + i * 5 * MIN, mgdl: 100 + (i % 50) }));
  const grid = buildGrid(toSeries(readings), 5, paris);
  assert.equal(grid.firstDay * 86_400_000, Date.UTC(2025, 2, 29));
  // 02:05 … 02:55 on 30 March do not exist: no instant, no value
  const row = 1 * grid.perDay;
  const col = (m: number) => row + m / 5 - 1;
  assert.ok(Number.isNaN(grid.times[col(125)]));
  assert.equal(grid.times[col(180)], Date.UTC(2025, 2, 30, 1, 0));
  assert.equal(grid.times[col(60)], Date.UTC(2025, 2, 30, 0, 0));
  const agp = analyzeGlucose(readings, { from: start, to: start + 3 * 86_400_000, timeZone: 'Europe/Paris' }).agp!;
  assert.equal(agp.length, 288);
});

test('daily sums give the same period metrics as the raw computation', () => {
  const readings = Array.from({ length: 2 * 288 }, (_, i) => ({ at: T0 + i * 5 * MIN, mgdl: 60 + ((i * 37) % 230) }));
  const raw = computeMetrics(readings, { from: T0, to: T0 + 2 * 86_400_000 });
  const day = (d: number) => daySums(toSeries(readings.slice(d * 288, (d + 1) * 288)), T0 + d * 86_400_000, T0 + (d + 1) * 86_400_000);
  const agg = metricsFromSums([day(0), day(1)], 576);
  close(agg.meanMgdl, raw.meanMgdl!, 1e-9);
  close(agg.sdMgdl, raw.sdMgdl!, 1e-9);
  close(agg.lbgi, raw.lbgi!, 1e-9);
  close(agg.gri!.value, raw.gri!.value, 1e-9);
  close(agg.bands!.inRangePct, raw.bands!.inRangePct, 1e-9);
  close(agg.activePct, raw.activePct!, 1e-9);
});

test('API rounding is half away from zero: 1 decimal, GMI/LBGI/HBGI 2 decimals', () => {
  assert.equal(roundHalfAway(1.005, 2), 1.01);
  assert.equal(roundHalfAway(-2.25, 1), -2.3);
  assert.equal(roundHalfAway(72.45, 1), 72.5);
  const r = roundMetrics(computeMetrics(every(5, SHORT), { from: T0, to: T0 + 15 * MIN }));
  assert.equal(r.meanMgdl, 123.3);
  assert.equal(r.gmiPct, 6.26);
  assert.equal(r.lbgi, 0.16);
  assert.equal(r.bands!.from70to140Pct, 66.7);
});

test('display percentages: largest remainder sums to 100 and marks <1 %', () => {
  assert.deepEqual(displayPercents([0.4, 2.3, 72.6, 19.9, 4.8]).map((x) => x.lessThanOne ? '<1' : x.value), ['<1', 2, 73, 20, 5]);
});
