/**
 * Access on every glucose route (§2): the table below names each route of the module and of its Nightscout paths;
 * a route that is not in the table fails the first test, so a new route cannot skip this check. For each
 * patient-scoped route, another patient, an unlinked caregiver and an unlinked clinician get 404
 * `patient_not_found` on the victim's id; on their own id with the victim's child record, 404 too. Linked
 * caregivers and clinicians get what the access matrix gives them (allowed, or 403).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp, TestUser } from '../../../test/helpers/app.js';
import { cgmSeries, link, minutesAgo, nightscoutUploader, startGlucoseApp } from './testing.js';

let t: TestApp;

interface World {
  victim: TestUser; attacker: TestUser; strangerCaregiver: TestUser; strangerClinician: TestUser; caregiver: TestUser; clinician: TestUser;
  readingId: string; linkId: string; invitationId: string; alertId: string; contactId: string;
  treatmentId: string; deviceStatusId: string; profileId: string; entryId: string;
  sensorId: string; predictionId: string;
  victimNs: Awaited<ReturnType<typeof nightscoutUploader>>; attackerNs: Awaited<ReturnType<typeof nightscoutUploader>>;
}
let w: World;

before(async () => {
  t = await startGlucoseApp();
  const victim = await t.createUser(['patient'], { displayName: 'Victim' });
  const attacker = await t.createUser(['patient'], { displayName: 'Attacker' });
  const [strangerCaregiver, strangerClinician, caregiver, clinician, inviter] = await Promise.all([
    t.createUser(['caregiver']), t.createUser(['clinician']), t.createUser(['caregiver']), t.createUser(['clinician']), t.createUser(['clinician']),
  ]);
  await link(t, victim, caregiver);
  await link(t, victim, clinician);
  const links = await t.db.db.selectFrom('glucose.care_links').select(['id', 'member_id']).where('patient_id', '=', victim.id).execute();
  const reading = await t.api('POST', '/api/v1/glucose/patients/me/readings', { token: victim.token, body: { value: 101, measuredAt: minutesAgo(200) } });
  await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: victim.token, body: { source: 'cgm', readings: cgmSeries(6, (i) => 100 + i) } });
  const invitation = await t.api('POST', '/api/v1/glucose/care-team/invitations', { token: inviter.token, body: { patientEmail: victim.email } });
  const victimNs = await nightscoutUploader(t, victim);
  const attackerNs = await nightscoutUploader(t, attacker);
  const treatment = await victimNs.call('POST', '/api/v1/treatments', { eventType: 'Note', notes: 'private', created_at: minutesAgo(10) });
  const status = await victimNs.call('POST', '/api/v1/devicestatus', { device: 'phone', created_at: minutesAgo(9), uploaderBattery: 90 });
  const profile = await victimNs.call('POST', '/api/v1/profile', { defaultProfile: 'P', startDate: minutesAgo(8), store: { P: { dia: 5 } } });
  const entries = await victimNs.call('GET', '/api/v1/entries/sgv.json?count=1');
  const alert = await t.db.db.insertInto('glucose.alerts').values({ patient_id: victim.id, family: 'low', type: 'low', severity: 'warning', triggered_at: new Date(), trigger_value: 65, last_value: 65 })
    .returning('id').executeTakeFirstOrThrow();
  const contact = await t.db.db.insertInto('glucose.emergency_contacts').values({ patient_id: victim.id, name: 'Paul', phone_e164: '+33612345678' }).returning('id').executeTakeFirstOrThrow();
  // Glucose III B: a sensor in pairing (the linked caregiver starts, calibrates and stops it) and the forecast of the live CGM upload
  const sensor = await t.api('POST', '/api/v1/glucose/patients/me/sensors', { token: victim.token, body: { model: 'dexcom_g7' } });
  const prediction = await t.db.db.selectFrom('glucose.predictions').select('id').where('patient_id', '=', victim.id).executeTakeFirstOrThrow();
  w = {
    victim, attacker, strangerCaregiver, strangerClinician, caregiver, clinician,
    readingId: reading.body.id, linkId: links.find((l) => l.member_id === caregiver.id)!.id, invitationId: invitation.body.id,
    alertId: alert.id, contactId: contact.id, sensorId: sensor.body.id, predictionId: prediction.id,
    treatmentId: treatment.body[0]._id, deviceStatusId: status.body[0]._id, profileId: profile.body[0]._id, entryId: entries.body[0]._id,
    victimNs, attackerNs,
  };
});
after(async () => { await t.close(); });

type Verdict = 'allow' | 'forbid';
interface PatientRoute { body?: unknown; child?: 'readingId' | 'linkId' | 'alertId' | 'contactId' | 'sensorId' | 'predictionId'; caregiver: Verdict; clinician: Verdict }

const bodies = {
  reading: () => ({ value: 120, measuredAt: minutesAgo(Math.floor(Math.random() * 10_000) + 1000) }),
  bulk: () => ({ source: 'meter', readings: [{ measuredAt: minutesAgo(5000), value: 100 }] }),
};

/** Every patient-scoped route of the module, with what a linked caregiver and clinician may do there. */
const PATIENT_ROUTES: Record<string, PatientRoute> = {
  'GET /api/v1/glucose/patients/{patientId}/care-team': { caregiver: 'forbid', clinician: 'forbid' },
  'POST /api/v1/glucose/patients/{patientId}/care-team': { body: { memberId: '0192f3a0-8c00-7a1e-9d2f-3b1c5e6a7f80', relation: 'caregiver' }, caregiver: 'forbid', clinician: 'forbid' },
  'DELETE /api/v1/glucose/patients/{patientId}/care-team/{linkId}': { child: 'linkId', caregiver: 'allow', clinician: 'forbid' },
  'GET /api/v1/glucose/patients/{patientId}/settings': { caregiver: 'allow', clinician: 'allow' },
  'PATCH /api/v1/glucose/patients/{patientId}/settings': { body: { diabetesType: 't1' }, caregiver: 'forbid', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/readings': { body: bodies.reading, caregiver: 'allow', clinician: 'forbid' },
  'POST /api/v1/glucose/patients/{patientId}/readings/bulk': { body: bodies.bulk, caregiver: 'forbid', clinician: 'forbid' },
  'GET /api/v1/glucose/patients/{patientId}/readings/current': { caregiver: 'allow', clinician: 'allow' },
  // Glucose II A: analytics (read for everyone with access)
  'GET /api/v1/glucose/patients/{patientId}/analytics/metrics': { caregiver: 'allow', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/analytics/agp': { caregiver: 'allow', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/analytics/episodes': { caregiver: 'allow', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/analytics/aggregates': { caregiver: 'allow', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/analytics/insights': { caregiver: 'allow', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/readings': { caregiver: 'allow', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/readings/{readingId}': { child: 'readingId', caregiver: 'allow', clinician: 'allow' },
  // A caregiver reaches the route but may delete only entries they made: this one is the patient's (403 not_your_entry).
  'DELETE /api/v1/glucose/patients/{patientId}/readings/{readingId}': { child: 'readingId', caregiver: 'forbid', clinician: 'forbid' },
  'GET /api/v1/glucose/patients/{patientId}/upload-credentials': { caregiver: 'forbid', clinician: 'forbid' },
  'POST /api/v1/glucose/patients/{patientId}/upload-credentials': { body: {}, caregiver: 'forbid', clinician: 'forbid' },
  'DELETE /api/v1/glucose/patients/{patientId}/upload-credentials': { caregiver: 'forbid', clinician: 'forbid' },
  'POST /api/v1/glucose/patients/{patientId}/upload-credentials/access-token': { body: {}, caregiver: 'forbid', clinician: 'forbid' },
  'DELETE /api/v1/glucose/patients/{patientId}/upload-credentials/access-token': { caregiver: 'forbid', clinician: 'forbid' },
  'GET /api/v1/glucose/patients/{patientId}/alert-settings': { caregiver: 'allow', clinician: 'allow' },
  'PUT /api/v1/glucose/patients/{patientId}/alert-settings': { body: { hysteresisMgdl: 5 }, caregiver: 'allow', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/alerts/{alertId}': { child: 'alertId', caregiver: 'allow', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/quick-actions': { body: { action: 'already_treated' }, caregiver: 'allow', clinician: 'forbid' },
  'GET /api/v1/glucose/patients/{patientId}/emergency-contacts': { caregiver: 'allow', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/emergency-contacts': { body: { name: 'X', phoneE164: '+33600000000' }, caregiver: 'forbid', clinician: 'forbid' },
  'PATCH /api/v1/glucose/patients/{patientId}/emergency-contacts/{contactId}': { child: 'contactId', body: { priority: 2 }, caregiver: 'forbid', clinician: 'forbid' },
  'DELETE /api/v1/glucose/patients/{patientId}/emergency-contacts/{contactId}': { child: 'contactId', caregiver: 'forbid', clinician: 'forbid' },
  // Glucose III B, in lifecycle order on one sensor: the linked caregiver starts it, reports its battery, calibrates it, stops it last
  'GET /api/v1/glucose/patients/{patientId}/sensors': { caregiver: 'allow', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/sensors': { body: { model: 'libre_3' }, caregiver: 'allow', clinician: 'forbid' },
  'POST /api/v1/glucose/patients/{patientId}/sensors/{sensorId}/start': { child: 'sensorId', body: () => ({ startedAt: minutesAgo(60) }), caregiver: 'allow', clinician: 'forbid' },
  'PATCH /api/v1/glucose/patients/{patientId}/sensors/{sensorId}': { child: 'sensorId', body: { batteryPct: 80 }, caregiver: 'allow', clinician: 'forbid' },
  'GET /api/v1/glucose/patients/{patientId}/sensors/{sensorId}/calibrations': { child: 'sensorId', caregiver: 'allow', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/sensors/{sensorId}/calibrations': { child: 'sensorId', body: { referenceValue: 104 }, caregiver: 'allow', clinician: 'forbid' },
  'POST /api/v1/glucose/patients/{patientId}/sensors/{sensorId}/diagnostics': { child: 'sensorId', caregiver: 'allow', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/sensors/{sensorId}/stop': { child: 'sensorId', body: { reason: 'removed' }, caregiver: 'allow', clinician: 'forbid' },
  'GET /api/v1/glucose/patients/{patientId}/predictions/current': { caregiver: 'allow', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/predictions': { caregiver: 'allow', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/predictions/accuracy': { caregiver: 'allow', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/predictions/{predictionId}/feedback': { child: 'predictionId', body: { outcome: 'accurate', userAction: 'none' }, caregiver: 'allow', clinician: 'forbid' },
};

/** Routes of the module that name no patient: each is checked by its own test below. */
const SELF_ROUTES = [
  'GET /api/v1/glucose/patients',
  'POST /api/v1/glucose/care-team/invitations',
  'GET /api/v1/glucose/care-team/invitations',
  'POST /api/v1/glucose/care-team/invitations/{invitationId}/accept',
  'POST /api/v1/glucose/care-team/invitations/{invitationId}/decline',
  'DELETE /api/v1/glucose/care-team/invitations/{invitationId}',
  'GET /api/v1/glucose/alerts',
  'POST /api/v1/glucose/alerts/{alertId}/acknowledge',
  'POST /api/v1/glucose/alerts/{alertId}/snooze',
  'POST /api/v1/glucose/alerts/{alertId}/close',
  'GET /api/v1/glucose/me/alert-subscriptions',
  'PUT /api/v1/glucose/me/alert-subscriptions',
  'GET /api/v1/glucose/device-models',
];

/** Nightscout routes: the patient comes from the credential, so the check is that another patient's never reaches the victim's records. */
const NIGHTSCOUT_ROUTES = [
  'GET /api/v1/status', 'GET /api/v1/status.json', 'GET /api/v1/experiments/test', 'GET /api/v1/verifyauth',
  ...['', '.json', '.tsv', '.csv', '.txt'].flatMap((ext) => ['/api/v1/entries', '/api/v1/entries/sgv', '/api/v1/entries/mbg', '/api/v1/entries/current'].map((p) => `GET ${p}${ext}`)),
  'POST /api/v1/entries', 'POST /api/v1/entries.json',
  'GET /api/v1/treatments', 'GET /api/v1/treatments.json', 'POST /api/v1/treatments', 'POST /api/v1/treatments.json', 'PUT /api/v1/treatments', 'PUT /api/v1/treatments.json', 'DELETE /api/v1/treatments/{id}',
  'GET /api/v1/devicestatus', 'GET /api/v1/devicestatus.json', 'POST /api/v1/devicestatus', 'POST /api/v1/devicestatus.json', 'DELETE /api/v1/devicestatus/{id}',
  'GET /api/v1/profile', 'GET /api/v1/profile.json', 'POST /api/v1/profile', 'POST /api/v1/profile.json', 'PUT /api/v1/profile', 'PUT /api/v1/profile.json',
  'GET /api/v1/profile/current', 'GET /api/v1/profile/current.json', 'DELETE /api/v1/profile/{id}',
  'GET /api/v2/authorization/request/{accessToken}', 'GET /api/v3/version', 'GET /api/v3/status', 'GET /api/v3/lastModified', 'GET /api/v3/food',
  'GET /api/v3/{collection}', 'POST /api/v3/{collection}', 'GET /api/v3/{collection}/history/{lastModified}',
  'GET /api/v3/{collection}/{identifier}', 'PUT /api/v3/{collection}/{identifier}', 'PATCH /api/v3/{collection}/{identifier}', 'DELETE /api/v3/{collection}/{identifier}',
];

const isNightscoutPath = (path: string) => /^\/api\/v1\/(status|experiments|verifyauth|entries|treatments|devicestatus|profile)\b|^\/api\/v[23]\//.test(path);

test('every glucose and Nightscout route is in the access table', async () => {
  const spec = (await t.api('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  const routes = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).filter((m) => m !== 'parameters').map((m) => `${m.toUpperCase()} ${path}`));
  const mine = routes.filter((r) => r.split(' ')[1].startsWith('/api/v1/glucose/') || isNightscoutPath(r.split(' ')[1]));
  const known = new Set([...Object.keys(PATIENT_ROUTES), ...SELF_ROUTES, ...NIGHTSCOUT_ROUTES]);
  assert.deepEqual(mine.filter((r) => !known.has(r)), [], 'routes missing from the access table');
  assert.deepEqual([...known].filter((r) => !mine.includes(r)), [], 'table entries without a route');
});

const call = (user: TestUser, route: string, params: Record<string, string>, spec: PatientRoute) => {
  const [method, template] = route.split(' ');
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => params[name]);
  const body = typeof spec.body === 'function' ? (spec.body as () => unknown)() : spec.body;
  return t.api(method, path, { token: user.token, body: body ?? (method === 'GET' ? undefined : method === 'DELETE' ? undefined : {}) });
};

test('outside the caller\'s scope every patient route answers 404 patient_not_found', async () => {
  for (const [route, spec] of Object.entries(PATIENT_ROUTES)) {
    for (const outsider of [w.attacker, w.strangerCaregiver, w.strangerClinician]) {
      const res = await call(outsider, route, { patientId: w.victim.id, readingId: w.readingId, linkId: w.linkId, alertId: w.alertId, contactId: w.contactId, sensorId: w.sensorId, predictionId: w.predictionId }, spec);
      assert.equal(res.status, 404, `${route} as ${outsider.roles[0]}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'patient_not_found', route);
    }
  }
});

test('another patient\'s child records answer 404 from the caller\'s own record', async () => {
  for (const [route, spec] of Object.entries(PATIENT_ROUTES).filter(([, s]) => s.child)) {
    const res = await call(w.attacker, route, { patientId: 'me', readingId: w.readingId, linkId: w.linkId, alertId: w.alertId, contactId: w.contactId, sensorId: w.sensorId, predictionId: w.predictionId }, spec);
    assert.equal(res.status, 404, `${route}: ${res.status} ${JSON.stringify(res.body)}`);
    assert.notEqual(res.body.code, 'patient_not_found');
  }
  const still = await t.api('GET', `/api/v1/glucose/patients/me/readings/${w.readingId}`, { token: w.victim.token });
  assert.equal(still.status, 200);
});

test('linked caregivers and clinicians get what the access matrix gives them', async () => {
  // The caregiver's own link is ended last: until then they must keep access for the other checks.
  const ordered = Object.entries(PATIENT_ROUTES).sort(([a], [b]) => Number(a.includes('care-team/{linkId}')) - Number(b.includes('care-team/{linkId}')));
  for (const [route, spec] of ordered) {
    for (const relation of ['clinician', 'caregiver'] as const) {
      const res = await call(w[relation], route, { patientId: w.victim.id, readingId: w.readingId, linkId: w.linkId, alertId: w.alertId, contactId: w.contactId, sensorId: w.sensorId, predictionId: w.predictionId }, spec);
      if (spec[relation] === 'forbid') assert.equal(res.status, 403, `${route} as linked ${relation}: ${res.status} ${JSON.stringify(res.body)}`);
      else assert.ok(res.status < 400, `${route} as linked ${relation}: ${res.status} ${JSON.stringify(res.body)}`);
    }
  }
});

test('routes without a patient in the path only ever show the caller\'s own data', async () => {
  const list = await t.api('GET', '/api/v1/glucose/patients', { token: w.attacker.token });
  assert.deepEqual(list.body.items.map((i: { patientId: string }) => i.patientId), [w.attacker.id]);
  const strangers = await t.api('GET', '/api/v1/glucose/patients', { token: w.strangerCaregiver.token });
  assert.deepEqual(strangers.body.items, []);
  const inbox = await t.api('GET', '/api/v1/glucose/care-team/invitations', { token: w.attacker.token });
  assert.deepEqual(inbox.body, { received: [], sent: [] });
  for (const answer of ['accept', 'decline']) {
    const res = await t.api('POST', `/api/v1/glucose/care-team/invitations/${w.invitationId}/${answer}`, { token: w.attacker.token, body: {} });
    assert.equal(res.status, 404, answer);
  }
  assert.equal((await t.api('DELETE', `/api/v1/glucose/care-team/invitations/${w.invitationId}`, { token: w.strangerClinician.token })).status, 404);
  const invite = await t.api('POST', '/api/v1/glucose/care-team/invitations', { token: w.strangerCaregiver.token, body: { patientEmail: w.victim.email } });
  assert.equal(invite.status, 201);
  assert.equal((await t.api('GET', `/api/v1/glucose/patients/${w.victim.id}/readings`, { token: w.strangerCaregiver.token })).status, 404, 'asking gives no access');
});

test('alert routes without a patient in the path: outsiders get 404 patient_not_found for the victim\'s alert and see none', async () => {
  for (const outsider of [w.attacker, w.strangerCaregiver, w.strangerClinician]) {
    assert.deepEqual((await t.api('GET', '/api/v1/glucose/alerts', { token: outsider.token })).body.items, []);
    assert.equal((await t.api('GET', `/api/v1/glucose/alerts?patientId=${w.victim.id}`, { token: outsider.token })).status, 404);
    for (const [action, body] of [['acknowledge', {}], ['snooze', { minutes: 10 }], ['close', { reason: 'none of mine' }]] as const) {
      const res = await t.api('POST', `/api/v1/glucose/alerts/${w.alertId}/${action}`, { token: outsider.token, body });
      assert.equal(res.status, 404, `${action}: ${res.status}`);
      assert.equal(res.body.code, 'patient_not_found');
    }
    assert.equal((await t.api('PUT', '/api/v1/glucose/me/alert-subscriptions', { token: outsider.token, body: [{ patientId: w.victim.id, level: 'all' }] })).status, 404);
    assert.ok(!(await t.api('GET', '/api/v1/glucose/me/alert-subscriptions', { token: outsider.token })).body.some((s: { patientId: string }) => s.patientId === w.victim.id));
  }
});

test('another patient\'s uploader credential never reaches the victim\'s Nightscout records', async () => {
  const ns = w.attackerNs;
  const victimBefore = (await w.victimNs.call('GET', '/api/v1/entries.json?count=100')).body;
  for (const path of ['/api/v1/entries.json', '/api/v1/entries/sgv.json', '/api/v1/entries/mbg.json', '/api/v1/entries/current.json', '/api/v1/treatments.json',
    '/api/v1/devicestatus.json', `/api/v1/entries.json?find[date][$gte]=${Date.now() - 86_400_000}`]) {
    const res = await ns.call('GET', path);
    assert.deepEqual(res.body, [], path);
  }
  for (const ext of ['.tsv', '.csv', '.txt']) assert.equal((await ns.call('GET', `/api/v1/entries${ext}`)).body, '', ext);
  const profile = await ns.call('GET', '/api/v1/profile.json');
  assert.equal(profile.body[0].defaultProfile, 'Atrium', 'the attacker sees only their own synthesised profile');
  assert.equal((await ns.call('GET', '/api/v1/profile/current.json')).body.defaultProfile, 'Atrium');
  assert.equal((await ns.call('DELETE', `/api/v1/treatments/${w.treatmentId}`)).status, 404);
  assert.equal((await ns.call('DELETE', `/api/v1/devicestatus/${w.deviceStatusId}`)).status, 404);
  assert.equal((await ns.call('DELETE', `/api/v1/profile/${w.profileId}`)).status, 404);
  const status = await ns.call('GET', '/api/v1/status.json');
  assert.equal(status.body.authorized, true);

  const token = (await t.api('POST', '/api/v1/glucose/patients/me/upload-credentials/access-token', { token: w.attacker.token, body: {} })).body.accessToken;
  const jwt = (await t.api('GET', `/api/v2/authorization/request/${token}`)).body.token;
  const v3 = (method: string, path: string, body?: unknown) => t.api(method, path, { headers: { authorization: `Bearer ${jwt}` }, body });
  for (const [collection, id] of [['entries', w.entryId], ['treatments', w.treatmentId], ['devicestatus', w.deviceStatusId], ['profile', w.profileId]]) {
    assert.equal((await v3('GET', `/api/v3/${collection}/${id}`)).status, 404, `GET ${collection}`);
    assert.equal((await v3('PATCH', `/api/v3/${collection}/${id}`, { notes: 'x' })).status, 404, `PATCH ${collection}`);
    assert.equal((await v3('DELETE', `/api/v3/${collection}/${id}`)).status, 404, `DELETE ${collection}`);
    assert.deepEqual((await v3('GET', `/api/v3/${collection}`)).body.result, [], `search ${collection}`);
    assert.deepEqual((await v3('GET', `/api/v3/${collection}/history/0`)).body.result, [], `history ${collection}`);
  }
  await v3('PUT', `/api/v3/treatments/${w.treatmentId}`, { eventType: 'Note', notes: 'overwritten?', date: Date.now(), app: 'x' });
  const victimView = await w.victimNs.call('GET', '/api/v1/treatments.json');
  assert.equal(victimView.body[0].notes, 'private', 'a PUT with the victim\'s identifier makes a record of the attacker, never touches the victim\'s');
  assert.deepEqual((await v3('GET', '/api/v3/lastModified')).body.result.collections.entries, undefined);
  assert.equal((await v3('GET', '/api/v3/food')).status, 200);
  assert.equal((await v3('GET', '/api/v3/version')).status, 200);
  assert.equal((await v3('GET', '/api/v3/status')).status, 200);
  assert.equal((await t.api('GET', '/api/v1/experiments/test', { headers: { 'api-secret': 'f'.repeat(40) } })).status, 401);
  assert.equal((await t.api('GET', '/api/v1/verifyauth')).body.message.message, 'UNAUTHORIZED');
  for (const [method, path] of [['POST', '/api/v1/entries'], ['POST', '/api/v1/treatments'], ['PUT', '/api/v1/treatments'], ['POST', '/api/v1/devicestatus'], ['POST', '/api/v1/profile'], ['PUT', '/api/v1/profile'], ['POST', '/api/v3/entries']]) {
    assert.equal((await t.api(method, path, { body: {} })).status, 401, `${method} ${path} without a credential`);
  }
  const victimAfter = (await w.victimNs.call('GET', '/api/v1/entries.json?count=100')).body;
  assert.deepEqual(victimAfter, victimBefore, 'nothing the attacker did changed the victim\'s entries');
});
