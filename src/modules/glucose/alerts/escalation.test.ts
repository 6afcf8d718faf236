/**
 * Escalation over the outbox on schedule with nobody's page open (§4.3.6), surviving a restart of the app; quiet hours
 * never silence a critical alert or an escalation (§4.3.4), while warnings wait for the end of quiet hours.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import type { App } from '../../../platform/types.js';
import { startAppOn } from '../../../platform/jobs/testing.js';
import { glucose } from '../index.js';
import { link, startGlucoseApp } from '../testing.js';
import { alertDetail, delayedJobs, outbox, runDelayedNow } from './testing.js';

let t: TestApp;
let restarted: App | undefined;
before(async () => { t = await startGlucoseApp(); });
after(async () => {
  await restarted?.close();
  await t.close();
});

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
/** Quiet hours from an hour ago to an hour ahead (UTC profile zone): the user is asleep now. */
async function asleep(user: TestUser) {
  await t.db.db.updateTable('platform.users').set({ time_zone: 'UTC', quiet_hours_start: hhmm(Date.now() - 3_600_000), quiet_hours_end: hhmm(Date.now() + 3_600_000) } as never)
    .where('id', '=', user.id).execute();
}
const near = (actual: Date | string, expectedMs: number, what: string) =>
  assert.ok(Math.abs(new Date(actual).getTime() - expectedMs) < 10_000, `${what}: ${new Date(actual).toISOString()} vs ${new Date(expectedMs).toISOString()}`);

test('quiet hours hold a warning back from ringing channels; a critical alert rings at once', async () => {
  const patient = await t.createUser(['patient']);
  const caregiver = await t.createUser(['caregiver']);
  await link(t, patient, caregiver);
  await asleep(patient);
  await asleep(caregiver);
  const put = await t.api('PUT', '/api/v1/glucose/me/alert-subscriptions', { token: caregiver.token, body: [{ patientId: patient.id, level: 'all' }] });
  assert.equal(put.status, 200);
  assert.deepEqual(put.body.map((s: { level: string }) => s.level), ['all']);

  const warning = await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: patient.token, body: { value: 65 } });
  const w = await outbox(t, `glucose.alert:${warning.body.raisedAlertIds[0]}:raised`);
  assert.deepEqual(w.filter((r) => r.channel === 'push').map((r) => r.status), ['deferred', 'deferred'], 'push waits for the end of quiet hours');
  const inbox = w.filter((r) => r.channel === 'inapp');
  assert.equal(inbox.length, 2);
  assert.ok(inbox.every((r) => r.status !== 'deferred'), 'the inbox gets it at once, silently');

  const other = await t.createUser(['patient']);
  await link(t, other, caregiver);
  await asleep(other);
  const critical = await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: other.token, body: { value: 45, confirmOutlier: true } });
  const c = await outbox(t, `glucose.alert:${critical.body.raisedAlertIds[0]}:raised`);
  assert.ok(c.length >= 4, 'patient and caregiver, inapp and push');
  assert.ok(c.every((r) => r.critical && r.status !== 'deferred' && r.status !== 'suppressed'), JSON.stringify(c.map((r) => [r.channel, r.status])));
});

test('an unacknowledged urgent low escalates at +5, +7, +9 minutes to the configured people, and keeps going after a restart', async () => {
  const patient = await t.createUser(['patient'], { displayName: 'Léa' });
  const caregiver = await t.createUser(['caregiver']);
  await link(t, patient, caregiver);
  await asleep(caregiver);
  const contact = await t.api('POST', '/api/v1/glucose/patients/me/emergency-contacts', { token: patient.token, body: { name: 'Paul', phoneE164: '+33612345678', whatsapp: true, priority: 1 } });
  assert.equal(contact.status, 201);

  const raisedAt = Date.now();
  const raised = await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: patient.token, body: { value: 50 } });
  const id = raised.body.raisedAlertIds[0] as string;
  const [first] = await delayedJobs(t, 'glucose.alerts.escalate', id);
  near(first.start_after, raisedAt + 5 * 60_000, 'level 1 at T + 5 min');
  assert.equal(first.state, 'created');

  await runDelayedNow(t, 'glucose.alerts.escalate', id);
  let alert = await alertDetail(t, patient, 'me', id);
  assert.equal(alert.status, 'escalated');
  assert.equal(alert.escalationLevel, 1);
  const level1 = await outbox(t, `glucose.alert:${id}:escalation:1`);
  assert.deepEqual(level1.map((r) => `${r.user_id}:${r.channel}`).sort(), [`${caregiver.id}:inapp`, `${caregiver.id}:push`]);
  assert.ok(level1.every((r) => r.critical && r.status !== 'deferred'), 'escalations ring through quiet hours');
  const escalated = alert.actions.find((a: { action: string }) => a.action === 'escalated');
  assert.deepEqual(escalated.payload.recipients, [{ kind: 'user', id: caregiver.id, channels: ['push', 'inapp'] }]);
  const second = (await delayedJobs(t, 'glucose.alerts.escalate', id)).find((j) => j.state === 'created')!;
  near(second.start_after, Date.now() + 2 * 60_000, 'level 2 two minutes later');

  // Stop the app and start a new one on the same database: the waiting escalation is in PostgreSQL, not in memory.
  await t.app.close();
  restarted = await startAppOn(t.db.url, { modules: [glucose] });
  await runDelayedNow(t, 'glucose.alerts.escalate', id);
  const level2 = await outbox(t, `glucose.alert:${id}:escalation:2`);
  assert.deepEqual(level2.map((r) => r.channel).sort(), ['sms', 'whatsapp'], 'level 2: caregivers by sms and whatsapp');

  await runDelayedNow(t, 'glucose.alerts.escalate', id);
  const level3 = await outbox(t, `glucose.alert:${id}:escalation:3`);
  assert.deepEqual(level3.map((r) => `${r.channel}:${r.address}`).sort(), ['sms:+33612345678', 'whatsapp:+33612345678'], 'level 3: emergency contacts');
  const final = await t.db.db.selectFrom('glucose.alerts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(final.escalation_level, 3);
  assert.equal(final.next_escalation_at, null, 'no level after the last one');
  assert.equal((await delayedJobs(t, 'glucose.alerts.escalate', id)).filter((j) => j.state === 'created').length, 0);
  const actions = await t.db.db.selectFrom('glucose.alert_actions').select('action').where('alert_id', '=', id).where('action', '=', 'escalated').execute();
  assert.equal(actions.length, 3, 'each step is in the action log');

  // The patient keeps being re-notified of the critical alert, also by the new process.
  await runDelayedNow(t, 'glucose.alerts.renotify', id);
  const renotified = await outbox(t, `glucose.alert:${id}:renotify:1`);
  assert.deepEqual([...new Set(renotified.map((r) => r.user_id))], [patient.id]);
});
