import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { startGlucoseApp } from '../testing.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

const invite = (from: TestUser, patientEmail: string, extra: Record<string, unknown> = {}) =>
  t.api('POST', '/api/v1/glucose/care-team/invitations', { token: from.token, body: { patientEmail, ...extra } });
const readings = (user: TestUser, patientId: string) => t.api('GET', `/api/v1/glucose/patients/${patientId}/readings/current`, { token: user.token });

test('a caregiver asks, the patient accepts: the caregiver then sees the patient, and stops seeing them once the link ends', async () => {
  const p = await t.createUser(['patient'], { displayName: 'Léa' });
  const caregiver = await t.createUser(['caregiver'], { displayName: 'Paul' });
  assert.equal((await readings(caregiver, p.id)).status, 404);

  const sent = await invite(caregiver, p.email.toUpperCase(), { message: 'It is Paul' });
  assert.equal(sent.status, 201);
  assert.equal(sent.body.relation, 'caregiver');
  assert.equal(sent.body.status, 'pending');
  assert.equal((await invite(caregiver, p.email)).body.code, 'invitation_pending');

  const inbox = await t.api('GET', '/api/v1/glucose/care-team/invitations', { token: p.token });
  assert.equal(inbox.body.received.length, 1);
  assert.equal(inbox.body.received[0].inviter.displayName, 'Paul');
  assert.equal(inbox.body.received[0].message, 'It is Paul');
  assert.equal((await readings(caregiver, p.id)).status, 404, 'not before the patient accepts');

  const accepted = await t.api('POST', `/api/v1/glucose/care-team/invitations/${sent.body.id}/accept`, { token: p.token, body: {} });
  assert.equal(accepted.status, 200);
  assert.equal(accepted.body.member.id, caregiver.id);
  assert.equal(accepted.body.relation, 'caregiver');
  assert.equal((await readings(caregiver, p.id)).status, 200);

  const list = await t.api('GET', '/api/v1/glucose/patients', { token: caregiver.token });
  assert.deepEqual(list.body.items.map((i: { patientId: string; relation: string }) => [i.patientId, i.relation]), [[p.id, 'caregiver']]);
  const team = await t.api('GET', '/api/v1/glucose/patients/me/care-team', { token: p.token });
  assert.deepEqual(team.body.items.map((l: { member: { id: string } }) => l.member.id), [caregiver.id]);

  const ended = await t.api('DELETE', `/api/v1/glucose/patients/me/care-team/${accepted.body.id}`, { token: p.token });
  assert.equal(ended.status, 204);
  assert.equal((await readings(caregiver, p.id)).status, 404);
  const audit = await t.db.db.selectFrom('platform.audit_events').select('action').where('action', 'like', 'glucose.care_%').execute();
  assert.deepEqual(audit.map((a) => a.action).sort(), ['glucose.care_invitation.accepted', 'glucose.care_invitation.created', 'glucose.care_link.ended']);
});

test('asking about an email with no account answers exactly like one with an account', async () => {
  const clinician = await t.createUser(['clinician']);
  const p = await t.createUser(['patient']);
  const unknown = await invite(clinician, 'nobody-here@example.test');
  const known = await invite(clinician, p.email);
  assert.equal(unknown.status, known.status);
  assert.deepEqual(Object.keys(unknown.body).sort(), Object.keys(known.body).sort());
  assert.equal(unknown.body.relation, 'clinician');
});

test('only the addressed patient can answer; declined and cancelled invitations give no access', async () => {
  const p = await t.createUser(['patient']);
  const other = await t.createUser(['patient']);
  const clinician = await t.createUser(['clinician']);
  const sent = await invite(clinician, p.email);
  assert.equal((await t.api('POST', `/api/v1/glucose/care-team/invitations/${sent.body.id}/accept`, { token: other.token, body: {} })).status, 404);
  assert.equal((await t.api('POST', `/api/v1/glucose/care-team/invitations/${sent.body.id}/accept`, { token: clinician.token, body: {} })).status, 403);
  const declined = await t.api('POST', `/api/v1/glucose/care-team/invitations/${sent.body.id}/decline`, { token: p.token, body: {} });
  assert.equal(declined.body.status, 'declined');
  assert.equal((await t.api('POST', `/api/v1/glucose/care-team/invitations/${sent.body.id}/accept`, { token: p.token, body: {} })).status, 404);
  assert.equal((await readings(clinician, p.id)).status, 404);
  const again = await invite(clinician, p.email);
  assert.equal((await t.api('DELETE', `/api/v1/glucose/care-team/invitations/${again.body.id}`, { token: clinician.token })).status, 204);
  assert.equal((await t.api('GET', '/api/v1/glucose/care-team/invitations', { token: p.token })).body.received.length, 0);
});

test('an admin links a member directly; the member must hold the role; the member may leave', async () => {
  const admin = await t.createUser(['admin']);
  const p = await t.createUser(['patient']);
  const clinician = await t.createUser(['clinician']);
  const wrongRole = await t.api('POST', `/api/v1/glucose/patients/${p.id}/care-team`, { token: admin.token, body: { memberId: clinician.id, relation: 'caregiver' } });
  assert.equal(wrongRole.status, 422);
  assert.equal(wrongRole.body.code, 'member_lacks_role');
  const linked = await t.api('POST', `/api/v1/glucose/patients/${p.id}/care-team`, { token: admin.token, body: { memberId: clinician.id, relation: 'clinician' } });
  assert.equal(linked.status, 201);
  assert.equal(linked.body.via, 'admin');
  assert.equal((await t.api('POST', `/api/v1/glucose/patients/${p.id}/care-team`, { token: admin.token, body: { memberId: clinician.id, relation: 'clinician' } })).status, 409);
  assert.equal((await readings(clinician, p.id)).status, 200);
  assert.equal((await t.api('POST', `/api/v1/glucose/patients/${p.id}/care-team`, { token: p.token, body: { memberId: clinician.id, relation: 'clinician' } })).status, 403);
  assert.equal((await t.api('DELETE', `/api/v1/glucose/patients/${p.id}/care-team/${linked.body.id}`, { token: clinician.token })).status, 204);
  assert.equal((await readings(clinician, p.id)).status, 404);
});

test('a link stops working when the member loses the role it was made for', async () => {
  const admin = await t.createUser(['admin']);
  const p = await t.createUser(['patient']);
  const caregiver = await t.createUser(['caregiver']);
  await t.api('POST', `/api/v1/glucose/patients/${p.id}/care-team`, { token: admin.token, body: { memberId: caregiver.id, relation: 'caregiver' } });
  assert.equal((await readings(caregiver, p.id)).status, 200);
  await t.db.db.deleteFrom('platform.user_roles').where('user_id', '=', caregiver.id).execute();
  await t.db.db.insertInto('platform.user_roles').values({ user_id: caregiver.id, role: 'clinician', granted_by: null }).execute();
  const relogin = await t.api('POST', '/api/v1/auth/login', { body: { email: caregiver.email, password: caregiver.password } });
  assert.equal((await readings({ ...caregiver, token: relogin.body.accessToken }, p.id)).status, 404);
});
