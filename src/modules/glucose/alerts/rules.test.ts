import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ar2Forecast, evaluateReading, staleSeverity, type EvaluatedReading, type OpenAlert } from './rules.js';
import { DEFAULT_SETTINGS as S } from './settings.js';
import type { AlertFamily } from './tables.js';

const reading = (value: number, extra: Partial<EvaluatedReading> = {}): EvaluatedReading =>
  ({ id: 'r', value, source: 'manual', flags: [], trendRate: null, delta5: null, measuredAtMs: Date.now(), ...extra });
const none = new Map<AlertFamily, OpenAlert>();
const raised = (value: number, extra: Partial<EvaluatedReading> = {}, open = none) =>
  evaluateReading(reading(value, extra), S, open).filter((o) => o.op === 'raise').map((o) => (o as { type: string }).type);

test('threshold boundaries are strict as in §4.3.1 and §12', () => {
  assert.deepEqual(raised(53.9), ['urgent_low']);
  assert.deepEqual(raised(54.0), ['low']);
  assert.deepEqual(raised(69.9), ['low']);
  assert.deepEqual(raised(70.0), []);
  assert.deepEqual(raised(180.0), []);
  assert.deepEqual(raised(180.1), ['high']);
  assert.deepEqual(raised(250.0), ['high']);
  assert.deepEqual(raised(250.1), ['urgent_high']);
});

test('rapid change on CGM only, not while the matching level alert is open', () => {
  assert.deepEqual(raised(150, { source: 'cgm', trendRate: 2.01 }), ['rapid_rise']);
  assert.deepEqual(raised(150, { source: 'cgm', trendRate: 2.0 }), [], '2.00 raises nothing');
  assert.deepEqual(raised(150, { source: 'cgm', trendRate: -2.5 }), ['rapid_fall']);
  assert.deepEqual(raised(150, { source: 'manual', trendRate: -2.5 }), []);
  assert.deepEqual(raised(60, { source: 'cgm', trendRate: -2.5 }), ['low'], 'a low alert takes the place of rapid_fall');
  assert.deepEqual(raised(200, { source: 'cgm', trendRate: 3 }), ['high']);
});

test('AR2 reproduces the worked forecasts and raises predicted_low', () => {
  assert.deepEqual(ar2Forecast(90, 80).map(Math.round), [74, 70, 68, 66, 66, 66]);
  assert.deepEqual(ar2Forecast(100, 90).map(Math.round), [84, 80, 77, 76, 75, 75]);
  assert.deepEqual(raised(80, { source: 'cgm', delta5: -10, trendRate: -2 }), ['predicted_low']);
  assert.deepEqual(raised(90, { source: 'cgm', delta5: -10, trendRate: -2 }), []);
  assert.deepEqual(raised(80, { source: 'cgm', delta5: null }), [], 'no previous bucket, no forecast');
});

test('a suspect CGM reading raises only urgent_low; warm-up readings raise nothing', () => {
  assert.deepEqual(raised(50, { source: 'cgm', flags: ['suspect'] }), ['urgent_low']);
  assert.deepEqual(raised(60, { source: 'cgm', flags: ['suspect'] }), []);
  assert.deepEqual(raised(300, { source: 'cgm', flags: ['suspect'] }), []);
  assert.deepEqual(raised(40, { source: 'cgm', flags: ['warmup'] }), []);
});

test('one alert per family: worsening upgrades, no downgrade, resolution with hysteresis or two readings', () => {
  const low: OpenAlert = { id: 'a', family: 'low', type: 'low', severity: 'warning', status: 'pending', lastValue: 65 };
  const open = new Map<AlertFamily, OpenAlert>([['low', low]]);
  assert.deepEqual(evaluateReading(reading(50), S, open).map((o) => o.op), ['upgrade']);
  const urgent = new Map<AlertFamily, OpenAlert>([['low', { ...low, type: 'urgent_low', severity: 'critical' }]]);
  assert.deepEqual(evaluateReading(reading(60), S, urgent).map((o) => o.op), ['touch'], 'never downgraded');
  assert.deepEqual(evaluateReading(reading(74), S, open).map((o) => o.op), ['touch'], '74 after a low reading: not yet');
  assert.deepEqual(evaluateReading(reading(75), S, open).map((o) => o.op), ['resolve'], 'low + hysteresis');
  assert.deepEqual(evaluateReading(reading(70), S, new Map([['low', { ...low, lastValue: 72 }]])).map((o) => o.op), ['resolve'], 'two readings ≥ 70');
  const high: OpenAlert = { id: 'h', family: 'high', type: 'high', severity: 'warning', status: 'snoozed', lastValue: 200 };
  assert.deepEqual(evaluateReading(reading(176), S, new Map([['high', high]])).map((o) => o.op), ['touch']);
  assert.deepEqual(evaluateReading(reading(175), S, new Map([['high', high]])).map((o) => o.op), ['resolve'], 'resolved even while snoozed');
});

test('a low supersedes an open predicted_low', () => {
  const predicted: OpenAlert = { id: 'p', family: 'predicted_low', type: 'predicted_low', severity: 'warning', status: 'pending', lastValue: 80 };
  const ops = evaluateReading(reading(65, { source: 'cgm', delta5: -10 }), S, new Map([['predicted_low', predicted]]));
  assert.deepEqual(ops.map((o) => o.op === 'resolve' ? `resolve:${o.reason}` : o.op), ['raise', 'resolve:superseded']);
});

test('stale data: warning from 15 minutes, critical from 30', () => {
  assert.equal(staleSeverity(14.9, S), null);
  assert.equal(staleSeverity(15, S), 'warning');
  assert.equal(staleSeverity(30, S), 'critical');
});
