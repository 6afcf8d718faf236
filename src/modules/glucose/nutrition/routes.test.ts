/** Nutrition and activity routes (§4.6): meals with catalog items and impact, hydration and daily summaries vs goals, activities, steps, recommendations, access. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp } from '../../../../test/helpers/app.js';
import { cgmSeries, link, minutesAgo, startGlucoseApp } from '../testing.js';
import { recomputeChanged } from './impact.js';
import { StreamClient } from '../../../platform/realtime/testing/stream-client.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

const G = '/api/v1/glucose';

test('meals: catalog items fill macros, calories computed, absorption presets, time limits; impact computed from the readings around the meal', async () => {
  const p = await t.createUser(['patient']);
  const foods = await t.api('GET', '/api/v1/glucose/food-items?q=oat', { token: p.token });
  assert.equal(foods.status, 200);
  const oats = foods.body.items[0];
  assert.equal(oats.name, 'Rolled oats');
  const fromItems = await t.api('POST', `${G}/patients/me/meals`, { token: p.token, body: { items: [{ foodItemId: oats.id, portions: 2 }], absorption: 'slow', mealType: 'breakfast' } });
  assert.equal(fromItems.status, 201, JSON.stringify(fromItems.body));
  assert.deepEqual([fromItems.body.carbsG, fromItems.body.proteinG, fromItems.body.fatG, fromItems.body.caloriesKcal, fromItems.body.absorptionMinutes], [54, 10, 6, 300, 240]);
  const computed = await t.api('POST', `${G}/patients/me/meals`, { token: p.token, body: { carbsG: 45, proteinG: 20, fatG: 10, takenAt: minutesAgo(60) } });
  assert.equal(computed.body.caloriesKcal, 350);
  assert.equal(computed.body.absorptionMinutes, 180, 'patient default');
  assert.equal((await t.api('POST', `${G}/patients/me/meals`, { token: p.token, body: { proteinG: 5 } })).body.code, 'carbs_required');
  assert.equal((await t.api('POST', `${G}/patients/me/meals`, { token: p.token, body: { carbsG: 10, takenAt: new Date(Date.now() + 20 * 60_000).toISOString() } })).body.code, 'taken_at_in_future');
  assert.equal((await t.api('POST', `${G}/patients/me/meals`, { token: p.token, body: { carbsG: 501 } })).status, 400);
  assert.equal((await t.api('POST', `${G}/patients/me/meals`, { token: p.token, body: { carbsG: 10, items: [{ foodItemId: '00000000-0000-7000-8000-000000000000', portions: 1 }] } })).body.code, 'unknown_food_item');

  // Worked example shifted to 3 hours ago: baseline 112, peak 186 after 55 min, 150 at +2 h.
  const t0 = Math.floor((Date.now() - 4 * 3_600_000) / 60_000) * 60_000;
  const pts = [[0, 110], [15, 112], [30, 114], [50, 140], [70, 170], [85, 186], [110, 172], [130, 160], [150, 150]];
  await t.api('POST', `${G}/patients/me/readings/bulk`, { token: p.token, body: { source: 'cgm', readings: pts.map(([m, v]) => ({ measuredAt: new Date(t0 + m * 60_000).toISOString(), value: v })) } });
  const meal = await t.api('POST', `${G}/patients/me/meals`, { token: p.token, body: { carbsG: 60, takenAt: new Date(t0 + 30 * 60_000).toISOString() } });
  const job = await sql<{ start_after: Date }>`select start_after from pgboss.job where name = 'glucose.meals.impact' and data->>'mealId' = ${meal.body.id}`.execute(t.db.db);
  assert.equal(job.rows.length, 1, 'impact job queued');
  // The test drives the computation itself: the queued job, due now, would race it from the background worker.
  await sql`delete from pgboss.job where name = 'glucose.meals.impact' and data->>'mealId' = ${meal.body.id}`.execute(t.db.db);
  assert.deepEqual(await recomputeChanged(t.db.db), { recomputed: 1 });
  const detail = await t.api('GET', `${G}/patients/me/meals/${meal.body.id}`, { token: p.token });
  assert.equal(detail.status, 200);
  assert.deepEqual([detail.body.impact.baseline, detail.body.impact.rise, detail.body.impact.timeToPeakMin, detail.body.impact.delta2h], [112, 74, 55, 38]);
  assert.equal(detail.body.readings.length, 9);
  assert.deepEqual(await recomputeChanged(t.db.db), {}, 'nothing changed since');
  await t.api('POST', `${G}/patients/me/readings/bulk`, { token: p.token, body: { source: 'cgm', readings: [{ measuredAt: new Date(t0 + 95 * 60_000).toISOString(), value: 200 }] } });
  await recomputeChanged(t.db.db);
  assert.equal((await t.api('GET', `${G}/patients/me/meals/${meal.body.id}`, { token: p.token })).body.impact.rise, 88, 'a late reading in the window recomputes');

  const patched = await t.api('PATCH', `${G}/patients/me/meals/${computed.body.id}`, { token: p.token, body: { carbsG: 50 } });
  assert.equal(patched.body.caloriesKcal, 370);
  assert.equal((await t.api('DELETE', `${G}/patients/me/meals/${computed.body.id}`, { token: p.token })).status, 204);
  assert.equal((await t.api('GET', `${G}/patients/me/meals/${computed.body.id}`, { token: p.token })).status, 404);
});

test('daily nutrition vs goals, hydration, 7-day averages; goals defaults and limits', async () => {
  const p = await t.createUser(['patient']);
  await t.db.db.insertInto('glucose.patient_settings').values({ patient_id: p.id, timezone: 'UTC' }).execute();
  const goals = await t.api('GET', `${G}/patients/me/goals`, { token: p.token });
  assert.deepEqual(goals.body, { caloriesKcal: 1800, carbsG: null, hydrationGlasses: 8, steps: 8000, activeMinutes: 30 });
  await t.api('POST', `${G}/patients/me/meals`, { token: p.token, body: { carbsG: 90, proteinG: 30, fatG: 20 } });
  await t.api('POST', `${G}/patients/me/hydration`, { token: p.token, body: { glasses: 2 } });
  await t.api('POST', `${G}/patients/me/hydration`, { token: p.token, body: { glasses: 4 } });
  assert.equal((await t.api('POST', `${G}/patients/me/hydration`, { token: p.token, body: { glasses: 11 } })).status, 400);
  let daily = await t.api('GET', `${G}/patients/me/nutrition/daily`, { token: p.token });
  let today = daily.body.days.at(-1);
  assert.equal(daily.body.days.length, 7);
  assert.deepEqual([today.caloriesKcal, today.carbsG, today.hydrationGlasses, today.mealsCount], [660, 90, 6, 1]);
  assert.deepEqual(today.progressPct, { calories: 36.7, carbs: null, hydration: 75 });
  assert.equal((await t.api('PUT', `${G}/patients/me/goals`, { token: p.token, body: { caloriesKcal: 2000, carbsG: 180, hydrationGlasses: 8, steps: 9000, activeMinutes: 40 } })).status, 200);
  assert.equal((await t.api('PUT', `${G}/patients/me/goals`, { token: p.token, body: { caloriesKcal: 500, hydrationGlasses: 8, steps: 9000, activeMinutes: 40 } })).status, 400);
  daily = await t.api('GET', `${G}/patients/me/nutrition/daily?range=7d`, { token: p.token });
  today = daily.body.days.at(-1);
  assert.deepEqual(today.progressPct, { calories: 33, carbs: 50, hydration: 75 });
  assert.equal(daily.body.average.carbsG, 12.9);
  assert.equal((await t.api('GET', `${G}/patients/me/nutrition/daily?from=2026-01-01&to=2026-06-01`, { token: p.token })).body.code, 'invalid_range');
});

test('activities: overlap 409, 12 h limit, calories from weight, steps max over sources, daily active minutes with glucose', async () => {
  const p = await t.createUser(['patient']);
  await t.db.db.insertInto('glucose.patient_settings').values({ patient_id: p.id, timezone: 'UTC', weight_kg: 70 }).execute();
  const now = Date.now();
  const start = new Date(Math.floor((now - 3 * 3_600_000) / 60_000) * 60_000);
  const end = new Date(start.getTime() + 3_600_000);
  await t.api('POST', `${G}/patients/me/readings/bulk`, { token: p.token, body: { source: 'cgm', readings: cgmSeries(14, (i) => 150 - i * 5, { endMs: end.getTime() + 5 * 60_000 }) } });
  const a = await t.api('POST', `${G}/patients/me/activities`, { token: p.token, body: { activityType: 'walking', startedAt: start.toISOString(), endedAt: end.toISOString() } });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  assert.deepEqual([a.body.caloriesKcal, a.body.intensity, a.body.durationMin], [350, 'moderate', 60]);
  const overlap = await t.api('POST', `${G}/patients/me/activities`, { token: p.token, body: { activityType: 'running', startedAt: new Date(start.getTime() + 1_800_000).toISOString(), endedAt: new Date(end.getTime() + 1_800_000).toISOString() } });
  assert.equal(overlap.status, 409);
  assert.equal(overlap.body.code, 'activity_overlap');
  assert.equal(overlap.body.conflictingActivityId, a.body.id);
  assert.equal((await t.api('POST', `${G}/patients/me/activities`, { token: p.token, body: { activityType: 'cycling', startedAt: minutesAgo(60 * 14), endedAt: minutesAgo(60) } })).body.code, 'activity_too_long');
  assert.equal((await t.api('POST', `${G}/patients/me/activities`, { token: p.token, body: { activityType: 'cycling', startedAt: minutesAgo(10), endedAt: minutesAgo(20) } })).body.code, 'invalid_times');
  const yoga = await t.api('POST', `${G}/patients/me/activities`, { token: p.token, body: { activityType: 'yoga', intensity: 'low', startedAt: minutesAgo(40), endedAt: minutesAgo(10) } });
  assert.equal(yoga.status, 201);
  const day = new Date().toISOString().slice(0, 10);
  await t.api('PUT', `${G}/patients/me/steps/${day}`, { token: p.token, body: { steps: 6000, source: 'phone' } });
  const watch = await t.api('PUT', `${G}/patients/me/steps/${day}`, { token: p.token, body: { steps: 7500, source: 'watch' } });
  assert.equal(watch.body.daySteps, 7500);
  assert.equal((await t.api('PUT', `${G}/patients/me/steps/2020-01-01`, { token: p.token, body: { steps: 10, source: 'watch' } })).body.code, 'invalid_date');
  const daily = await t.api('GET', `${G}/patients/me/activity/daily?from=${day}&to=${day}`, { token: p.token });
  assert.equal(daily.status, 200);
  const d = daily.body.days[0];
  const walking = d.sessions.find((s: { activityType: string }) => s.activityType === 'walking');
  if (start.toISOString().slice(0, 10) === day) {
    assert.equal(d.activeMinutes, 60, 'yoga (low) does not count');
    assert.deepEqual(walking.glucose, { atStart: 150, minDuring: 90, atEnd: 90 });
  }
  assert.equal(d.steps, 7500, 'max over sources, not the sum');
  assert.equal(d.progressPct.steps, 93.8);
  assert.equal((await t.api('DELETE', `${G}/patients/me/activities/${a.body.id}`, { token: p.token })).status, 204);
});

test('recommendations: disclaimer, glucose state from a fresh reading or required, pre-exercise table', async () => {
  const p = await t.createUser(['patient']);
  const none = await t.api('GET', `${G}/patients/me/recommendations/nutrition`, { token: p.token });
  assert.equal(none.status, 400);
  assert.equal(none.body.code, 'glucose_state_required');
  const low = await t.api('GET', `${G}/patients/me/recommendations/nutrition?glucoseState=low`, { token: p.token });
  assert.equal(low.body.disclaimer, 'Information only, not medical advice');
  assert.equal(low.body.code, 'treat_low');
  assert.ok(low.body.items.length > 0 && low.body.items.every((i: { fastActing: boolean; carbsG: number }) => i.fastActing && i.carbsG >= 10 && i.carbsG <= 20));
  await t.api('POST', `${G}/patients/me/readings/bulk`, { token: p.token, body: { source: 'cgm', readings: cgmSeries(3, () => 110, { endAgoMin: 2 }) } });
  const fresh = await t.api('GET', `${G}/patients/me/recommendations/nutrition?timeOfDay=lunch&activityPlanned=true`, { token: p.token });
  assert.deepEqual([fresh.body.glucoseState, fresh.body.code, fresh.body.value], ['in_range', 'pre_exercise_snack', 110]);
  const activity = await t.api('GET', `${G}/patients/me/recommendations/activity?timeAvailableMin=20`, { token: p.token });
  assert.deepEqual(activity.body.codes, ['snack_before_aerobic']);
  assert.ok(activity.body.activities.every((a: { minutes: number }) => a.minutes <= 20));
  assert.equal(activity.body.disclaimer, 'Information only, not medical advice');
});

test('access: caregiver logs, clinician reads and sets goals only, stranger 404 on every route, admin manages the food catalog', async () => {
  const patient = await t.createUser(['patient']);
  const caregiver = await t.createUser(['caregiver']);
  const clinician = await t.createUser(['clinician']);
  const stranger = await t.createUser(['clinician']);
  const other = await t.createUser(['patient']);
  const admin = await t.createUser(['admin']);
  await link(t, patient, caregiver);
  await link(t, patient, clinician);
  const base = `${G}/patients/${patient.id}`;
  const meal = (await t.api('POST', `${G}/patients/me/meals`, { token: patient.token, body: { carbsG: 30 } })).body;
  const otherMeal = (await t.api('POST', `${G}/patients/me/meals`, { token: other.token, body: { carbsG: 30 } })).body;
  const goals = { caloriesKcal: 2000, hydrationGlasses: 8, steps: 8000, activeMinutes: 30 };
  const day = new Date().toISOString().slice(0, 10);
  const cases: [string, string, unknown, number[]][] = [
    // caregiver, clinician, stranger, admin
    ['GET', `${base}/meals`, undefined, [200, 200, 404, 200]],
    ['POST', `${base}/meals`, { carbsG: 12 }, [201, 403, 404, 201]],
    ['GET', `${base}/meals/${meal.id}`, undefined, [200, 200, 404, 200]],
    ['PATCH', `${base}/meals/${meal.id}`, { notes: 'x' }, [200, 403, 404, 200]],
    ['POST', `${base}/hydration`, { glasses: 1 }, [201, 403, 404, 201]],
    ['GET', `${base}/nutrition/daily`, undefined, [200, 200, 404, 200]],
    ['GET', `${base}/goals`, undefined, [200, 200, 404, 200]],
    ['PUT', `${base}/goals`, goals, [403, 200, 404, 200]],
    ['GET', `${base}/activities`, undefined, [200, 200, 404, 200]],
    ['POST', `${base}/activities`, { activityType: 'walking', startedAt: minutesAgo(600), endedAt: minutesAgo(590) }, [201, 403, 404, 409]],
    ['PUT', `${base}/steps/${day}`, { steps: 100, source: 'phone' }, [200, 403, 404, 200]],
    ['GET', `${base}/activity/daily`, undefined, [200, 200, 404, 200]],
    ['GET', `${base}/recommendations/nutrition?glucoseState=high`, undefined, [200, 200, 404, 200]],
    ['GET', `${base}/recommendations/activity?glucoseMgdl=150`, undefined, [200, 200, 404, 200]],
  ];
  for (const [method, url, body, expected] of cases) {
    const got = [];
    for (const user of [caregiver, clinician, stranger, admin]) got.push((await t.api(method, url, { token: user.token, body })).status);
    assert.deepEqual(got, expected, `${method} ${url}`);
  }
  assert.equal((await t.api('GET', `${G}/patients/me/meals/${otherMeal.id}`, { token: patient.token })).status, 404, 'another patient\'s meal');
  assert.equal((await t.api('DELETE', `${G}/patients/me/meals/${otherMeal.id}`, { token: patient.token })).status, 404);
  const item = { name: 'Test bar', category: 'snacks', portionLabel: '1 bar', carbsG: 20, proteinG: 3, fatG: 4, caloriesKcal: 130, giCategory: 'medium', fastActing: false };
  assert.equal((await t.api('POST', `${G}/food-items`, { token: patient.token, body: item })).status, 403);
  const created = await t.api('POST', `${G}/food-items`, { token: admin.token, body: item });
  assert.equal(created.status, 201);
  assert.equal((await t.api('POST', `${G}/food-items`, { token: admin.token, body: item })).status, 409);
  assert.equal((await t.api('PUT', `${G}/food-items/${created.body.id}`, { token: admin.token, body: { ...item, carbsG: 22 } })).body.carbsG, 22);
  assert.equal((await t.api('DELETE', `${G}/food-items/${created.body.id}`, { token: admin.token })).status, 204);
});

test('chart markers: meals, insulin, medication intakes and activities appear with include=markers', async () => {
  const p = await t.createUser(['patient']);
  await t.api('POST', `${G}/patients/me/readings/bulk`, { token: p.token, body: { source: 'cgm', readings: cgmSeries(12, () => 120, { endAgoMin: 1 }) } });
  await t.api('POST', `${G}/patients/me/meals`, { token: p.token, body: { carbsG: 40, name: 'Pasta', takenAt: minutesAgo(30) } });
  await t.api('POST', `${G}/patients/me/insulin-doses`, { token: p.token, body: { units: 4, insulinKind: 'rapid', purpose: 'meal', administeredAt: minutesAgo(35) } });
  await t.api('POST', `${G}/patients/me/activities`, { token: p.token, body: { activityType: 'walking', startedAt: minutesAgo(25), endedAt: minutesAgo(5) } });
  const res = await t.api('GET', `${G}/patients/me/readings?include=markers`, { token: p.token });
  assert.equal(res.status, 200);
  const kinds = res.body.markers.map((m: { kind: string }) => m.kind);
  assert.deepEqual(kinds, ['insulin', 'meal', 'activity']);
  assert.equal(res.body.markers[1].label, 'Pasta · 40 g');
});

test('glucose.logs topic: log.created and log.deleted reach followers; a stranger cannot subscribe', async () => {
  const p = await t.createUser(['patient']);
  const caregiver = await t.createUser(['caregiver']);
  const stranger = await t.createUser(['caregiver']);
  await link(t, p, caregiver);
  const stream = await StreamClient.open(t.url, { token: caregiver.token });
  const other = await StreamClient.open(t.url, { token: stranger.token });
  try {
    assert.equal((await stream.subscribe(`glucose.logs:${p.id}`)).type, 'subscribed');
    assert.notEqual((await other.subscribe(`glucose.logs:${p.id}`)).type, 'subscribed');
    const meal = await t.api('POST', `${G}/patients/me/meals`, { token: p.token, body: { carbsG: 33 } });
    const created = await stream.next((f) => f.type === 'event' && f.event === 'log.created');
    assert.deepEqual([created.data.kind, created.data.id, created.data.summary], ['meal', meal.body.id, '33 g carbs']);
    await t.api('DELETE', `${G}/patients/me/meals/${meal.body.id}`, { token: p.token });
    const deleted = await stream.next((f) => f.type === 'event' && f.event === 'log.deleted');
    assert.equal(deleted.data.id, meal.body.id);
  } finally {
    stream.close();
    other.close();
  }
});

test('meals, insulin and activities page newest first with a cursor', async () => {
  const p = await t.createUser(['patient']);
  for (let i = 0; i < 5; i += 1) await t.api('POST', `${G}/patients/me/meals`, { token: p.token, body: { carbsG: 10 + i, takenAt: minutesAgo(60 - i * 10) } });
  const first = await t.api('GET', `${G}/patients/me/meals?limit=2`, { token: p.token });
  assert.deepEqual(first.body.items.map((m: { carbsG: number }) => m.carbsG), [14, 13]);
  const second = await t.api('GET', `${G}/patients/me/meals?limit=2&cursor=${first.body.nextCursor}`, { token: p.token });
  assert.deepEqual(second.body.items.map((m: { carbsG: number }) => m.carbsG), [12, 11]);
  const third = await t.api('GET', `${G}/patients/me/meals?limit=2&cursor=${second.body.nextCursor}`, { token: p.token });
  assert.deepEqual([third.body.items.length, third.body.nextCursor], [1, null]);
  assert.equal((await t.api('GET', `${G}/patients/me/meals?cursor=bogus`, { token: p.token })).body.code, 'invalid_cursor');
  assert.equal((await t.api('GET', `${G}/patients/me/insulin-doses?limit=1`, { token: p.token })).body.nextCursor, null);
  assert.equal((await t.api('GET', `${G}/patients/me/activities?limit=1`, { token: p.token })).body.nextCursor, null);
});
