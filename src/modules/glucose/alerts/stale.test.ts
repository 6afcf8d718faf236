/** Stale data (§4.3.1, §7 glucose.alerts.stale-check): warning at 15 min, upgrade to critical at 30, resolved by a fresh CGM reading. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp } from '../../../../test/helpers/app.js';
import { cgmSeries, contextOf, startGlucoseApp } from '../testing.js';
import { servicesOf } from '../routes.js';
import { staleCheck } from './jobs.js';
import { alertDetail, cgm, outbox } from './testing.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

test('no CGM data for 15 minutes raises stale_data (warning), 30 minutes upgrades it to critical, a fresh reading resolves it', async () => {
  const patient = await t.createUser(['patient']);
  const quiet = await t.createUser(['patient']);
  await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: patient.token, body: { source: 'cgm', readings: cgmSeries(3, () => 120, { endAgoMin: 16 }) } });
  await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: quiet.token, body: { source: 'cgm', readings: cgmSeries(3, () => 120, { endAgoMin: 5 }) } });
  const svc = servicesOf(contextOf(t));
  await staleCheck(svc);
  const [alert] = await t.db.db.selectFrom('glucose.alerts').selectAll().where('patient_id', '=', patient.id).execute();
  assert.equal(alert.type, 'stale_data');
  assert.equal(alert.severity, 'warning');
  assert.equal((await t.db.db.selectFrom('glucose.alerts').select('id').where('patient_id', '=', quiet.id).execute()).length, 0, '5 minutes is not stale');
  await staleCheck(svc);
  assert.equal((await t.db.db.selectFrom('glucose.alerts').select('id').where('patient_id', '=', patient.id).execute()).length, 1, 'the check is idempotent');

  await sql`update glucose.latest_readings set last_cgm_at = now() - interval '31 minutes' where patient_id = ${patient.id}`.execute(t.db.db);
  await staleCheck(svc);
  const upgraded = await alertDetail(t, patient, 'me', alert.id);
  assert.equal(upgraded.severity, 'critical');
  assert.equal(upgraded.status, 'pending');
  assert.ok(upgraded.actions.some((a: { action: string }) => a.action === 'upgraded'));
  const sent = await outbox(t, `glucose.alert:${alert.id}:upgraded:stale_data`);
  assert.ok(sent.length > 0 && sent.every((r) => r.critical));

  await cgm(t, patient, 118, 1);
  const resolved = await alertDetail(t, patient, 'me', alert.id);
  assert.equal(resolved.status, 'resolved');
  assert.equal(resolved.resolvedReason, 'condition_cleared');
});

test('ending the sensor without a new one resolves the stale alert with sensor_ended and raises no new one', async () => {
  const patient = await t.createUser(['patient']);
  await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: patient.token, body: { source: 'cgm', readings: cgmSeries(3, () => 120, { endAgoMin: 20 }) } });
  const svc = servicesOf(contextOf(t));
  await staleCheck(svc);
  const [alert] = await t.db.db.selectFrom('glucose.alerts').selectAll().where('patient_id', '=', patient.id).execute();
  assert.equal(alert.type, 'stale_data');
  await t.db.db.insertInto('glucose.sensors').values({ patient_id: patient.id, model: 'other_cgm', status: 'ended', ended_at: new Date(), end_reason: 'removed' }).execute();
  await staleCheck(svc);
  const resolved = await alertDetail(t, patient, 'me', alert.id);
  assert.equal(resolved.resolvedReason, 'sensor_ended');
  await staleCheck(svc);
  assert.equal((await t.db.db.selectFrom('glucose.alerts').select('id').where('patient_id', '=', patient.id).where('status', '<>', 'resolved').execute()).length, 0);
});
