/**
 * Alert settings within safe limits (§3.1), quick actions with the 15-minute recheck (§4.3.5), subscriptions, emergency
 * contacts, the inbox, and scope: another patient's alerts answer 404.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { link, startGlucoseApp } from '../testing.js';
import { alertDetail, cgm, delayedJobs, outbox, runDelayedNow } from './testing.js';

let t: TestApp;
let caregiver: TestUser;
before(async () => {
  t = await startGlucoseApp();
  caregiver = await t.createUser(['caregiver']);
});
after(async () => { await t.close(); });

test('alert settings: consensus defaults, overrides within the safe limits, 422 naming the field outside them', async () => {
  const patient = await t.createUser(['patient']);
  await link(t, patient, caregiver);
  const defaults = await t.api('GET', '/api/v1/glucose/patients/me/alert-settings', { token: patient.token });
  assert.equal(defaults.status, 200);
  assert.deepEqual([defaults.body.urgentLow, defaults.body.low, defaults.body.high, defaults.body.urgentHigh], [54, 70, 180, 250]);
  assert.equal(defaults.body.defaults, true);
  assert.deepEqual(defaults.body.escalation.types, ['urgent_low']);

  for (const [body, field] of [
    [{ low: 59 }, 'body.low'], [{ urgentLow: 49 }, 'body.urgentLow'], [{ urgentHigh: 401 }, 'body.urgentHigh'], [{ rapidRate: 5.5 }, 'body.rapidRate'],
    [{ staleWarningMin: 30, staleUrgentMin: 30 }, 'body.staleUrgentMin'], [{ urgentLow: 65, low: 68 }, 'body.urgentLow'],
    [{ escalation: { ...defaults.body.escalation, maxLevels: 2 } }, 'body.escalation.maxLevels'],
  ] as const) {
    const res = await t.api('PUT', '/api/v1/glucose/patients/me/alert-settings', { token: patient.token, body });
    assert.equal(res.status, 422, JSON.stringify(body));
    assert.equal(res.body.code, 'alert_settings_invalid');
    assert.ok(res.body.errors.some((e: { path: string }) => e.path === field), `${JSON.stringify(body)} → ${JSON.stringify(res.body.errors)}`);
  }
  const mmol = await t.api('PUT', '/api/v1/glucose/patients/me/alert-settings', { token: patient.token, body: { unit: 'mmol/L', low: 3.9, high: 10.0 } });
  assert.equal(mmol.status, 200);
  assert.deepEqual([mmol.body.low, mmol.body.high], [70, 180], 'round(3.9 × 18.0182) = 70');

  const byCaregiver = await t.api('PUT', `/api/v1/glucose/patients/${patient.id}/alert-settings`, { token: caregiver.token, body: { low: 80, enabled: { high: false } } });
  assert.equal(byCaregiver.status, 200);
  assert.equal(byCaregiver.body.updatedBy, caregiver.id);
  const told = await outbox(t, `glucose.settings-changed:${patient.id}:alerts:${new Date().toISOString().slice(0, 10)}`);
  assert.deepEqual(told.map((r) => r.user_id), [patient.id], 'a change by someone else notifies the patient');

  const low = await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: patient.token, body: { value: 78 } });
  assert.equal(low.body.raisedAlertIds.length, 1, 'the override of low (80) applies');
  await cgm(t, patient, 300, 2);
  const open = await t.db.db.selectFrom('glucose.alerts').select('type').where('patient_id', '=', patient.id).where('status', '<>', 'resolved').execute();
  assert.ok(open.some((a) => a.type === 'urgent_high'));
  assert.ok(!open.some((a) => a.type === 'high'));
});

test('treat_hypo acknowledges, schedules a recheck in 15 minutes, and the recheck reopens a still-low alert', async () => {
  const patient = await t.createUser(['patient']);
  await link(t, patient, caregiver);
  const raised = await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: patient.token, body: { value: 60 } });
  const id = raised.body.raisedAlertIds[0];
  const bad = await t.api('POST', `/api/v1/glucose/patients/${patient.id}/quick-actions`, { token: caregiver.token, body: { action: 'treat_hypo', alertId: id, carbsG: 80 } });
  assert.equal(bad.status, 400);
  const res = await t.api('POST', `/api/v1/glucose/patients/${patient.id}/quick-actions`, { token: caregiver.token, body: { action: 'treat_hypo', alertId: id } });
  assert.equal(res.status, 202);
  assert.equal(res.body.alertId, id);
  assert.ok(Math.abs(new Date(res.body.recheckAt).getTime() - Date.now() - 15 * 60_000) < 5000);
  assert.match(res.body.nextSteps[0], /15 g/);
  let alert = await alertDetail(t, patient, 'me', id);
  assert.equal(alert.status, 'acknowledged');
  const logged = alert.actions.find((a: { action: string }) => a.action === 'treat_hypo');
  assert.equal(logged.payload.carbsG, 15);
  assert.equal(logged.actorUserId, caregiver.id);
  const [job] = await delayedJobs(t, 'glucose.alerts.recheck', id);
  assert.equal(job.state, 'created');

  await runDelayedNow(t, 'glucose.alerts.recheck', id);
  alert = await alertDetail(t, patient, 'me', id);
  assert.equal(alert.status, 'pending', 'no new reading after the treatment: back to pending');
  assert.ok(alert.actions.some((a: { action: string }) => a.action === 'recheck_due'));
  const reminder = await outbox(t, `glucose.alert:${id}:recheck`);
  assert.deepEqual([...new Set(reminder.map((r) => r.user_id))].sort(), [patient.id, caregiver.id].sort(), 'the actor and the patient are reminded');
});

test('a recheck after a recovered reading reminds but does not reopen', async () => {
  const patient = await t.createUser(['patient']);
  await cgm(t, patient, 62, 3);
  const id = (await t.db.db.selectFrom('glucose.alerts').select('id').where('patient_id', '=', patient.id).executeTakeFirstOrThrow()).id;
  await t.api('POST', '/api/v1/glucose/patients/me/quick-actions', { token: patient.token, body: { action: 'treat_hypo' } });
  // Only a reading measured after the treatment counts; readings are stored to the whole second.
  await new Promise((r) => setTimeout(r, 1100));
  await cgm(t, patient, 73, 0);
  await runDelayedNow(t, 'glucose.alerts.recheck', id);
  const alert = await alertDetail(t, patient, 'me', id);
  assert.equal(alert.status, 'acknowledged');
  assert.ok(!alert.actions.some((a: { action: string }) => a.action === 'recheck_due'));
});

test('already_treated acknowledges with a note; call_contact texts the contact and returns a tel: URI', async () => {
  const patient = await t.createUser(['patient']);
  await link(t, patient, caregiver);
  const contact = (await t.api('POST', '/api/v1/glucose/patients/me/emergency-contacts', { token: patient.token, body: { name: 'Paul', phoneE164: '+33611111111' } })).body;
  const byCaregiver = await t.api('POST', `/api/v1/glucose/patients/${patient.id}/emergency-contacts`, { token: caregiver.token, body: { name: 'X', phoneE164: '+33622222222' } });
  assert.equal(byCaregiver.status, 403, 'caregivers read emergency contacts, they do not change them');
  assert.equal((await t.api('GET', `/api/v1/glucose/patients/${patient.id}/emergency-contacts`, { token: caregiver.token })).body.length, 1);

  const first = (await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: patient.token, body: { value: 61 } })).body.raisedAlertIds[0];
  const treated = await t.api('POST', '/api/v1/glucose/patients/me/quick-actions', { token: patient.token, body: { action: 'already_treated', alertId: first } });
  assert.equal(treated.status, 202);
  const alert = await alertDetail(t, patient, 'me', first);
  assert.equal(alert.status, 'acknowledged');
  assert.equal(alert.actions.find((a: { action: string }) => a.action === 'acknowledged').payload.note, 'already treated');
  assert.equal((await delayedJobs(t, 'glucose.alerts.recheck', first)).length, 0, 'no recheck');

  const call = await t.api('POST', '/api/v1/glucose/patients/me/quick-actions', { token: patient.token, body: { action: 'call_contact', alertId: first, contactId: contact.id } });
  assert.equal(call.status, 202);
  assert.equal(call.body.dialUri, 'tel:+33611111111');
  const sms = await t.db.db.selectFrom('platform.notification_outbox').select(['address', 'channel', 'critical']).where('dedup_key', 'like', `glucose.alert:${first}:call:%`).execute();
  assert.deepEqual(sms.map((r) => [r.channel, r.address, r.critical]), [['sms', '+33611111111', true]]);
  const viaCaregiver = await t.api('POST', '/api/v1/glucose/patients/me/quick-actions', { token: patient.token, body: { action: 'call_contact', contactId: caregiver.id } });
  assert.equal(viaCaregiver.status, 202, 'a linked caregiver can be called');
  const push = await t.db.db.selectFrom('platform.notification_outbox').select('channel').where('user_id', '=', caregiver.id).where('dedup_key', 'like', `glucose.alert:${first}:call:${caregiver.id}:%`).execute();
  assert.ok(push.some((r) => r.channel === 'push'), 'a caregiver who is a user also gets a push');
  const outsider = await t.createUser(['caregiver']);
  const unknown = await t.api('POST', '/api/v1/glucose/patients/me/quick-actions', { token: patient.token, body: { action: 'call_contact', contactId: outsider.id } });
  assert.equal(unknown.status, 404, 'a caregiver of someone else is not a contact of this patient');
  assert.equal(unknown.body.code, 'contact_not_found');
});

test('inbox and scope: each sees only alerts of patients in scope; another patient\'s alert answers 404', async () => {
  const victim = await t.createUser(['patient']);
  const attacker = await t.createUser(['patient']);
  const stranger = await t.createUser(['caregiver']);
  await link(t, victim, caregiver);
  const id = (await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: victim.token, body: { value: 50 } })).body.raisedAlertIds[0];
  const mine = await t.api('GET', '/api/v1/glucose/alerts?status=open', { token: victim.token });
  assert.deepEqual(mine.body.items.map((a: { id: string }) => a.id), [id]);
  const theirs = await t.api('GET', `/api/v1/glucose/alerts?patientId=${victim.id}`, { token: caregiver.token });
  assert.deepEqual(theirs.body.items.map((a: { id: string }) => a.id), [id]);
  const critical = await t.api('GET', '/api/v1/glucose/alerts?severity=warning', { token: victim.token });
  assert.deepEqual(critical.body.items, []);
  assert.deepEqual((await t.api('GET', '/api/v1/glucose/alerts', { token: attacker.token })).body.items, []);
  assert.deepEqual((await t.api('GET', '/api/v1/glucose/alerts', { token: stranger.token })).body.items, []);
  for (const user of [attacker, stranger]) {
    assert.equal((await t.api('GET', `/api/v1/glucose/alerts?patientId=${victim.id}`, { token: user.token })).body.code, 'patient_not_found');
    for (const [path, body] of [['acknowledge', {}], ['snooze', { minutes: 10, override: true, reason: 'xyz' }], ['close', { reason: 'nope' }]] as const) {
      const res = await t.api('POST', `/api/v1/glucose/alerts/${id}/${path}`, { token: user.token, body });
      assert.equal(res.status, 404, path);
      assert.equal(res.body.code, 'patient_not_found');
    }
    const subscribe = await t.api('PUT', '/api/v1/glucose/me/alert-subscriptions', { token: user.token, body: [{ patientId: victim.id, level: 'all' }] });
    assert.equal(subscribe.status, 404, 'no subscription to a patient out of scope');
  }
  const detail = await t.api('GET', `/api/v1/glucose/patients/me/alerts/${id}`, { token: attacker.token });
  assert.equal(detail.status, 404);
  assert.equal(detail.body.code, 'alert_not_found');
  assert.equal((await alertDetail(t, victim, 'me', id)).status, 'pending', 'nothing the others did changed it');

  const admin = await t.createUser(['admin']);
  const closed = await t.api('POST', `/api/v1/glucose/alerts/${id}/close`, { token: admin.token, body: { reason: 'sensor test' } });
  assert.equal(closed.status, 200);
  assert.equal(closed.body.resolvedReason, 'admin_closed');
  assert.equal((await t.api('POST', `/api/v1/glucose/alerts/${id}/close`, { token: admin.token, body: { reason: 'again' } })).status, 409);
});
