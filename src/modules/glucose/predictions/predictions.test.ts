/**
 * Forecasts through the API (§4.10): stored at ingest (AR2 alone, physio once insulin acts), `current`, the list,
 * the evaluation job against later readings, accuracy per model and horizon, feedback, and access per role.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { cgmSeries, contextOf, link, startGlucoseApp } from '../testing.js';
import { servicesOf } from '../routes.js';
import { forecastOnIngest } from './store.js';
import { evaluatePredictions } from './evaluate.js';
import { accuracy } from './accuracy.js';

let t: TestApp;
let caregiver: TestUser;
let clinician: TestUser;
let stranger: TestUser;
before(async () => {
  t = await startGlucoseApp();
  [caregiver, clinician, stranger] = await Promise.all([t.createUser(['caregiver']), t.createUser(['clinician']), t.createUser(['clinician'])]);
});
after(async () => { await t.close(); });

const path = (p: string, rest = '') => `/api/v1/glucose/patients/${p}/predictions${rest}`;
async function patientWithTeam() {
  const patient = await t.createUser(['patient']);
  await link(t, patient, caregiver);
  await link(t, patient, clinician);
  return patient;
}
const upload = (patient: TestUser, readings: { measuredAt: string; value: number }[]) =>
  t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: patient.token, body: { source: 'cgm', readings } });

test('a live CGM reading stores an AR2 forecast: current answers it with probabilities; no data answers insufficient_data', async () => {
  const patient = await patientWithTeam();
  const empty = await t.api('GET', path('me', '/current'), { token: patient.token });
  assert.equal(empty.status, 200);
  assert.equal(empty.body.primaryModel, null);
  assert.equal(empty.body.fallbackReason, 'insufficient_data');

  const up = await upload(patient, cgmSeries(2, (i) => [90, 80][i], { endAgoMin: 1 }));
  assert.equal(up.status, 200);
  const cur = await t.api('GET', path('me', '/current'), { token: patient.token });
  assert.equal(cur.body.primaryModel, 'ar2', 'no therapy settings: AR2 only');
  assert.deepEqual(cur.body.models.ar2.map((p: { value: number }) => p.value), [74, 70, 68, 66, 66, 66, 66, 66, 67, 68, 69, 70]);
  assert.equal(cur.body.models.physio, null);
  assert.deepEqual(cur.body.horizons.map((h: { value: number }) => h.value), [66, 70]);
  assert.equal(cur.body.trajectory.length, 12);
  assert.ok(cur.body.horizons[0].probabilityHypo > 0.5, 'a forecast of 66 is likely below 70');
  assert.equal(cur.body.recommendations[0].type, 'carbs');
  assert.equal(cur.body.fallback, false);
  const reading = await t.api('GET', '/api/v1/glucose/patients/me/readings/current', { token: patient.token });
  assert.deepEqual(reading.body.forecast, {
    predictionId: cur.body.predictionId, primaryModel: 'ar2', value30: 66, value60: 70,
    probabilityHypo30: cur.body.horizons[0].probabilityHypo, probabilityHyper30: cur.body.horizons[0].probabilityHyper,
  }, 'readings/current carries the same forecast');
});

test('with ISF/CR and insulin on board the physiological model is primary, with IOB', async () => {
  const patient = await patientWithTeam();
  await t.db.db.insertInto('glucose.patient_settings').values({
    patient_id: patient.id, timezone: 'UTC', isf_schedule: JSON.stringify([{ start: '00:00', value: 50 }]), carb_ratio_schedule: JSON.stringify([{ start: '00:00', value: 10 }]),
  }).execute();
  const series = cgmSeries(3, () => 150, { endAgoMin: 1 });
  const at = series[2].measuredAt;
  await t.db.db.insertInto('glucose.insulin_doses').values({ patient_id: patient.id, administered_at: at, units: 2, insulin_kind: 'rapid', purpose: 'correction', source: 'manual' } as never).execute();
  await upload(patient, series);
  const cur = await t.api('GET', path(patient.id, '/current'), { token: clinician.token });
  assert.equal(cur.status, 200);
  assert.equal(cur.body.primaryModel, 'physio');
  assert.equal(cur.body.iob.units, 2);
  assert.deepEqual(cur.body.horizons.map((h: { value: number }) => h.value), [142, 126], 'spec vector 142.497 and 126.401, rounded');
});

test('evaluation fills actual values at 30/60 min and the accuracy endpoint returns RMSE, MARD and Clarke zones', async () => {
  const patient = await patientWithTeam();
  const now = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const values = (i: number) => 100 + 30 * Math.sin(i / 6);
  const series = cgmSeries(40, values, { endMs: now });
  assert.equal((await upload(patient, series)).status, 200);
  const svc = servicesOf(contextOf(t));
  // the forecasts the ingest would have made for the first 10 readings had they arrived live
  const ids = (await t.db.db.selectFrom('glucose.readings' as never).select(['id', 'measured_at', 'value_mgdl', 'trend_rate'] as never)
    .where('patient_id' as never, '=', patient.id as never).orderBy('measured_at' as never).execute()) as unknown as { id: string; measured_at: Date; value_mgdl: string; trend_rate: string | null }[];
  for (const r of ids.slice(2, 12)) {
    await t.db.db.transaction().execute((tx) => forecastOnIngest(svc, tx, patient.id, {
      id: r.id, measuredAtMs: new Date(r.measured_at).getTime(), value: Number(r.value_mgdl), source: 'cgm', flags: [], trendRate: r.trend_rate === null ? null : Number(r.trend_rate),
    }));
  }
  const result = await evaluatePredictions(t.db.db);
  assert.ok(result.evaluated >= 10);
  const rows = await t.db.db.selectFrom('glucose.predictions').selectAll().where('patient_id', '=', patient.id).where('evaluated_at', 'is not', null).orderBy('base_time').execute();
  assert.equal(rows.length, 10);
  const valueAt = (ms: number) => series.find((s) => Date.parse(s.measuredAt) === ms)!.value;
  const predicted30: number[] = [];
  const actual30: number[] = [];
  for (const row of rows) {
    const baseMs = new Date(row.base_time).getTime();
    assert.equal(Number(row.actual_30), Math.round(valueAt(baseMs + 30 * 60_000) * 10) / 10);
    assert.equal(Number(row.actual_60), Math.round(valueAt(baseMs + 60 * 60_000) * 10) / 10);
    predicted30.push((row.ar2 as { points: { minutesAhead: number; value: number }[] }).points[5].value);
    actual30.push(Number(row.actual_30));
  }
  assert.equal((await evaluatePredictions(t.db.db)).evaluated, 0, 'nothing is counted twice');
  const acc = await t.api('GET', path(patient.id, '/accuracy?model=ar2&horizon=30'), { token: caregiver.token });
  assert.equal(acc.status, 200);
  const expected = accuracy(predicted30, actual30);
  assert.equal(acc.body.items.length, 1);
  assert.equal(acc.body.items[0].n, 10);
  assert.ok(Math.abs(acc.body.items[0].rmse - expected.rmse!) < 1e-9);
  assert.ok(Math.abs(acc.body.items[0].mardPct - expected.mardPct!) < 1e-9);
  assert.equal(acc.body.items[0].clarke.aPct + acc.body.items[0].clarke.bPct + acc.body.items[0].clarke.cPct + acc.body.items[0].clarke.dPct + acc.body.items[0].clarke.ePct, 100);

  const list = await t.api('GET', path('me', `?from=${new Date(now - 4 * 3_600_000).toISOString()}&limit=4`), { token: patient.token });
  assert.equal(list.body.items.length, 4);
  const page2 = await t.api('GET', path('me', `?from=${new Date(now - 4 * 3_600_000).toISOString()}&limit=4&cursor=${list.body.nextCursor}`), { token: patient.token });
  assert.ok(page2.body.items.length >= 4);
  assert.ok(Date.parse(page2.body.items[0].baseTime) < Date.parse(list.body.items[3].baseTime));
  const evaluated = list.body.items.concat(page2.body.items).find((p: { actual30: number | null }) => p.actual30 !== null);
  assert.ok(evaluated, 'evaluated forecasts carry their actual values');

  // feedback: one per user, a second call replaces; counted in accuracy
  const id = evaluated.predictionId;
  assert.equal((await t.api('POST', path('me', `/${id}/feedback`), { token: patient.token, body: { outcome: 'too_high', userAction: 'none' } })).status, 204);
  assert.equal((await t.api('POST', path('me', `/${id}/feedback`), { token: patient.token, body: { outcome: 'accurate', userAction: 'took_carbs', notes: 'ok' } })).status, 204);
  assert.equal((await t.api('POST', path(patient.id, `/${id}/feedback`), { token: caregiver.token, body: { outcome: 'missed_event', userAction: 'none' } })).status, 204);
  assert.equal((await t.api('POST', path(patient.id, `/${id}/feedback`), { token: clinician.token, body: { outcome: 'accurate', userAction: 'none' } })).status, 403);
  assert.equal((await t.api('POST', path('me', `/${id}/feedback`), { token: patient.token, body: { outcome: 'great', userAction: 'none' } })).status, 400);
  const again = await t.api('GET', path('me', '/accuracy'), { token: patient.token });
  assert.deepEqual(again.body.feedback, { accurate: 1, too_high: 0, too_low: 0, missed_event: 1, false_alarm: 0 });
  assert.deepEqual(again.body.items.map((i: { model: string; horizon: number }) => `${i.model}/${i.horizon}`), ['ar2/30', 'ar2/60']);
});

test('access: another patient, an unlinked clinician and another patient\'s prediction id answer 404', async () => {
  const patient = await patientWithTeam();
  await upload(patient, cgmSeries(2, () => 120, { endAgoMin: 1 }));
  const cur = await t.api('GET', path('me', '/current'), { token: patient.token });
  const other = await t.createUser(['patient']);
  for (const [method, p, body] of [
    ['GET', path(patient.id, '/current'), undefined], ['GET', path(patient.id), undefined], ['GET', path(patient.id, '/accuracy'), undefined],
    ['POST', path(patient.id, `/${cur.body.predictionId}/feedback`), { outcome: 'accurate', userAction: 'none' }],
  ] as const) {
    for (const user of [stranger, other]) {
      const res = await t.api(method, p, { token: user.token, body });
      assert.equal(res.status, 404, `${method} ${p}`);
      assert.equal(res.body.code, 'patient_not_found');
    }
  }
  const foreign = await t.api('POST', path('me', `/${cur.body.predictionId}/feedback`), { token: other.token, body: { outcome: 'accurate', userAction: 'none' } });
  assert.equal(foreign.status, 404);
  assert.equal(foreign.body.code, 'prediction_not_found');
  for (const user of [caregiver, clinician]) assert.equal((await t.api('GET', path(patient.id, '/current'), { token: user.token })).body.predictionId, cur.body.predictionId);
});
