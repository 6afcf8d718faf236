/** The worked examples of §4.10.1–4.10.3 and §5.11, as unit tests of the pure calculators. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ar2 } from './ar2.js';
import { activity, insulinCurve, iobFraction } from './insulin.js';
import { physioForecast, type PhysioInput } from './physio.js';
import { probabilities, recommendationLevel, recommendations } from './probabilities.js';
import { accuracy, clarkeZone } from './accuracy.js';

const at = (min: number, value: number) => ({ atMs: min * 60_000, value });
const values = (r: ReturnType<typeof ar2>) => r!.points.map((p) => p.value);

test('AR2 reproduces the Nightscout vectors (two readings 5 min apart)', () => {
  const a = ar2([at(0, 110), at(5, 100)]);
  assert.deepEqual(values(a), [94, 89, 87, 85, 84, 84, 84, 85, 85, 86, 87, 88]);
  assert.equal(Math.round(a!.avgLoss * 10_000) / 10_000, 0.0236);
  const b = ar2([at(5, 80), at(0, 90)]);
  assert.deepEqual(values(b), [74, 70, 68, 66, 66, 66, 66, 66, 67, 68, 69, 70]);
  assert.equal(Math.round(b!.avgLoss * 10_000) / 10_000, 0.0724);
});

test('AR2 interpolates a previous bucket more than 9 minutes back, and averages a bucket', () => {
  const gap = ar2([at(0, 110), at(15, 95)]);
  assert.equal(gap!.mean5, 100);
  assert.deepEqual(values(gap), [92, 90, 89, 88, 88, 88, 89, 89, 90, 91, 92, 93]);
  const mean = ar2([at(0, 120), at(4, 118), at(5, 100)]);
  assert.equal(mean!.recentMean, 109);
  assert.deepEqual(values(mean), [102, 97, 94, 92, 91, 91, 91, 91, 91, 92, 93, 94]);
});

test('AR2 gives no forecast without a previous bucket, and ignores LOW codes', () => {
  assert.equal(ar2([at(0, 100)]), null);
  assert.equal(ar2([at(0, 110), at(25, 100)]), null, 'readings more than 17.5 min apart share no bucket window');
  assert.equal(ar2([at(0, 39), at(5, 100)]), null, '39 is a sensor LOW, not a value');
  assert.equal(ar2([]), null);
  // a reading exactly 2.5 min before the latest belongs to bucket 0 (lower index on the boundary)
  const boundary = ar2([at(0, 110), at(2.5, 100), at(5, 100)]);
  assert.equal(boundary!.recentMean, 100);
  assert.equal(boundary!.mean5, 110);
});

test('IOB and activity follow the exponential curve vector (1 U, peak 75, DIA 5 h)', () => {
  const c = insulinCurve(300, 75);
  assert.equal(c.tau, 112.5);
  assert.equal(c.a, 0.75);
  assert.equal(Math.round(c.S * 100_000) / 100_000, 2.69109);
  const expected = [[0, 1], [30, 0.925], [60, 0.764], [75, 0.6726], [120, 0.4106], [180, 0.1588], [240, 0.0329], [300, 0]];
  for (const [t, iob] of expected) assert.equal(Math.round(iobFraction(c, t) * 10_000) / 10_000, iob, `iob at ${t}`);
  assert.equal(Math.round(activity(c, 75) * 10_000_000) / 10_000_000, 0.0061407);
  assert.equal(activity(c, -1), 0);
  assert.equal(activity(c, 300), 0);
  // activity integrates to the insulin absorbed
  let area = 0;
  for (let t = 0; t < 300; t += 0.5) area += activity(c, t + 0.25) * 0.5;
  assert.ok(Math.abs(area - 1) < 1e-3, `area ${area}`);
});

const scenario = (over: Partial<PhysioInput>): PhysioInput => ({
  value: 150, trendRate: 0, doses: [], meals: [], isf: 50, carbRatio: 10, curve: insulinCurve(300, 75), carbDelayMinutes: 15, ...over,
});
const g = (r: ReturnType<typeof physioForecast>, k: number) => Math.round(r.raw[k - 1] * 100) / 100;

test('physiological model reproduces the three vectors, IOB and COB', () => {
  const trend = physioForecast(scenario({ value: 120, trendRate: -1 }));
  assert.equal(g(trend, 6), 96.25);
  assert.equal(g(trend, 12), 87.5);
  const insulin = physioForecast(scenario({ doses: [{ atMin: 0, units: 2 }] }));
  assert.equal(g(insulin, 6), 142.5);
  assert.equal(g(insulin, 12), 126.4);
  assert.equal(insulin.iobUnits, 2);
  const meal = physioForecast(scenario({ doses: [{ atMin: 0, units: 3 }], meals: [{ atMin: 0, grams: 30, absorptionMinutes: 180 }] }));
  assert.equal(g(meal, 6), 151.25);
  assert.equal(g(meal, 12), 152.1);
  assert.equal(meal.cobGrams, 30);
  const earlier = physioForecast(scenario({ meals: [{ atMin: -105, grams: 30, absorptionMinutes: 180 }] }));
  assert.equal(earlier.cobGrams, 15, 'half absorbed 90 min after the 15-min delay');
});

test('probabilities: the worked example gives 0.095 at 30 min and 0.309 at 60 min; levels and recommendations', () => {
  const trend = physioForecast(scenario({ value: 120, trendRate: -1 }));
  const p = probabilities(trend.raw, 70, 180);
  assert.equal(p.hypo30, 0.095);
  assert.equal(p.hypo60, 0.309);
  assert.equal(p.hyper60, 0.004, 'Φ((87.5 − 180)/35)');
  assert.deepEqual([0.099, 0.1, 0.299, 0.3, 0.7, 0.701, 0.9, 0.901].map(recommendationLevel),
    ['none', 'watch', 'watch', 'warning', 'warning', 'alert', 'alert', 'critical']);
  assert.deepEqual(recommendations({ hypo30: 0.3, hyper30: 0, hypo60: 0.5, hyper60: 0.7 }),
    [{ type: 'carbs', grams: 15, reason: 'predicted_low' }, { type: 'review_plan', reason: 'predicted_high' }]);
  assert.deepEqual(recommendations({ hypo30: 0.29, hyper30: 0, hypo60: 0.5, hyper60: 0.69 }), []);
});

test('accuracy: RMSE, MAE, MARD, bias of the worked example', () => {
  const m = accuracy([100, 150, 200], [110, 140, 180]);
  assert.equal(m.n, 3);
  assert.equal(m.rmse!.toFixed(4), '14.1421');
  assert.equal(m.mae!.toFixed(4), '13.3333');
  assert.equal(m.mardPct!.toFixed(4), '9.1150');
  assert.equal(m.bias!.toFixed(4), '6.6667');
  assert.equal(m.clarke.aPct, 100);
  assert.equal(accuracy([], []).rmse, null);
});

test('Clarke zones at the worked points and boundaries', () => {
  const cases: [number, number, string][] = [
    [100, 120, 'A'], [100, 121, 'B'], [60, 65, 'A'], [60, 200, 'E'], [200, 60, 'E'], [100, 215, 'C'], [150, 25, 'C'],
    [250, 150, 'D'], [50, 100, 'D'], [65, 90, 'D'], [100, 140, 'B'], [300, 200, 'B'],
    [100, 80, 'A'], [100, 79, 'B'], [70, 70, 'A'], [180, 70, 'E'], [180, 71, 'B'], [70, 180, 'E'], [70, 179, 'D'], [71, 181, 'C'],
  ];
  for (const [y, p, zone] of cases) assert.equal(clarkeZone(y, p), zone, `(${y}, ${p})`);
});
