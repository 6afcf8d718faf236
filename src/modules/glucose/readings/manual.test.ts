import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { link, minutesAgo, startGlucoseApp } from '../testing.js';
import { zoneOffsetMinutes } from '../patients/zone.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

const enter = (user: TestUser, body: Record<string, unknown>, patient = 'me', headers: Record<string, string> = {}) =>
  t.api('POST', `/api/v1/glucose/patients/${patient}/readings`, { token: user.token, body, headers });

test('20 and 600 mg/dL are accepted, 19.9 and 600.1 refused with 400 value_out_of_range', async () => {
  const p = await t.createUser(['patient']);
  const low = await enter(p, { value: 20, measuredAt: minutesAgo(300), confirmOutlier: true });
  assert.equal(low.status, 201, JSON.stringify(low.body));
  assert.equal(low.body.value, 20);
  assert.equal(low.body.unit, 'mg/dL');
  assert.equal(low.body.source, 'manual');
  assert.equal(low.body.enteredBy, p.id);
  assert.deepEqual(low.body.raisedAlertIds, []);
  assert.deepEqual(low.body.flags, ['outlier_confirmed']);
  assert.equal((await enter(p, { value: 600, measuredAt: minutesAgo(200), confirmOutlier: true })).status, 201);
  for (const value of [19.9, 600.1]) {
    const res = await enter(p, { value, measuredAt: minutesAgo(100) });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'value_out_of_range');
    assert.equal(res.body.errors[0].path, 'body.value');
    assert.equal(res.body.min, 20);
    assert.equal(res.body.max, 600);
  }
  assert.equal((await enter(p, { value: 110.55, measuredAt: minutesAgo(100) })).body.code, 'value_out_of_range', 'two decimals');
});

test('mmol/L: 1.1 is refused (19.8 mg/dL), 33.3 is stored as 600.0, 3.9 as 70.3', async () => {
  const p = await t.createUser(['patient']);
  assert.equal((await enter(p, { value: 1.1, unit: 'mmol/L' })).body.code, 'value_out_of_range');
  const high = await enter(p, { value: 33.3, unit: 'mmol/L', measuredAt: minutesAgo(120), confirmOutlier: true });
  assert.equal(high.status, 201);
  assert.equal(high.body.value, 600);
  const normal = await enter(p, { value: 3.9, unit: 'mmol/L', measuredAt: minutesAgo(600) });
  assert.equal(normal.body.value, 70.3);
});

test('measuredAt more than 5 minutes ahead or more than 30 days back is refused with 400', async () => {
  const p = await t.createUser(['patient']);
  const future = await enter(p, { value: 100, measuredAt: new Date(Date.now() + 6 * 60_000).toISOString() });
  assert.equal(future.status, 400);
  assert.equal(future.body.code, 'measured_at_in_future');
  assert.equal((await enter(p, { value: 100, measuredAt: new Date(Date.now() + 4 * 60_000).toISOString() })).status, 201);
  const old = await enter(p, { value: 100, measuredAt: new Date(Date.now() - 31 * 86_400_000).toISOString() });
  assert.equal(old.body.code, 'measured_at_too_old');
  const unknownContext = await enter(p, { value: 100, context: 'lunch' });
  assert.equal(unknownContext.status, 400);
  const unknownField = await enter(p, { value: 100, mood: 'good' });
  assert.equal(unknownField.status, 400);
  assert.equal(unknownField.body.errors[0].message, 'is not an allowed field');
});

test('15:00 apart is accepted, 14:59 refused with 422 manual_entry_too_soon naming the other reading, in both directions', async () => {
  const p = await t.createUser(['patient']);
  const base = Date.now() - 3 * 3_600_000;
  const at = (seconds: number) => new Date(Math.floor(base / 1000) * 1000 + seconds * 1000).toISOString();
  const first = await enter(p, { value: 100, measuredAt: at(0) });
  assert.equal(first.status, 201);
  const after = await enter(p, { value: 101, measuredAt: at(14 * 60 + 59) });
  assert.equal(after.status, 422);
  assert.equal(after.body.code, 'manual_entry_too_soon');
  assert.equal(after.body.conflictingReadingId, first.body.id);
  const before = await enter(p, { value: 101, measuredAt: at(-(14 * 60 + 59)) });
  assert.equal(before.body.code, 'manual_entry_too_soon');
  assert.equal((await enter(p, { value: 102, measuredAt: at(15 * 60) })).status, 201);
  assert.equal((await enter(p, { value: 102, measuredAt: at(-15 * 60) })).status, 201);
});

test('the 21st manual reading of a local day is refused with 422 manual_entry_daily_limit', async () => {
  const p = await t.createUser(['patient']);
  await t.api('PATCH', '/api/v1/glucose/patients/me/settings', { token: p.token, body: { timezone: 'America/New_York' } });
  // Two days ago from 01:00 New York time, every 20 minutes: 20 readings end at 07:20 the same local day.
  const ny = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' });
  const day = ny.format(new Date(Date.now() - 2 * 86_400_000));
  const noonUtc = Date.parse(`${day}T12:00:00Z`);
  const localStart = Date.parse(`${day}T01:00:00Z`) - zoneOffsetMinutes('America/New_York', noonUtc) * 60_000;
  for (let i = 0; i < 20; i++) {
    const res = await enter(p, { value: 100 + (i % 3), measuredAt: new Date(localStart + i * 20 * 60_000).toISOString() });
    assert.equal(res.status, 201, `reading ${i + 1}: ${JSON.stringify(res.body)}`);
  }
  const refused = await enter(p, { value: 100, measuredAt: new Date(localStart + 20 * 20 * 60_000).toISOString() });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.code, 'manual_entry_daily_limit');
  assert.equal(refused.body.limit, 20);
  assert.equal(refused.body.date, day);
  const nextDay = await enter(p, { value: 100, measuredAt: new Date(localStart + 23 * 3_600_000 + 30 * 60_000).toISOString() });
  assert.equal(nextDay.status, 201, 'after local midnight a new day starts');
});

test('a value far from the CGM reading needs confirmOutlier (§4.1.1 worked example), then is stored flagged', async () => {
  const p = await t.createUser(['patient']);
  const cgmAt = Math.floor((Date.now() - 2 * 3_600_000) / 1000) * 1000;
  const bulk = await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: p.token, body: { source: 'cgm', readings: [{ measuredAt: new Date(cgmAt).toISOString(), value: 120 }] } });
  assert.equal(bulk.body.inserted, 1);
  const fiveLater = new Date(cgmAt + 5 * 60_000).toISOString();
  const outlier = await enter(p, { value: 190, measuredAt: fiveLater });
  assert.equal(outlier.status, 422);
  assert.equal(outlier.body.code, 'outlier_confirmation_required');
  assert.equal(outlier.body.reason, 'differs_from_cgm');
  assert.equal(outlier.body.referenceValue, 120);
  const accepted = await enter(p, { value: 150, measuredAt: fiveLater });
  assert.equal(accepted.status, 201, '|150 − 120| = 30 ≤ 40');
  const p2 = await t.createUser(['patient']);
  await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: p2.token, body: { source: 'cgm', readings: [{ measuredAt: new Date(cgmAt).toISOString(), value: 120 }] } });
  const confirmed = await enter(p2, { value: 190, measuredAt: fiveLater, confirmOutlier: true });
  assert.equal(confirmed.status, 201);
  assert.deepEqual(confirmed.body.flags, ['outlier_confirmed']);
});

test('values under 40 or over 400 need confirmation as implausible', async () => {
  const p = await t.createUser(['patient']);
  const low = await enter(p, { value: 35, measuredAt: minutesAgo(600) });
  assert.equal(low.status, 422);
  assert.equal(low.body.reason, 'implausible_value');
  assert.equal(low.body.referenceValue, null);
  assert.equal((await enter(p, { value: 405, measuredAt: minutesAgo(600) })).body.reason, 'implausible_value');
  assert.equal((await enter(p, { value: 400, measuredAt: minutesAgo(600) })).status, 201);
});

test('a fast change since the previous reading of any source within 60 min needs confirmation', async () => {
  const p = await t.createUser(['patient']);
  assert.equal((await enter(p, { value: 100, measuredAt: minutesAgo(300) })).status, 201);
  const fast = await enter(p, { value: 230, measuredAt: minutesAgo(280) });
  assert.equal(fast.status, 422);
  assert.equal(fast.body.reason, 'implausible_rate');
  assert.equal(fast.body.referenceValue, 100);
  assert.equal((await enter(p, { value: 210, measuredAt: minutesAgo(280) })).status, 201, '110 in 20 min is 5.5 mg/dL/min');
});

test('a value under 40 sent as mg/dL by someone who uses mmol/L is questioned as a unit mistake', async () => {
  const p = await t.createUser(['patient']);
  await t.api('PATCH', '/api/v1/me', { token: p.token, body: { glucoseUnit: 'mmol/L' } });
  const res = await enter(p, { value: 25 });
  assert.equal(res.status, 422);
  assert.equal(res.body.reason, 'unit_mismatch_suspected');
});

test('an idempotent replay returns the same 201 body; the same key with another body is refused', async () => {
  const p = await t.createUser(['patient']);
  const body = { value: 111, measuredAt: minutesAgo(45), context: 'fasting', notes: 'before breakfast' };
  const first = await enter(p, body, 'me', { 'idempotency-key': 'manual-1' });
  const replay = await enter(p, body, 'me', { 'idempotency-key': 'manual-1' });
  assert.equal(first.status, 201);
  assert.equal(replay.status, 201);
  assert.deepEqual(replay.body, first.body);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  const other = await enter(p, { ...body, value: 112 }, 'me', { 'idempotency-key': 'manual-1' });
  assert.equal(other.status, 422);
  const history = await t.api('GET', `/api/v1/glucose/patients/me/readings?from=${minutesAgo(60)}`, { token: p.token });
  assert.equal(history.body.items.length, 1);
  assert.equal(history.body.items[0].context, 'fasting');
  assert.equal(history.body.items[0].notes, 'before breakfast');
});

test('two entries 5 minutes apart sent at once: exactly one is stored', async () => {
  const p = await t.createUser(['patient']);
  const results = await Promise.all([enter(p, { value: 100, measuredAt: minutesAgo(100) }), enter(p, { value: 101, measuredAt: minutesAgo(95) })]);
  assert.deepEqual(results.map((r) => r.status).sort(), [201, 422]);
});

test('a linked caregiver enters on the patient\'s behalf; a linked clinician may not (403); a stranger gets 404', async () => {
  const p = await t.createUser(['patient']);
  const caregiver = await t.createUser(['caregiver']);
  const clinician = await t.createUser(['clinician']);
  const stranger = await t.createUser(['caregiver']);
  await link(t, p, caregiver);
  await link(t, p, clinician);
  const byCaregiver = await enter(caregiver, { value: 99 }, p.id);
  assert.equal(byCaregiver.status, 201);
  assert.equal(byCaregiver.body.enteredBy, caregiver.id);
  assert.equal(byCaregiver.body.patientId, p.id);
  const byClinician = await enter(clinician, { value: 99, measuredAt: minutesAgo(120) }, p.id);
  assert.equal(byClinician.status, 403);
  const byStranger = await enter(stranger, { value: 99, measuredAt: minutesAgo(120) }, p.id);
  assert.equal(byStranger.status, 404);
  assert.equal(byStranger.body.code, 'patient_not_found');
  const audit = await t.db.db.selectFrom('platform.audit_events').selectAll().where('action', '=', 'glucose.reading.created').where('entity_id', '=', byCaregiver.body.id).executeTakeFirst();
  assert.equal(audit?.actor_id, caregiver.id);
  assert.equal((audit?.diff as { role: string }).role, 'caregiver');
});
