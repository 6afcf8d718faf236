/** Nightscout treatments → insulin doses, meals and activities (§4.2.5), as AndroidAPS, Loop and xDrip+ send them; treat_hypo logs a meal (§4.3.5). */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { minutesAgo, nightscoutUploader, startGlucoseApp, cgmSeries } from '../testing.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

const insulin = async (p: TestUser) => (await sql<{ units: number; insulin_kind: string; purpose: string; source: string; flags: string[]; administered_at: Date; notes: string | null }>`
  select units::float8 as units, insulin_kind, purpose, source, flags, administered_at, notes from glucose.insulin_doses where patient_id = ${p.id} and deleted_at is null order by administered_at`.execute(t.db.db)).rows;
const meals = async (p: TestUser) => (await sql<{ carbs: number; meal_type: string; absorption_minutes: number; taken_at: Date; source: string; protein: number | null; name: string | null }>`
  select carbs_g::float8 as carbs, meal_type, absorption_minutes, taken_at, source, protein_g::float8 as protein, name from glucose.meals where patient_id = ${p.id} and deleted_at is null order by taken_at`.execute(t.db.db)).rows;

test('AndroidAPS (v3): Meal Bolus with carbs → insulin dose (meal, bolus kind) and meal; SMB correction; Exercise → activity; dedup and delete', async () => {
  const p = await t.createUser(['patient']);
  await t.db.db.insertInto('glucose.patient_settings').values({ patient_id: p.id, bolus_insulin_kind: 'ultra_rapid', carb_absorption_minutes: 200 }).execute();
  const token = (await t.api('POST', '/api/v1/glucose/patients/me/upload-credentials/access-token', { token: p.token, body: {} })).body.accessToken;
  const jwt = (await t.api('GET', `/api/v2/authorization/request/${token}`)).body.token;
  const v3 = (method: string, path: string, body?: unknown) => t.api(method, path, { body, headers: { authorization: `Bearer ${jwt}`, 'user-agent': 'AAPS/3.2.0.4 okhttp/4.12.0' } });
  const at = Date.parse(minutesAgo(40));
  const mealBolus = { eventType: 'Meal Bolus', insulin: 4.2, carbs: 45, date: at, created_at: new Date(at).toISOString(), app: 'AAPS', utcOffset: 60, type: 'NORMAL', isSMB: false, pumpId: 101, pumpType: 'OMNIPOD_DASH', pumpSerial: 'X1', isValid: true, notes: 'pasta' };
  const created = await v3('POST', '/api/v3/treatments', mealBolus);
  assert.equal(created.status, 201);
  assert.equal((await v3('POST', '/api/v3/treatments', mealBolus)).body.isDeduplication, true);
  const smb = { eventType: 'Correction Bolus', insulin: 0.35, date: at + 300_000, created_at: new Date(at + 300_000).toISOString(), app: 'AAPS', type: 'SMB', isSMB: true, isValid: true };
  await v3('POST', '/api/v3/treatments', smb);
  const exercise = { eventType: 'Exercise', duration: 45, date: at - 3_600_000, created_at: new Date(at - 3_600_000).toISOString(), app: 'AAPS', isValid: true };
  await v3('POST', '/api/v3/treatments', exercise);

  const doses = await insulin(p);
  assert.deepEqual(doses.map((d) => [d.units, d.insulin_kind, d.purpose, d.source]), [[4.2, 'ultra_rapid', 'meal', 'nightscout'], [0.35, 'ultra_rapid', 'correction', 'nightscout']]);
  assert.equal(doses[0].notes, 'pasta');
  const m = await meals(p);
  assert.deepEqual(m.map((x) => [x.carbs, x.absorption_minutes, x.source]), [[45, 200, 'nightscout']], 'patient default absorption');
  const activity = await t.db.db.selectFrom('glucose.activity_sessions').selectAll().where('patient_id', '=', p.id).execute();
  assert.equal(activity.length, 1);
  assert.equal((activity[0].ended_at.getTime() - activity[0].started_at.getTime()) / 60_000, 45);
  assert.equal(activity[0].intensity, 'moderate');
  const row = await t.db.db.selectFrom('glucose.ns_treatments').select(['id', 'derived']).where('patient_id', '=', p.id).where('event_type', '=', 'Meal Bolus').executeTakeFirstOrThrow();
  assert.equal(row.derived.insulin_doses.length, 1);
  assert.equal(row.derived.meals.length, 1);

  // AAPS corrects the carbs of the same treatment (same identifier): the meal follows, it is not duplicated.
  const patched = await v3('PATCH', `/api/v3/treatments/${created.body.identifier}`, { carbs: 50 });
  assert.equal(patched.status, 200);
  assert.deepEqual((await meals(p)).map((x) => x.carbs), [50]);
  assert.equal((await insulin(p)).length, 2);

  assert.equal((await v3('DELETE', `/api/v3/treatments/${created.body.identifier}`)).status, 200);
  assert.deepEqual((await meals(p)), []);
  assert.deepEqual((await insulin(p)).map((d) => d.units), [0.35]);
  const api = await t.api('GET', '/api/v1/glucose/patients/me/insulin-doses', { token: p.token });
  assert.equal(api.body.items.length, 1);
});

test('Loop: Carb Correction with absorptionTime and foodType; hypo_treatment when the reading before is low; a manual dose of equal units within 2 min is a possible duplicate', async () => {
  const p = await t.createUser(['patient']);
  const ns = await nightscoutUploader(t, p, 'Loop/3.4.1');
  await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: p.token, body: { source: 'cgm', readings: cgmSeries(3, () => 62, { endAgoMin: 21 }) } });
  const lowCarbs = { eventType: 'Carb Correction', carbs: 16, absorptionTime: 120, foodType: '🍬', created_at: minutesAgo(20), enteredBy: 'loop://iPhone', syncIdentifier: 'loop-carb-1' };
  const meal = { eventType: 'Carb Correction', carbs: 60, absorptionTime: 240, foodType: '🍕', created_at: minutesAgo(5), enteredBy: 'loop://iPhone' };
  const bolus = { eventType: 'Correction Bolus', insulin: 2.5, programmed: 2.5, duration: 0, type: 'normal', automatic: false, created_at: minutesAgo(10), enteredBy: 'loop://iPhone', syncIdentifier: 'loop-bolus-1' };
  const res = await ns.call('POST', '/api/v1/treatments', [lowCarbs, meal, bolus]);
  assert.equal(res.status, 200);
  const m = await meals(p);
  assert.deepEqual(m.map((x) => [x.carbs, x.meal_type, x.absorption_minutes]), [[16, 'hypo_treatment', 120], [60, 'snack', 240]]);
  assert.equal(m[1].name, '🍕');
  const doses = await insulin(p);
  assert.deepEqual(doses.map((d) => [d.units, d.purpose, d.flags]), [[2.5, 'correction', []]]);

  await t.db.db.deleteFrom('glucose.insulin_doses').where('patient_id', '=', p.id).execute();
  const manual = await t.api('POST', '/api/v1/glucose/patients/me/insulin-doses', { token: p.token, body: { units: 2.5, insulinKind: 'rapid', purpose: 'correction', administeredAt: minutesAgo(11) } });
  assert.equal(manual.status, 201);
  await ns.call('POST', '/api/v1/treatments', { ...bolus, notes: 'resent after manual entry' });
  const after = await insulin(p);
  assert.deepEqual(after.map((d) => [d.source, d.flags]), [['manual', []], ['nightscout', ['possible_duplicate']]]);
});

test('xDrip+: Bolus Wizard with insulin and carbs, preBolus shifts the meal; Snack Bolus is a snack; without client id the (created_at, eventType) upsert updates records', async () => {
  const p = await t.createUser(['patient']);
  const ns = await nightscoutUploader(t, p, 'xDrip+ 2024.01');
  const created = minutesAgo(30);
  const wizard = { eventType: 'Bolus Wizard', insulin: 6, carbs: 60, protein: 20, preBolus: 15, created_at: created, enteredBy: 'xdrip', uuid: 'c3f1e0a2-8f5b-4c7e-9d6a-1b2c3d4e5f60' };
  await ns.call('POST', '/api/v1/treatments', wizard);
  const m = await meals(p);
  assert.equal(m.length, 1);
  assert.equal(m[0].taken_at.getTime() - Date.parse(created), 15 * 60_000, 'meal time = created_at + preBolus');
  assert.equal(m[0].protein, 20);
  assert.deepEqual((await insulin(p)).map((d) => [d.units, d.purpose]), [[6, 'meal']]);
  const snack = { eventType: 'Snack Bolus', insulin: 1, carbs: 12, created_at: minutesAgo(3), enteredBy: 'xdrip' };
  await ns.call('POST', '/api/v1/treatments', snack);
  await ns.call('POST', '/api/v1/treatments', { ...snack, carbs: 15, insulin: 1.5 });
  const all = await meals(p);
  assert.deepEqual(all.map((x) => [x.carbs, x.meal_type]), [[60, all[0].meal_type], [15, 'snack']]);
  assert.deepEqual((await insulin(p)).map((d) => d.units), [6, 1.5]);
  const weird = await ns.call('POST', '/api/v1/treatments', { eventType: 'Meal Bolus', insulin: 'abc', carbs: -3, created_at: minutesAgo(2) });
  assert.equal(weird.status, 200, 'stored raw, nothing derived');
  assert.equal((await meals(p)).length, 2);
});

test('treat_hypo logs a hypo_treatment meal (fast carbs, 120 min, quick_action) unless logCarbs is false', async () => {
  const p = await t.createUser(['patient']);
  const res = await t.api('POST', '/api/v1/glucose/patients/me/quick-actions', { token: p.token, body: { action: 'treat_hypo', carbsG: 20 } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const m = await meals(p);
  assert.deepEqual(m.map((x) => [x.carbs, x.meal_type, x.absorption_minutes, x.source]), [[20, 'hypo_treatment', 120, 'quick_action']]);
  const action = await t.db.db.selectFrom('glucose.alert_actions').select('payload').where('id', '=', res.body.actionId).executeTakeFirstOrThrow();
  assert.ok((action.payload as { mealId?: string }).mealId);
  await t.api('POST', '/api/v1/glucose/patients/me/quick-actions', { token: p.token, body: { action: 'treat_hypo', logCarbs: false } });
  assert.equal((await meals(p)).length, 1);
});
