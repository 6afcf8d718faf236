import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { cgmSeries, link, startGlucoseApp } from '../testing.js';

let t: TestApp;
let patient: TestUser;
let other: TestUser;
let caregiver: TestUser;
let clinician: TestUser;
before(async () => {
  t = await startGlucoseApp();
  [patient, other, caregiver, clinician] = await Promise.all([t.createUser(['patient']), t.createUser(['patient']), t.createUser(['caregiver']), t.createUser(['clinician'])]);
  await link(t, patient, caregiver);
});
after(async () => { await t.close(); });

const put = (user: TestUser, layout: unknown[], version?: string) => t.api('PUT', '/api/v1/glucose/me/dashboard/layout', {
  token: user.token, body: { layout }, headers: version === undefined ? {} : { 'if-match': version },
});

test('the widget catalog is filtered by role', async () => {
  const forPatient = await t.api('GET', '/api/v1/glucose/widgets', { token: patient.token });
  const forClinician = await t.api('GET', '/api/v1/glucose/widgets', { token: clinician.token });
  const ids = (r: typeof forPatient) => r.body.items.map((w: { widgetId: string }) => w.widgetId);
  assert.ok(ids(forPatient).includes('next_medication'));
  assert.ok(!ids(forPatient).includes('patients_overview'));
  assert.ok(ids(forClinician).includes('patients_overview'));
  assert.ok(!ids(forClinician).includes('health_score'));
  const live = forPatient.body.items.find((w: { widgetId: string }) => w.widgetId === 'glucose_live');
  assert.deepEqual({ hideable: live.hideable, allowedSizes: live.allowedSizes }, { hideable: false, allowedSizes: ['normal', 'expanded'] });
});

test('layout: the role default at version 0, saved with If-Match, a stale version is 409, a missing If-Match 428', async () => {
  const first = await t.api('GET', '/api/v1/glucose/me/dashboard/layout', { token: patient.token });
  assert.equal(first.status, 200);
  assert.equal(first.body.version, 0);
  assert.equal(first.body.isDefault, true);
  assert.equal(first.headers.get('etag'), '"0"');
  const layout = [{ widgetId: 'glucose_live', column: 0, row: 0, size: 'normal', pinned: true }, { widgetId: 'health_score', column: 2, row: 0, size: 'compact', pinned: false }];
  const saved = await put(patient, layout, '"0"');
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.equal(saved.body.version, 1);
  assert.deepEqual(saved.body.layout, layout);
  const stale = await put(patient, layout, '"0"');
  assert.equal(stale.status, 409);
  assert.equal(stale.body.code, 'layout_version_conflict');
  assert.equal((await put(patient, layout)).status, 428);
  const again = await t.api('GET', '/api/v1/glucose/me/dashboard/layout', { token: patient.token });
  assert.deepEqual({ version: again.body.version, isDefault: again.body.isDefault, layout: again.body.layout }, { version: 1, isDefault: false, layout });
  const audit = await t.db.db.selectFrom('platform.audit_events').select('action').where('actor_id', '=', patient.id).where('action', '=', 'glucose.dashboard_layout.updated').execute();
  assert.equal(audit.length, 1);
});

test('layout refusals come back as problem+json with the documented status and code', async () => {
  const unknown = await put(clinician, [{ widgetId: 'glucose_live', column: 0, row: 0, size: 'normal', pinned: false }, { widgetId: 'nope', column: 2, row: 0, size: 'normal', pinned: false }], '"0"');
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.code, 'unknown_widget');
  assert.equal(unknown.body.errors[0].path, 'layout[1].widgetId');
  const role = await put(clinician, [{ widgetId: 'glucose_live', column: 0, row: 0, size: 'normal', pinned: false }, { widgetId: 'next_medication', column: 2, row: 0, size: 'normal', pinned: false }], '"0"');
  assert.equal(role.status, 422);
  assert.equal(role.body.code, 'widget_not_available_for_role');
  const overlap = await put(clinician, [{ widgetId: 'glucose_live', column: 0, row: 0, size: 'normal', pinned: false }, { widgetId: 'alerts', column: 1, row: 0, size: 'normal', pinned: false }], '"0"');
  assert.equal(overlap.status, 422);
  assert.deepEqual(overlap.body.details, ['glucose_live', 'alerts']);
  const missing = await put(clinician, [{ widgetId: 'alerts', column: 0, row: 0, size: 'normal', pinned: false }], '"0"');
  assert.equal(missing.body.code, 'required_widget_missing');
});

test('summary: live glucose, 24 h nutrition, today\'s activity and the health score', async () => {
  await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: patient.token, body: { source: 'cgm', readings: cgmSeries(10, (i) => [150, 155, 160, 165, 170, 175, 178, 180, 185, 190][i], { endAgoMin: 2 }) } });
  await sql`insert into glucose.goals (patient_id, calories_kcal, steps) values (${patient.id}, 1800, 8000)`.execute(t.db.db);
  await sql`insert into glucose.meals (patient_id, taken_at, meal_type, name, carbs_g, calories_kcal, absorption_minutes) values (${patient.id}, now() - interval '1 hour', 'lunch', 'Pasta', 60, 1500, 180)`.execute(t.db.db);
  await sql`insert into glucose.daily_steps (patient_id, local_date, source, steps) select ${patient.id}, (now() at time zone time_zone)::date, 'phone', 4000 from platform.users where id = ${patient.id}`.execute(t.db.db);
  const res = await t.api('GET', '/api/v1/glucose/patients/me/dashboard/summary', { token: patient.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.glucose.reading.value, 190);
  assert.deepEqual(res.body.nutrition.caloriesKcal, { consumed: 1500, goal: 1800 });
  assert.equal(res.body.nutrition.lastMeal.name, 'Pasta');
  assert.deepEqual(res.body.activity.steps, { value: 4000, goal: 8000 });
  // G = 80 % of 10 readings in range, A = 100 (no dose due), N = 83.33, P = 50 → 79 (the worked example of §4.4)
  assert.equal(res.body.healthScore.score, 79);
  assert.equal(res.body.healthScore.components.glycemia, 80);
  const some = await t.api('GET', '/api/v1/glucose/patients/me/dashboard/summary?include=activity', { token: patient.token });
  assert.equal(some.body.nutrition, null);
  assert.notEqual(some.body.activity, null);
  const bad = await t.api('GET', '/api/v1/glucose/patients/me/dashboard/summary?include=weather', { token: patient.token });
  assert.equal(bad.status, 400);
});

test('summary access: a linked caregiver reads it; another patient and an unlinked clinician get 404', async () => {
  assert.equal((await t.api('GET', `/api/v1/glucose/patients/${patient.id}/dashboard/summary`, { token: caregiver.token })).status, 200);
  for (const user of [other, clinician]) {
    const res = await t.api('GET', `/api/v1/glucose/patients/${patient.id}/dashboard/summary`, { token: user.token });
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'patient_not_found');
  }
  const audit = await t.db.db.selectFrom('platform.audit_events').select('action').where('actor_id', '=', caregiver.id).where('action', '=', 'glucose.dashboard.read').execute();
  assert.equal(audit.length, 1);
});
