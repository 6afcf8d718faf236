import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { cgmSeries, link, minutesAgo, startGlucoseApp } from '../testing.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

const remove = (user: TestUser, patientId: string, readingId: string, body?: unknown) =>
  t.api('DELETE', `/api/v1/glucose/patients/${patientId}/readings/${readingId}`, { token: user.token, body });
const manual = async (user: TestUser, patientId: string, value: number, ago: number) =>
  (await t.api('POST', `/api/v1/glucose/patients/${patientId}/readings`, { token: user.token, body: { value, measuredAt: minutesAgo(ago) } })).body;

test('a patient deletes a manual entry; it disappears from history and current, and a re-upload stays deleted', async () => {
  const p = await t.createUser(['patient']);
  const older = await manual(p, p.id, 100, 60);
  const newer = await manual(p, p.id, 120, 20);
  assert.equal((await remove(p, 'me', newer.id)).status, 204);
  const current = await t.api('GET', '/api/v1/glucose/patients/me/readings/current', { token: p.token });
  assert.equal(current.body.reading.id, older.id);
  const history = await t.api('GET', '/api/v1/glucose/patients/me/readings', { token: p.token });
  assert.deepEqual(history.body.items.map((r: { id: string }) => r.id), [older.id]);
  assert.equal((await remove(p, 'me', newer.id)).status, 404);
  const again = await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: p.token, body: { source: 'meter', readings: [{ measuredAt: newer.measuredAt, value: 120 }] } });
  assert.equal(again.body.inserted, 1, 'a meter reading has another key than the deleted manual one');
  assert.equal((await remove(p, 'me', older.id)).status, 204);
  const audit = await t.db.db.selectFrom('platform.audit_events').selectAll().where('action', '=', 'glucose.reading.deleted').where('entity_id', '=', older.id).execute();
  assert.equal(audit.length, 1);
});

test('after 30 days a patient can no longer delete an entry (422); CGM readings are for admins, who give a reason', async () => {
  const p = await t.createUser(['patient']);
  const admin = await t.createUser(['admin']);
  const entry = await manual(p, p.id, 100, 60);
  await sql`update glucose.readings set received_at = now() - interval '31 days' where id = ${entry.id}`.execute(t.db.db);
  const late = await remove(p, 'me', entry.id);
  assert.equal(late.status, 422);
  assert.equal(late.body.code, 'deletion_window_passed');
  await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: p.token, body: { source: 'cgm', readings: cgmSeries(2, () => 110) } });
  const cgm = (await t.api('GET', '/api/v1/glucose/patients/me/readings?source=cgm', { token: p.token })).body.items[1];
  assert.equal((await remove(p, 'me', cgm.id)).body.code, 'cgm_reading_not_deletable');
  const noReason = await remove(admin, p.id, cgm.id);
  assert.equal(noReason.status, 400);
  assert.equal(noReason.body.code, 'reason_required');
  assert.equal((await remove(admin, p.id, cgm.id, { reason: 'sensor error' })).status, 204);
  const current = await t.api('GET', '/api/v1/glucose/patients/me/readings/current', { token: p.token });
  assert.notEqual(current.body.reading.id, cgm.id);
});

test('a caregiver deletes only the entries they made, within 24 h; a clinician cannot delete', async () => {
  const p = await t.createUser(['patient']);
  const caregiver = await t.createUser(['caregiver']);
  const clinician = await t.createUser(['clinician']);
  await link(t, p, caregiver);
  await link(t, p, clinician);
  const mine = await manual(caregiver, p.id, 100, 120);
  const patients = await manual(p, p.id, 105, 60);
  assert.equal((await remove(caregiver, p.id, patients.id)).body.code, 'not_your_entry');
  assert.equal((await remove(clinician, p.id, mine.id)).status, 403);
  await sql`update glucose.readings set received_at = now() - interval '25 hours' where id = ${mine.id}`.execute(t.db.db);
  assert.equal((await remove(caregiver, p.id, mine.id)).body.code, 'deletion_window_passed');
  await sql`update glucose.readings set received_at = now() - interval '23 hours' where id = ${mine.id}`.execute(t.db.db);
  assert.equal((await remove(caregiver, p.id, mine.id)).status, 204);
});
