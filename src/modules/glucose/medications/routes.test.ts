/** Medication and insulin routes (§4.5): plans and generated doses, intake/undo with stock and insulin, reschedule, adherence, stock notices, jobs, access. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { contextOf, link, startGlucoseApp } from '../testing.js';
import { servicesOf } from '../routes.js';
import { checkStock, markMissed, sendReminders, generateAll } from './jobs.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

const G = '/api/v1/glucose';
const today = () => new Date().toISOString().slice(0, 10);
const twiceDaily = { name: 'Metformin', kind: 'oral', doseAmount: 1, doseUnit: 'tablet', schedule: { type: 'fixed_times', times: ['08:00', '20:00'] }, startDate: today() };

async function plan(user: TestUser, body: Record<string, unknown>, patient = 'me') {
  const res = await t.api('POST', `${G}/patients/${patient}/medication-plans`, { token: user.token, body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
/** Moves the plan's first future dose to `minutesAgo` before now and answers its id. */
async function doseAt(planId: string, minutesAgo: number) {
  const d = await t.db.db.selectFrom('glucose.medication_doses').select('id').where('plan_id', '=', planId).where('status', '=', 'scheduled').orderBy('scheduled_at').executeTakeFirstOrThrow();
  await sql`update glucose.medication_doses set scheduled_at = now() - make_interval(mins => ${minutesAgo}), original_scheduled_at = now() - make_interval(mins => ${minutesAgo}) where id = ${d.id}`.execute(t.db.db);
  return d.id;
}

test('a plan generates doses 30 days ahead; an edit regenerates future ones; deactivating cancels them; a clinician\'s change tells the patient', async () => {
  const patient = await t.createUser(['patient']);
  const clinician = await t.createUser(['clinician']);
  await link(t, patient, clinician);
  const p = await plan(patient, twiceDaily);
  const doses = await t.db.db.selectFrom('glucose.medication_doses').select(['scheduled_at']).where('plan_id', '=', p.id).execute();
  assert.ok(doses.length >= 60 && doses.length <= 62, `about 31 days × 2, got ${doses.length}`);
  const list = await t.api('GET', `${G}/patients/me/medication-doses`, { token: patient.token });
  assert.equal(list.status, 200);
  assert.ok(list.body.items.length >= 1 && list.body.items.length <= 3, 'default window now → +24 h');
  assert.ok(list.body.items.every((d: { countdownSeconds: number; overdueLevel: string }) => d.countdownSeconds >= 0 && d.overdueLevel === 'none'));

  const edited = await t.api('PATCH', `${G}/patients/${patient.id}/medication-plans/${p.id}`, { token: clinician.token, body: { schedule: { type: 'fixed_times', times: ['09:00'] } } });
  assert.equal(edited.status, 200);
  const after = await t.db.db.selectFrom('glucose.medication_doses').select(['scheduled_at', 'status']).where('plan_id', '=', p.id).execute();
  assert.equal(new Set(after.map((d) => new Date(d.scheduled_at).toISOString().slice(11, 16))).size, 1, 'one time of day remains (09:00 local)');
  assert.ok(after.length >= 30 && after.length <= 31);
  const notice = await t.db.db.selectFrom('platform.notification_outbox').select(['template', 'dedup_key']).where('user_id', '=', patient.id).where('template', '=', 'glucose.settings_changed').execute();
  assert.equal(notice.length, 1);
  assert.match(notice[0].dedup_key!, new RegExp(`^glucose.settings-changed:${patient.id}:medications:`));

  const off = await t.api('PATCH', `${G}/patients/me/medication-plans/${p.id}`, { token: patient.token, body: { active: false } });
  assert.equal(off.body.active, false);
  const statuses = await t.db.db.selectFrom('glucose.medication_doses').select('status').distinct().where('plan_id', '=', p.id).execute();
  assert.deepEqual(statuses.map((s) => s.status), ['cancelled']);

  const bad = await t.api('POST', `${G}/patients/me/medication-plans`, { token: patient.token, body: { ...twiceDaily, schedule: { type: 'fixed_times', times: ['08:00', '08:00'] } } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'invalid_schedule');
  const badTime = await t.api('POST', `${G}/patients/me/medication-plans`, { token: patient.token, body: { ...twiceDaily, schedule: { type: 'fixed_times', times: ['25:00'] } } });
  assert.equal(badTime.status, 400);
  const unknown = await t.api('POST', `${G}/patients/me/medication-plans`, { token: patient.token, body: { ...twiceDaily, colour: 'red' } });
  assert.equal(unknown.status, 400);
});

test('intake: taken decrements stock and makes an insulin dose; second intake 409; out of window needs a reason; undo restores both', async () => {
  const patient = await t.createUser(['patient']);
  const p = await plan(patient, { name: 'Lantus', kind: 'insulin_long', doseAmount: 20, doseUnit: 'units', schedule: { type: 'fixed_times', times: ['22:00'] }, startDate: today(), stockTracking: true, initialStock: 300 });
  const doseId = await doseAt(p.id, 30);
  const url = `${G}/patients/me/medication-doses/${doseId}/intake`;
  const taken = await t.api('POST', url, { token: patient.token, body: { status: 'taken' } });
  assert.equal(taken.status, 200, JSON.stringify(taken.body));
  assert.equal(taken.body.status, 'taken');
  assert.equal(taken.body.outOfWindow, false);
  const stock = await t.api('GET', `${G}/patients/me/medications/stock`, { token: patient.token });
  assert.equal(stock.body.items[0].unitsRemaining, 280);
  const insulin = await t.api('GET', `${G}/patients/me/insulin-doses`, { token: patient.token });
  assert.equal(insulin.body.items.length, 1);
  assert.deepEqual([insulin.body.items[0].units, insulin.body.items[0].insulinKind, insulin.body.items[0].source, insulin.body.items[0].inInsulinOnBoard], [20, 'long', 'medication', false]);

  const again = await t.api('POST', url, { token: patient.token, body: { status: 'skipped' } });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'dose_already_recorded');

  const undo = await t.api('DELETE', url, { token: patient.token });
  assert.equal(undo.status, 200);
  assert.equal(undo.body.status, 'scheduled');
  assert.equal((await t.api('GET', `${G}/patients/me/medications/stock`, { token: patient.token })).body.items[0].unitsRemaining, 300);
  assert.equal((await t.api('GET', `${G}/patients/me/insulin-doses`, { token: patient.token })).body.items.length, 0);

  const late = await t.api('POST', url, { token: patient.token, body: { status: 'taken', takenAt: new Date(Date.now() + 3 * 60_000).toISOString() } });
  assert.equal(late.status, 200, 'within ±2 h of a dose scheduled 30 min ago');
  await t.api('DELETE', url, { token: patient.token });
  const far = await t.db.db.selectFrom('glucose.medication_doses').select('id').where('plan_id', '=', p.id).where('status', '=', 'scheduled').where('id', '<>', doseId).orderBy('scheduled_at').executeTakeFirstOrThrow();
  await sql`update glucose.medication_doses set scheduled_at = now() - interval '3 hours', original_scheduled_at = now() - interval '3 hours' where id = ${far.id}`.execute(t.db.db);
  const noReason = await t.api('POST', `${G}/patients/me/medication-doses/${far.id}/intake`, { token: patient.token, body: { status: 'taken' } });
  assert.equal(noReason.status, 400);
  assert.equal(noReason.body.code, 'delay_reason_required');
  assert.equal(noReason.body.errors[0].path, 'body.delayReason');
  const withReason = await t.api('POST', `${G}/patients/me/medication-doses/${far.id}/intake`, { token: patient.token, body: { status: 'taken', delayReason: 'forgot' } });
  assert.equal(withReason.body.outOfWindow, true);
});

test('a stock at 0 stays at 0 with a correction; missed doses, reminders and as-needed intakes', async () => {
  const patient = await t.createUser(['patient']);
  const p = await plan(patient, { ...twiceDaily, doseAmount: 2, stockTracking: true, initialStock: 1 });
  const doseId = await doseAt(p.id, 10);
  await t.api('POST', `${G}/patients/me/medication-doses/${doseId}/intake`, { token: patient.token, body: { status: 'taken' } });
  const stock = await t.db.db.selectFrom('glucose.medication_stock').selectAll().where('plan_id', '=', p.id).executeTakeFirstOrThrow();
  assert.equal(Number(stock.units_remaining), 0);
  assert.equal(stock.status, 'critical');
  const moves = await t.db.db.selectFrom('glucose.stock_movements').select(['reason', 'delta']).where('stock_id', '=', stock.id).orderBy('created_at').execute();
  assert.deepEqual(moves.map((m) => [m.reason, Number(m.delta)]), [['refill', 1], ['intake', -2], ['correction', 1]]);
  await t.api('DELETE', `${G}/patients/me/medication-doses/${doseId}/intake`, { token: patient.token });
  assert.equal(Number((await t.db.db.selectFrom('glucose.medication_stock').select('units_remaining').where('id', '=', stock.id).executeTakeFirstOrThrow()).units_remaining), 1, 'undo gives back what was taken');

  const svc = servicesOf(contextOf(t));
  const reminderDose = await doseAt(p.id, 1);
  await sendReminders(svc);
  await sendReminders(svc);
  const first = await t.db.db.selectFrom('platform.notification_outbox').select(['channel']).where('dedup_key', '=', `glucose.dose:${reminderDose}:1`).execute();
  assert.deepEqual(first.map((r) => r.channel).sort(), ['inapp', 'push']);
  await sql`update glucose.medication_doses set scheduled_at = now() - interval '31 minutes' where id = ${reminderDose}`.execute(t.db.db);
  await sendReminders(svc);
  assert.equal((await t.db.db.selectFrom('platform.notification_outbox').select('id').where('dedup_key', '=', `glucose.dose:${reminderDose}:2`).execute()).length, 2);

  const stale = await doseAt(p.id, 121);
  await markMissed(svc);
  assert.equal((await t.db.db.selectFrom('glucose.medication_doses').select('status').where('id', '=', stale).executeTakeFirstOrThrow()).status, 'missed');
  const lateRecord = await t.api('POST', `${G}/patients/me/medication-doses/${stale}/intake`, { token: patient.token, body: { status: 'skipped', skipReason: 'nausea' } });
  assert.equal(lateRecord.status, 200, 'a missed dose can still be recorded within 24 h');
  await sql`update glucose.medication_doses set status = 'missed', recorded_at = null, scheduled_at = now() - interval '25 hours' where id = ${stale}`.execute(t.db.db);
  const tooLate = await t.api('POST', `${G}/patients/me/medication-doses/${stale}/intake`, { token: patient.token, body: { status: 'skipped' } });
  assert.equal(tooLate.status, 422);
  assert.equal(tooLate.body.code, 'dose_record_too_late');

  const prn = await plan(patient, { name: 'Paracetamol', kind: 'oral', doseAmount: 500, doseUnit: 'mg', schedule: { type: 'as_needed' }, startDate: today() });
  const intake = await t.api('POST', `${G}/patients/me/medication-plans/${prn.id}/intakes`, { token: patient.token, body: { amount: 1000 } });
  assert.equal(intake.status, 201);
  assert.equal(intake.body.amount, 1000);
  assert.equal(intake.body.asNeeded, true);
  const notPrn = await t.api('POST', `${G}/patients/me/medication-plans/${p.id}/intakes`, { token: patient.token, body: {} });
  assert.equal(notPrn.status, 422);
  await generateAll(svc);
  assert.equal((await generateAll(svc)).created, 0, 'the daily extension is idempotent');
});

test('reschedule: 15/30/60 only, at most twice, not past the next dose', async () => {
  const patient = await t.createUser(['patient']);
  const p = await plan(patient, { ...twiceDaily, schedule: { type: 'interval', firstDoseAt: new Date(Date.now() + 3_600_000).toISOString(), intervalHours: 2 } });
  const [first] = await t.db.db.selectFrom('glucose.medication_doses').select(['id', 'scheduled_at']).where('plan_id', '=', p.id).orderBy('scheduled_at').limit(1).execute();
  const url = `${G}/patients/me/medication-doses/${first.id}/reschedule`;
  assert.equal((await t.api('POST', url, { token: patient.token, body: { delayMinutes: 45 } })).body.code, 'invalid_delay');
  const once = await t.api('POST', url, { token: patient.token, body: { delayMinutes: 60 } });
  assert.equal(once.status, 200);
  assert.equal(Date.parse(once.body.scheduledAt) - new Date(first.scheduled_at).getTime(), 3_600_000);
  assert.equal(once.body.originalScheduledAt, new Date(first.scheduled_at).toISOString());
  const overlap = await t.api('POST', url, { token: patient.token, body: { delayMinutes: 60 } });
  assert.equal(overlap.status, 422);
  assert.equal(overlap.body.code, 'reschedule_overlaps_next_dose');
  assert.equal((await t.api('POST', url, { token: patient.token, body: { delayMinutes: 30 } })).status, 200);
  const third = await t.api('POST', url, { token: patient.token, body: { delayMinutes: 15 } });
  assert.equal(third.status, 422);
  assert.equal(third.body.code, 'reschedule_limit_reached');
});

test('adherence over 24 h and 7 days: 85.7 % and 50.0 %, per plan too', async () => {
  const patient = await t.createUser(['patient']);
  const p = await plan(patient, { ...twiceDaily, schedule: { type: 'as_needed' } });
  await sql`update glucose.medication_plans set schedule = '{"type":"fixed_times","times":["08:00","20:00"]}' where id = ${p.id}`.execute(t.db.db);
  const now = Date.now();
  const rows = [];
  for (let i = 0; i < 14; i += 1) {
    const at = new Date(now - (2.5 + i * 12) * 3_600_000);
    rows.push({ plan_id: p.id, patient_id: patient.id, scheduled_at: at, original_scheduled_at: at, status: (i === 0 || i === 5 ? 'missed' : 'taken') as 'missed' | 'taken', taken_at: i === 0 || i === 5 ? null : at });
  }
  await t.db.db.insertInto('glucose.medication_doses').values(rows).execute();
  const res = await t.api('GET', `${G}/patients/me/medications/adherence`, { token: patient.token });
  assert.equal(res.status, 200);
  assert.equal(res.body.adherence7dPct, 85.7);
  assert.equal(res.body.adherence24hPct, 50.0);
  assert.equal(res.body.perPlan[0].adherence7dPct, 85.7);
});

test('stock notices: warning to the patient (in-app, push), critical also to caregivers (with email), once a day; a refill returns to ok', async () => {
  const patient = await t.createUser(['patient']);
  const caregiver = await t.createUser(['caregiver']);
  await link(t, patient, caregiver);
  const p = await plan(patient, { ...twiceDaily, stockTracking: true, initialStock: 45 });
  const stocks = await t.api('GET', `${G}/patients/me/medications/stock`, { token: patient.token });
  const s = stocks.body.items[0];
  assert.equal(s.status, 'ok');
  assert.ok(s.daysOfSupply >= 22 && s.daysOfSupply <= 23, `about 22.5 days, got ${s.daysOfSupply}`);
  const adjust = (body: Record<string, unknown>, user = patient) => t.api('POST', `${G}/patients/${patient.id}/medications/stock/${s.id}/adjustments`, { token: user.token, body });
  const warn = await adjust({ setTo: 19, reason: 'correction' });
  assert.equal(warn.body.status, 'warning');
  const warnings = await t.db.db.selectFrom('platform.notification_outbox').select(['user_id', 'channel', 'dedup_key']).where('template', '=', 'glucose.stock_low').execute();
  assert.deepEqual(warnings.filter((w) => w.dedup_key!.startsWith(`glucose.stock:${s.id}:warning:`)).map((w) => [w.user_id, w.channel]).sort(), [[patient.id, 'inapp'], [patient.id, 'push']]);
  const crit = await adjust({ delta: -5, reason: 'loss' }, caregiver);
  assert.equal(crit.body.status, 'critical');
  await adjust({ delta: -1, reason: 'loss' });
  const critical = (await t.db.db.selectFrom('platform.notification_outbox').select(['user_id', 'channel', 'dedup_key']).where('template', '=', 'glucose.stock_low').execute())
    .filter((w) => w.dedup_key!.startsWith(`glucose.stock:${s.id}:critical:`));
  assert.deepEqual(new Set(critical.map((c) => c.user_id)), new Set([patient.id, caregiver.id]));
  assert.ok(critical.some((c) => c.channel === 'email'));
  assert.equal(critical.length, 6, 'no second notice the same day');
  await checkStock(servicesOf(contextOf(t)));
  const ok = await adjust({ delta: 40, reason: 'refill' });
  assert.equal(ok.body.status, 'ok');
  assert.equal((await adjust({ delta: -3, reason: 'refill' })).status, 400);
  assert.equal((await adjust({ delta: 1, setTo: 3, reason: 'correction' })).body.code, 'invalid_adjustment');
});

test('insulin doses: 0.05 steps, time limits, possible duplicates excluded from IOB, idempotent retry, delete', async () => {
  const patient = await t.createUser(['patient']);
  const url = `${G}/patients/me/insulin-doses`;
  assert.equal((await t.api('POST', url, { token: patient.token, body: { units: 1.03, insulinKind: 'rapid', purpose: 'meal' } })).body.code, 'invalid_units');
  assert.equal((await t.api('POST', url, { token: patient.token, body: { units: 2, insulinKind: 'rapid', purpose: 'meal', administeredAt: new Date(Date.now() + 600_000).toISOString() } })).body.code, 'administered_at_in_future');
  assert.equal((await t.api('POST', url, { token: patient.token, body: { units: 200, insulinKind: 'rapid', purpose: 'meal' } })).status, 400);
  const headers = { 'idempotency-key': 'insulin-retry-1' };
  const a = await t.api('POST', url, { token: patient.token, body: { units: 4.5, insulinKind: 'rapid', purpose: 'meal' }, headers });
  const b = await t.api('POST', url, { token: patient.token, body: { units: 4.5, insulinKind: 'rapid', purpose: 'meal' }, headers });
  assert.equal(a.status, 201);
  assert.equal(b.body.id, a.body.id, 'a retried POST answers the original');
  assert.equal(a.body.inInsulinOnBoard, true);
  await t.db.db.insertInto('glucose.insulin_doses').values({ patient_id: patient.id, administered_at: new Date(Date.now() - 60_000), units: 3, insulin_kind: 'rapid', source: 'nightscout' }).execute();
  const dup = await t.api('POST', url, { token: patient.token, body: { units: 3, insulinKind: 'rapid', purpose: 'correction' } });
  assert.deepEqual(dup.body.flags, ['possible_duplicate']);
  assert.equal(dup.body.inInsulinOnBoard, false);
  assert.equal((await t.api('DELETE', `${url}/${a.body.id}`, { token: patient.token })).status, 204);
  assert.equal((await t.api('DELETE', `${url}/${a.body.id}`, { token: patient.token })).status, 404);
});

test('access per route and role: caregiver logs but cannot edit plans, clinician edits plans but cannot log, strangers get 404', async () => {
  const patient = await t.createUser(['patient']);
  const other = await t.createUser(['patient']);
  const caregiver = await t.createUser(['caregiver']);
  const clinician = await t.createUser(['clinician']);
  const stranger = await t.createUser(['caregiver']);
  const admin = await t.createUser(['admin']);
  await link(t, patient, caregiver);
  await link(t, patient, clinician);
  const p = await plan(patient, { ...twiceDaily, stockTracking: true, initialStock: 10 });
  const otherPlan = await plan(other, twiceDaily);
  const doseId = await doseAt(p.id, 5);
  const otherDose = await doseAt(otherPlan.id, 5);
  const stockId = (await t.db.db.selectFrom('glucose.medication_stock').select('id').where('plan_id', '=', p.id).executeTakeFirstOrThrow()).id;
  const base = `${G}/patients/${patient.id}`;
  const routes: [string, string, unknown][] = [
    ['GET', `${base}/medication-plans`, undefined],
    ['POST', `${base}/medication-plans`, twiceDaily],
    ['PATCH', `${base}/medication-plans/${p.id}`, { instructions: 'with food' }],
    ['GET', `${base}/medication-doses`, undefined],
    ['POST', `${base}/medication-doses/${doseId}/reschedule`, { delayMinutes: 15 }],
    ['GET', `${base}/medications/adherence`, undefined],
    ['GET', `${base}/medications/stock`, undefined],
    ['POST', `${base}/medications/stock/${stockId}/adjustments`, { delta: 1, reason: 'refill' }],
    ['GET', `${base}/insulin-doses`, undefined],
    ['POST', `${base}/insulin-doses`, { units: 1, insulinKind: 'rapid', purpose: 'correction' }],
  ];
  const expected: Record<string, number[]> = {
    // caregiver, clinician, stranger, admin
    [`GET ${base}/medication-plans`]: [200, 200, 404, 200],
    [`POST ${base}/medication-plans`]: [403, 201, 404, 201],
    [`PATCH ${base}/medication-plans/${p.id}`]: [403, 200, 404, 200],
    [`GET ${base}/medication-doses`]: [200, 200, 404, 200],
    [`POST ${base}/medication-doses/${doseId}/reschedule`]: [200, 403, 404, 200],
    [`GET ${base}/medications/adherence`]: [200, 200, 404, 200],
    [`GET ${base}/medications/stock`]: [200, 200, 404, 200],
    [`POST ${base}/medications/stock/${stockId}/adjustments`]: [200, 403, 404, 200],
    [`GET ${base}/insulin-doses`]: [200, 200, 404, 200],
    [`POST ${base}/insulin-doses`]: [201, 403, 404, 201],
  };
  for (const [method, url, body] of routes) {
    const got = [];
    for (const user of [caregiver, clinician, stranger, admin]) got.push((await t.api(method, url, { token: user.token, body })).status);
    assert.deepEqual(got, expected[`${method} ${url}`], `${method} ${url}`);
  }
  const cross = await t.api('POST', `${G}/patients/me/medication-doses/${otherDose}/intake`, { token: patient.token, body: { status: 'taken' } });
  assert.equal(cross.status, 404, 'another patient\'s dose through my own path');
  assert.equal((await t.api('GET', `${G}/patients/me/medication-plans/${otherPlan.id}`, { token: patient.token })).status, 404);
  assert.equal((await t.api('GET', `${G}/patients/${other.id}/medication-plans`, { token: patient.token })).body.code, 'patient_not_found');
  const byCaregiver = await t.api('POST', `${base}/medication-doses/${doseId}/intake`, { token: caregiver.token, body: { status: 'taken' } });
  assert.equal(byCaregiver.status, 200);
  assert.equal(byCaregiver.body.recordedBy, caregiver.id);
  assert.equal((await t.api('DELETE', `${base}/medication-plans/${p.id}`, { token: caregiver.token })).status, 403);
  assert.equal((await t.api('DELETE', `${base}/medication-plans/${p.id}`, { token: clinician.token })).status, 204);
  const audit = await t.db.db.selectFrom('platform.audit_events').select('action').where('action', 'like', 'glucose.medication%').execute();
  assert.ok(audit.some((a) => a.action === 'glucose.medication_dose.recorded') && audit.some((a) => a.action === 'glucose.medications.read'));
});

test('dashboard summary: the medication block gives the next dose, adherence and low stock; adherence feeds the health score', async () => {
  const patient = await t.createUser(['patient']);
  const p = await plan(patient, { ...twiceDaily, stockTracking: true, initialStock: 3 });
  const missed = await doseAt(p.id, 300);
  await sql`update glucose.medication_doses set status = 'missed' where id = ${missed}`.execute(t.db.db);
  const due = await doseAt(p.id, 10);
  const res = await t.api('GET', `${G}/patients/me/dashboard/summary?include=medication`, { token: patient.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.medication.nextDose.doseId, due);
  assert.equal(res.body.medication.nextDose.isDelayed, false);
  assert.ok(res.body.medication.nextDose.countdownSeconds < 0);
  assert.equal(res.body.medication.adherence7dPct, 0);
  assert.deepEqual(res.body.medication.lowStock.map((s: { status: string }) => s.status), ['critical']);
  assert.equal(res.body.healthScore.components.adherence, 0);
  await t.api('POST', `${G}/patients/me/meals`, { token: patient.token, body: { carbsG: 40 } });
  const admin = await t.createUser(['admin']);
  const all = await t.api('GET', `${G}/patients/${patient.id}/dashboard/summary?include=medication,nutrition,activity`, { token: admin.token });
  assert.equal(all.status, 200, JSON.stringify(all.body));
  assert.equal(all.body.nutrition.carbsG.consumed, 40);
});
