import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthScore } from './health-score.js';

test('worked example of §4.4: G 80, A 100, 1500 kcal of 1800, 4000 steps of 8000 → 79', () => {
  const s = healthScore({ inRangePct: 80, adherencePct: 100, kcal24h: 1500, kcalGoal: 1800, stepsToday: 4000, stepsGoal: 8000 });
  assert.equal(s.score, 79);
  assert.ok(Math.abs(s.components.nutrition - 83.3333333) < 1e-6);
  assert.equal(s.components.activity, 50);
});

test('missing data uses the neutral values: no reading 50, no dose due 100, no meal 50, no steps 50', () => {
  const s = healthScore({ inRangePct: null, adherencePct: null, kcal24h: null, kcalGoal: 1800, stepsToday: null, stepsGoal: 8000 });
  assert.deepEqual(s.components, { glycemia: 50, adherence: 100, nutrition: 50, activity: 50 });
  assert.equal(s.score, 60);
});

test('a half rounds up and the nutrition component never goes below 0', () => {
  // 0.4·100 + 0.2·100 + 0.2·0 + 0.2·12.5 = 62.5 → 63
  const s = healthScore({ inRangePct: 100, adherencePct: 100, kcal24h: 5000, kcalGoal: 1800, stepsToday: 1000, stepsGoal: 8000 });
  assert.equal(s.components.nutrition, 0);
  assert.equal(s.score, 63);
});
