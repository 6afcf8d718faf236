/**
 * Alert lifecycle through the real API (§4.3.1–4.3.3): raise from manual and CGM readings, one open alert per family,
 * upgrade in place, snooze rules, acknowledgement, resolution on recovery, and the action log.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { link, minutesAgo, startGlucoseApp } from '../testing.js';
import { waitFor } from '../../../platform/jobs/testing.js';
import { alertDetail, cgm, delayedJobs, openAlerts, outbox, runDelayedNow } from './testing.js';

let t: TestApp;
let caregiver: TestUser;
let clinician: TestUser;
before(async () => {
  t = await startGlucoseApp();
  [caregiver, clinician] = await Promise.all([t.createUser(['caregiver']), t.createUser(['clinician'])]);
});
after(async () => { await t.close(); });

async function patientWithTeam() {
  const patient = await t.createUser(['patient'], { displayName: 'Léa' });
  await link(t, patient, caregiver);
  await link(t, patient, clinician);
  return patient;
}

test('a manual low raises one alert, returned as raisedAlertIds, logged and notified to the patient only (warning)', async () => {
  const patient = await patientWithTeam();
  const res = await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: patient.token, body: { value: 65 } });
  assert.equal(res.status, 201);
  assert.equal(res.body.raisedAlertIds.length, 1);
  const alert = await alertDetail(t, patient, 'me', res.body.raisedAlertIds[0]);
  assert.equal(alert.type, 'low');
  assert.equal(alert.severity, 'warning');
  assert.equal(alert.status, 'pending');
  assert.equal(alert.triggerValue, 65);
  assert.deepEqual(alert.actions.map((a: { action: string }) => a.action), ['raised', 'notified']);
  const sent = await outbox(t, `glucose.alert:${alert.id}:raised`);
  assert.deepEqual([...new Set(sent.map((r) => r.user_id))], [patient.id], 'caregiver default level is critical, clinician none');
  assert.ok(sent.every((r) => !r.critical));
  assert.deepEqual(await delayedJobs(t, 'glucose.alerts.escalate', alert.id), [], 'low is not in the default escalation types');

  const backfill = await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: patient.token, body: { value: 40, measuredAt: minutesAgo(120), confirmOutlier: true } });
  assert.equal(backfill.status, 201);
  assert.deepEqual(backfill.body.raisedAlertIds, [], 'readings older than 15 minutes never raise alerts');
});

test('one open alert per family: a still-low reading does not re-raise, a worsening upgrades in place and restarts notifications', async () => {
  const patient = await patientWithTeam();
  await cgm(t, patient, 66, 12);
  await cgm(t, patient, 64, 11);
  let open = await openAlerts(t, patient.id);
  assert.equal(open.filter((a) => a.family === 'low').length, 1);
  const id = open.find((a) => a.family === 'low')!.id;
  assert.equal(Number(open.find((a) => a.id === id)!.last_value), 64);

  const snoozed = await t.api('POST', `/api/v1/glucose/alerts/${id}/snooze`, { token: caregiver.token, body: { minutes: 30 } });
  assert.equal(snoozed.status, 200);
  assert.equal(snoozed.body.status, 'snoozed');
  await cgm(t, patient, 62, 10);
  open = await openAlerts(t, patient.id);
  assert.equal(open.find((a) => a.id === id)!.status, 'snoozed', 'a reading that stays low during a snooze is not a new alert');

  await cgm(t, patient, 50, 9);
  const upgraded = await alertDetail(t, patient, 'me', id);
  assert.equal(upgraded.type, 'urgent_low');
  assert.equal(upgraded.severity, 'critical');
  assert.equal(upgraded.status, 'pending', 'the worsening cancels the snooze');
  assert.ok(upgraded.actions.some((a: { action: string }) => a.action === 'upgraded'));
  const sent = await outbox(t, `glucose.alert:${id}:upgraded:urgent_low`);
  assert.ok(sent.some((r) => r.user_id === caregiver.id), 'a critical alert reaches the caregiver (default level critical)');
  assert.ok(sent.every((r) => r.critical), 'critical messages carry the bypass flag');
  assert.equal((await delayedJobs(t, 'glucose.alerts.escalate', id)).length, 1, 'urgent low escalates by default');
  assert.equal((await delayedJobs(t, 'glucose.alerts.renotify', id)).length, 1, 'critical alerts are re-sent to the patient');

  await cgm(t, patient, 62, 8);
  assert.equal((await alertDetail(t, patient, 'me', id)).type, 'urgent_low', 'never downgraded while open');
});

test('resolution: low + hysteresis at once, or two consecutive readings ≥ low; allowed while snoozed', async () => {
  const patient = await patientWithTeam();
  await cgm(t, patient, 65, 14);
  const id = (await openAlerts(t, patient.id)).find((a) => a.family === 'low')!.id;
  await cgm(t, patient, 72, 13);
  assert.equal((await alertDetail(t, patient, 'me', id)).status, 'pending', '72 after a low: not yet');
  await cgm(t, patient, 71, 12);
  const resolved = await alertDetail(t, patient, 'me', id);
  assert.equal(resolved.status, 'resolved');
  assert.equal(resolved.resolvedReason, 'condition_cleared');

  await cgm(t, patient, 60, 11);
  const second = (await openAlerts(t, patient.id)).find((a) => a.family === 'low')!;
  assert.notEqual(second.id, id, 'a new episode is a new alert');
  await t.api('POST', `/api/v1/glucose/alerts/${second.id}/snooze`, { token: patient.token, body: { minutes: 15 } });
  await cgm(t, patient, 75, 10);
  assert.equal((await alertDetail(t, patient, 'me', second.id)).status, 'resolved', '75 = 70 + 5 resolves at once, snoozed or not');

  const snoozeResolved = await t.api('POST', `/api/v1/glucose/alerts/${second.id}/snooze`, { token: patient.token, body: { minutes: 15 } });
  assert.equal(snoozeResolved.status, 409);
  assert.equal(snoozeResolved.body.code, 'alert_resolved');
});

test('snooze: 5–60 minutes; urgent low only with override, reason and ≤ 30 minutes; back to pending when the snooze ends', async () => {
  const patient = await patientWithTeam();
  const raised = await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: patient.token, body: { value: 50 } });
  const id = raised.body.raisedAlertIds[0];
  for (const minutes of [4, 61, 10.5]) {
    const res = await t.api('POST', `/api/v1/glucose/alerts/${id}/snooze`, { token: patient.token, body: { minutes, override: true, reason: 'eating now' } });
    assert.equal(res.status, 400, String(minutes));
    assert.equal(res.body.code, 'invalid_snooze_duration');
  }
  for (const body of [{ minutes: 10 }, { minutes: 10, override: true }, { minutes: 10, override: true, reason: 'ok' }, { minutes: 31, override: true, reason: 'eating now' }]) {
    const res = await t.api('POST', `/api/v1/glucose/alerts/${id}/snooze`, { token: patient.token, body });
    assert.equal(res.status, 422, JSON.stringify(body));
    assert.equal(res.body.code, 'urgent_low_not_snoozable');
  }
  const byClinician = await t.api('POST', `/api/v1/glucose/alerts/${id}/snooze`, { token: clinician.token, body: { minutes: 10, override: true, reason: 'eating now' } });
  assert.equal(byClinician.status, 403, 'clinicians acknowledge but do not snooze');
  const ok = await t.api('POST', `/api/v1/glucose/alerts/${id}/snooze`, { token: patient.token, body: { minutes: 30, override: true, reason: 'eating now' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.status, 'snoozed');
  assert.equal(ok.body.snoozeCount, 1);
  const audit = await t.db.db.selectFrom('platform.audit_events').select('diff').where('action', '=', 'glucose.alert.snoozed_override').where('entity_id', '=', id).execute();
  assert.equal(audit.length, 1, 'the override is audited');

  const [job] = await delayedJobs(t, 'glucose.alerts.snooze-end', id);
  assert.ok(Math.abs(new Date(job.start_after).getTime() - new Date(ok.body.snoozedUntil).getTime()) < 2000, 'snooze end is a delayed job at snoozed_until');
  await runDelayedNow(t, 'glucose.alerts.snooze-end', id);
  const after = await alertDetail(t, patient, 'me', id);
  assert.equal(after.status, 'pending');
  assert.ok(after.actions.some((a: { action: string }) => a.action === 'snooze_ended'));
  assert.ok((await outbox(t, `glucose.alert:${id}:reopened:1`)).length > 0, 'notified again');
});

test('acknowledge: escalation stops, silence then reopen; a second acknowledgement changes nothing; stale version answers 409', async () => {
  const patient = await patientWithTeam();
  const raised = await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: patient.token, body: { value: 52 } });
  const id = raised.body.raisedAlertIds[0];
  const stale = await t.api('POST', `/api/v1/glucose/alerts/${id}/acknowledge`, { token: clinician.token, body: { version: 99 } });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.code, 'alert_state_changed');
  assert.equal(stale.body.alert.id, id, 'the current alert comes with the conflict');
  const ack = await t.api('POST', `/api/v1/glucose/alerts/${id}/acknowledge`, { token: clinician.token, body: { note: 'called her', version: stale.body.alert.version } });
  assert.equal(ack.status, 200);
  assert.equal(ack.body.status, 'acknowledged');
  assert.equal(ack.body.acknowledgedBy, clinician.id);
  assert.ok(Math.abs(new Date(ack.body.silenceUntil).getTime() - Date.now() - 15 * 60_000) < 5000, 'urgent low silence is 15 minutes');
  const again = await t.api('POST', `/api/v1/glucose/alerts/${id}/acknowledge`, { token: caregiver.token, body: {} });
  assert.equal(again.status, 200);
  assert.equal(again.body.version, ack.body.version);

  await runDelayedNow(t, 'glucose.alerts.escalate', id);
  const detail = await alertDetail(t, patient, 'me', id);
  assert.equal(detail.escalationLevel, 0, 'an escalation job that finds the alert acknowledged does nothing');
  assert.ok(!detail.actions.some((a: { action: string }) => a.action === 'escalated'));

  await runDelayedNow(t, 'glucose.alerts.silence-end', id);
  const reopened = await alertDetail(t, patient, 'me', id);
  assert.equal(reopened.status, 'pending', 'still low when the silence ends: pending again');
  assert.ok(reopened.actions.some((a: { action: string }) => a.action === 'reopened'));
  assert.ok(reopened.nextEscalationAt, 'escalation restarts');
});

test('high family resolution and predicted low (AR2) from CGM; a low supersedes the predicted low', async () => {
  const patient = await patientWithTeam();
  // Steps under 40 mg/dL so that no reading is flagged suspect (suspect readings neither raise nor resolve).
  await cgm(t, patient, 251, 14);
  const high = (await openAlerts(t, patient.id)).find((a) => a.family === 'high')!;
  assert.equal(high.type, 'urgent_high');
  await cgm(t, patient, 215, 8);
  await cgm(t, patient, 176, 3);
  assert.equal((await alertDetail(t, patient, 'me', high.id)).status, 'pending', '176 > 175: not yet');
  await cgm(t, patient, 180, 2);
  assert.equal((await alertDetail(t, patient, 'me', high.id)).status, 'resolved', 'two readings ≤ 180');

  const other = await t.createUser(['patient']);
  await cgm(t, other, 90, 12);
  await cgm(t, other, 80, 7);
  const predicted = (await openAlerts(t, other.id)).find((a) => a.family === 'predicted_low');
  assert.ok(predicted, 'AR2 90 → 80 predicts 66 within 30 minutes');
  assert.deepEqual((predicted.forecast as number[]).map(Math.round), [74, 70, 68, 66, 66, 66]);
  await cgm(t, other, 68, 2);
  assert.equal((await alertDetail(t, other, 'me', predicted.id)).resolvedReason, 'superseded');
  assert.ok((await openAlerts(t, other.id)).some((a) => a.type === 'low'));
});

test('alert events (raised, updated, escalated) reach a subscriber of glucose.alerts:<patientId> after commit', async () => {
  const patient = await patientWithTeam();
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/api/v1/stream`, { headers: { authorization: `Bearer ${caregiver.token}` } });
  const frames: { type: string; event?: string; data?: { alert: { id: string } } }[] = [];
  ws.on('message', (m) => frames.push(JSON.parse(String(m))));
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'subscribe', topic: `glucose.alerts:${patient.id}` }));
  await waitFor('subscribed', () => frames.some((f) => f.type === 'subscribed'));
  const raised = await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: patient.token, body: { value: 55 } });
  const id = raised.body.raisedAlertIds[0];
  await waitFor('alert.raised', () => frames.some((f) => f.event === 'alert.raised' && f.data?.alert.id === id));
  await t.api('POST', `/api/v1/glucose/alerts/${id}/acknowledge`, { token: caregiver.token, body: {} });
  await waitFor('alert.updated', () => frames.some((f) => f.event === 'alert.updated' && f.data?.alert.id === id));
  await cgm(t, patient, 50, 1);
  await runDelayedNow(t, 'glucose.alerts.escalate', id);
  const escalated = await waitFor('alert.escalated', () => frames.find((f) => f.event === 'alert.escalated' && f.data?.alert.id === id));
  assert.equal((escalated.data as unknown as { level: number }).level, 1);
  ws.close();
});
