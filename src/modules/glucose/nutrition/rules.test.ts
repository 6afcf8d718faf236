/** Pure rules of §4.6: meal impact worked example, calories, activity calories, recommendation tables at their boundaries. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mealImpact } from './impact.js';
import { caloriesOf, mealTypeAt } from './meals.js';
import { activityCalories, sessionGlucose } from './activity.js';
import { activityAdvice, nutritionAdvice, timeOfDayAt } from './recommendations.js';
import { bolusPurpose } from './derivers.js';

const at = (hhmm: string) => Date.parse(`2026-03-20T${hhmm}:00Z`);

test('meal impact worked example: baseline 112, rise +74, time to peak 55 min, delta2h +38', () => {
  const readings = [
    { atMs: at('12:00'), value: 110 }, { atMs: at('12:15'), value: 112 }, { atMs: at('12:30'), value: 114 },
    { atMs: at('12:50'), value: 140 }, { atMs: at('13:10'), value: 170 }, { atMs: at('13:25'), value: 186 }, { atMs: at('13:50'), value: 172 },
    { atMs: at('14:10'), value: 160 }, { atMs: at('14:30'), value: 150 },
  ];
  assert.deepEqual(mealImpact(readings, at('12:30')), {
    status: 'computed', baseline: 112, peak: 186, peakAt: '2026-03-20T13:25:00.000Z', timeToPeakMin: 55, rise: 74, delta2h: 38, readings: 6,
  });
});

test('meal impact: no baseline, fewer than 3 post readings, baseline from the last reading of the 2 h before, delta2h null', () => {
  assert.deepEqual(mealImpact([{ atMs: at('12:40'), value: 150 }], at('12:30')), { status: 'insufficient_data', reason: 'no_baseline', readings: 1 });
  assert.deepEqual(mealImpact([{ atMs: at('12:00'), value: 100 }, { atMs: at('12:40'), value: 150 }, { atMs: at('13:00'), value: 160 }], at('12:30')),
    { status: 'insufficient_data', reason: 'too_few_post_readings', readings: 2 });
  const r = mealImpact([{ atMs: at('11:00'), value: 100 }, { atMs: at('11:50'), value: 104 }, { atMs: at('12:45'), value: 130 }, { atMs: at('13:00'), value: 150 }, { atMs: at('13:30'), value: 140 }], at('12:30'));
  assert.equal(r.status, 'computed');
  if (r.status === 'computed') { assert.equal(r.baseline, 104); assert.equal(r.rise, 46); assert.equal(r.delta2h, null); }
});

test('calories: 4·carbs + 4·protein + 9·fat; activity MET × kg × h (60 min moderate, 70 kg → 350 kcal)', () => {
  assert.equal(caloriesOf(45, 20, 10), 350);
  assert.equal(caloriesOf(30, null, null), 120);
  assert.equal(activityCalories('moderate', 70, 60), 350);
  assert.equal(activityCalories('vigorous', 70, 30), 280);
  assert.equal(activityCalories('low', null, 60), null);
});

test('meal type by local time and time of day for recommendations', () => {
  assert.equal(mealTypeAt('Europe/Paris', Date.parse('2026-01-10T03:00:00Z')), 'breakfast', '04:00 local');
  assert.equal(mealTypeAt('Europe/Paris', Date.parse('2026-01-10T09:59:00Z')), 'breakfast', '10:59 local');
  assert.equal(mealTypeAt('Europe/Paris', Date.parse('2026-01-10T10:00:00Z')), 'lunch');
  assert.equal(mealTypeAt('Europe/Paris', Date.parse('2026-01-10T15:00:00Z')), 'dinner');
  assert.equal(mealTypeAt('Europe/Paris', Date.parse('2026-01-10T21:00:00Z')), 'snack', '22:00 local');
  assert.deepEqual([4, 5, 10, 11, 14, 15, 18, 21, 22].map(timeOfDayAt), ['snack', 'breakfast', 'breakfast', 'lunch', 'lunch', 'snack', 'dinner', 'dinner', 'snack']);
  assert.deepEqual(['Meal Bolus', 'Snack Bolus', 'Combo Bolus', 'Bolus Wizard', 'Correction Bolus', 'Temp Basal'].map(bolusPurpose), ['meal', 'meal', 'meal', 'meal', 'correction', 'other']);
});

test('activity recommendations at the table boundaries (G = 89, 90, 125, 126, 180, 181, 270, 271) and the post-meal walk', () => {
  const codes = [89, 90, 125, 126, 180, 181, 270, 271].map((g) => activityAdvice(g, null).codes[0]);
  assert.deepEqual(codes, ['delay_and_eat', 'snack_before_aerobic', 'snack_before_aerobic', 'ready', 'ready', 'ready_monitor', 'ready_monitor', 'check_ketones']);
  assert.deepEqual(activityAdvice(200, 45).codes, ['ready_monitor', 'post_meal_walk']);
  assert.deepEqual(activityAdvice(180, 45).codes, ['ready'], '180 is not > 180');
  assert.deepEqual(activityAdvice(200, 20).codes, ['ready_monitor'], 'too soon after the meal');
  assert.deepEqual(activityAdvice(200, 121).codes, ['ready_monitor']);
});

test('nutrition recommendations: treat_low 15/20 g, pre-exercise snack below 126, balanced meal, light snack, lower carb with ketones', () => {
  assert.deepEqual([nutritionAdvice('low', 60, 'lunch', false, 't1').code, nutritionAdvice('low', 60, 'lunch', false, 't1').carbsG], ['treat_low', 15]);
  assert.equal(nutritionAdvice('low', 54, 'lunch', false, 't1').carbsG, 15);
  assert.equal(nutritionAdvice('low', 53, 'lunch', false, 't1').carbsG, 20);
  assert.equal(nutritionAdvice('low', 53, 'lunch', false, 't1').mealSuggestion, false);
  assert.equal(nutritionAdvice('in_range', 125, 'lunch', true, 't1').code, 'pre_exercise_snack');
  assert.equal(nutritionAdvice('in_range', 126, 'lunch', true, 't1').code, 'balanced_meal');
  assert.equal(nutritionAdvice('in_range', 126, 'snack', true, 't1').code, 'light_snack');
  assert.ok(nutritionAdvice('high', 251, 'dinner', false, 't1').messages.includes('Check for ketones.'));
  assert.ok(!nutritionAdvice('high', 250, 'dinner', false, 't1').messages.includes('Check for ketones.'));
  assert.ok(!nutritionAdvice('high', 300, 'dinner', false, 't2').messages.includes('Check for ketones.'));
});

test('session glucose: nearest readings within ±10 min at start and end, minimum during', () => {
  const readings = [{ atMs: at('09:52'), value: 140 }, { atMs: at('10:20'), value: 110 }, { atMs: at('10:40'), value: 95 }, { atMs: at('11:15'), value: 100 }];
  assert.deepEqual(sessionGlucose(readings, at('10:00'), at('11:00')), { atStart: 140, minDuring: 95, atEnd: null });
});
