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
import { waitFor } from '../../platform/jobs/testing.js';
import { cgmSeries, link, minutesAgo, nightscoutUploader, startGlucoseApp } from './testing.js';

let t: TestApp;

interface World {
  victim: TestUser; attacker: TestUser; strangerCaregiver: TestUser; strangerClinician: TestUser; caregiver: TestUser; clinician: TestUser;
  readingId: string; linkId: string; invitationId: string; alertId: string; contactId: string;
  treatmentId: string; deviceStatusId: string; profileId: string; entryId: string;
  sensorId: string; predictionId: string;
  planId: string; doseId: string; stockId: string; insulinDoseId: string; mealId: string; activityId: string; reportJobId: string; neighbour: TestUser; neighbourReportJobId: string;
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
  // Glucose III: a sensor in pairing (the linked caregiver starts, calibrates and stops it) and the forecast of the live CGM upload
  const sensor = await t.api('POST', '/api/v1/glucose/patients/me/sensors', { token: victim.token, body: { model: 'dexcom_g7' } });
  const prediction = await t.db.db.selectFrom('glucose.predictions').select('id').where('patient_id', '=', victim.id).executeTakeFirstOrThrow();
  // Medications: an as-needed plan (read, changed, taken as needed, deleted last) and an interval plan with stock whose next dose is moved, taken and undone
  const made = async (path: string, body: unknown, token = victim.token) => {
    const res = await t.api('POST', `/api/v1/glucose/patients/me/${path}`, { token, body });
    assert.ok(res.status < 300, `${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const plan = await made('medication-plans', { name: 'Paracetamol', kind: 'oral', doseAmount: 1, doseUnit: 'tablet', schedule: { type: 'as_needed' }, startDate: yesterday });
  const scheduled = await made('medication-plans', {
    name: 'Metformin', kind: 'oral', doseAmount: 1, doseUnit: 'tablet', startDate: yesterday, stockTracking: true, initialStock: 30,
    schedule: { type: 'interval', firstDoseAt: new Date(Math.floor(Date.now() / 60_000) * 60_000 + 3_600_000).toISOString(), intervalHours: 12 },
  });
  const dose = await t.db.db.selectFrom('glucose.medication_doses').select('id').where('plan_id', '=', scheduled.id).where('status', '=', 'scheduled')
    .where('scheduled_at', '>', new Date()).orderBy('scheduled_at').executeTakeFirstOrThrow();
  const stock = await t.db.db.selectFrom('glucose.medication_stock').select('id').where('plan_id', '=', scheduled.id).executeTakeFirstOrThrow();
  const insulin = await made('insulin-doses', { units: 2, insulinKind: 'rapid', purpose: 'correction', administeredAt: minutesAgo(30) });
  // Nutrition and activity: a meal and a walk the linked caregiver corrects and deletes
  const meal = await made('meals', { carbsG: 40, name: 'Pasta', takenAt: minutesAgo(45) });
  const activity = await made('activities', { activityType: 'walking', startedAt: minutesAgo(300), endedAt: minutesAgo(270) });
  // Reports: an export of the victim and one of a third patient, whose own signed link must never open the victim's file
  // (not the attacker's: the Nightscout test below needs the attacker without readings)
  const neighbour = await t.createUser(['patient'], { displayName: 'Neighbour' });
  await made('readings', { value: 99, measuredAt: minutesAgo(60) }, neighbour.token);
  const report = await made('reports', reportBody());
  const neighbourReport = await made('reports', reportBody(), neighbour.token);
  w = {
    victim, attacker, strangerCaregiver, strangerClinician, caregiver, clinician,
    readingId: reading.body.id, linkId: links.find((l) => l.member_id === caregiver.id)!.id, invitationId: invitation.body.id,
    alertId: alert.id, contactId: contact.id, sensorId: sensor.body.id, predictionId: prediction.id,
    planId: plan.id, doseId: dose.id, stockId: stock.id, insulinDoseId: insulin.id, mealId: meal.id, activityId: activity.id,
    reportJobId: report.jobId, neighbour, neighbourReportJobId: neighbourReport.jobId,
    treatmentId: treatment.body[0]._id, deviceStatusId: status.body[0]._id, profileId: profile.body[0]._id, entryId: entries.body[0]._id,
    victimNs, attackerNs,
  };
});
after(async () => { await t.close(); });

type Verdict = 'allow' | 'forbid';
type Child = 'readingId' | 'linkId' | 'alertId' | 'contactId' | 'sensorId' | 'predictionId' | 'planId' | 'doseId' | 'stockId' | 'insulinDoseId' | 'mealId' | 'activityId';
/**
 * `child` fills the path's one placeholder besides {patientId} with a record of the victim; `params` fills a placeholder
 * that names no record (a date); `query` is appended to the path.
 */
interface PatientRoute { body?: unknown; child?: Child; params?: Record<string, () => string>; query?: string; caregiver: Verdict; clinician: Verdict }

function reportBody() {
  return { kind: 'export', format: 'csv', include: ['readings'], from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date().toISOString() };
}

const bodies = {
  reading: () => ({ value: 120, measuredAt: minutesAgo(Math.floor(Math.random() * 10_000) + 1000) }),
  bulk: () => ({ source: 'meter', readings: [{ measuredAt: minutesAgo(5000), value: 100 }] }),
  plan: () => ({ name: 'Ibuprofen', kind: 'oral', doseAmount: 1, doseUnit: 'tablet', schedule: { type: 'as_needed' }, startDate: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10) }),
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
  // Glucose II: analytics (read for everyone with access)
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
  // Glucose III, in lifecycle order on one sensor: the linked caregiver starts it, reports its battery, calibrates it, stops it last
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
  // Glucose III: dashboard summary, reports (requested and listed by everyone with access)
  'GET /api/v1/glucose/patients/{patientId}/dashboard/summary': { caregiver: 'allow', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/reports': { body: reportBody, caregiver: 'allow', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/reports': { caregiver: 'allow', clinician: 'allow' },
  // Medications: plans R for a caregiver, R W for a clinician; intake, reschedule and stock W for a caregiver, not a clinician.
  // The as-needed plan is read, changed and taken before the linked clinician deletes it; the interval plan's next dose is moved, taken, then undone.
  'GET /api/v1/glucose/patients/{patientId}/medication-plans': { caregiver: 'allow', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/medication-plans': { body: bodies.plan, caregiver: 'forbid', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/medication-plans/{planId}': { child: 'planId', caregiver: 'allow', clinician: 'allow' },
  'PATCH /api/v1/glucose/patients/{patientId}/medication-plans/{planId}': { child: 'planId', body: { instructions: 'With water' }, caregiver: 'forbid', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/medication-plans/{planId}/intakes': { child: 'planId', body: {}, caregiver: 'allow', clinician: 'forbid' },
  'DELETE /api/v1/glucose/patients/{patientId}/medication-plans/{planId}': { child: 'planId', caregiver: 'forbid', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/medication-doses': { caregiver: 'allow', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/medication-doses/{doseId}/reschedule': { child: 'doseId', body: { delayMinutes: 15 }, caregiver: 'allow', clinician: 'forbid' },
  'POST /api/v1/glucose/patients/{patientId}/medication-doses/{doseId}/intake': { child: 'doseId', body: { status: 'taken' }, caregiver: 'allow', clinician: 'forbid' },
  'DELETE /api/v1/glucose/patients/{patientId}/medication-doses/{doseId}/intake': { child: 'doseId', caregiver: 'allow', clinician: 'forbid' },
  'GET /api/v1/glucose/patients/{patientId}/medications/adherence': { caregiver: 'allow', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/medications/stock': { caregiver: 'allow', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/medications/stock/{stockId}/adjustments': { child: 'stockId', body: { delta: 10, reason: 'refill' }, caregiver: 'allow', clinician: 'forbid' },
  // Insulin doses, meals, hydration, activity, steps: R W for a caregiver, R for a clinician; goals: R for a caregiver, R W for a clinician
  'GET /api/v1/glucose/patients/{patientId}/insulin-doses': { caregiver: 'allow', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/insulin-doses': { body: { units: 1, insulinKind: 'rapid', purpose: 'correction' }, caregiver: 'allow', clinician: 'forbid' },
  'DELETE /api/v1/glucose/patients/{patientId}/insulin-doses/{doseId}': { child: 'insulinDoseId', caregiver: 'allow', clinician: 'forbid' },
  'GET /api/v1/glucose/patients/{patientId}/meals': { caregiver: 'allow', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/meals': { body: () => ({ carbsG: 15, name: 'Apple', takenAt: minutesAgo(20) }), caregiver: 'allow', clinician: 'forbid' },
  'GET /api/v1/glucose/patients/{patientId}/meals/{mealId}': { child: 'mealId', caregiver: 'allow', clinician: 'allow' },
  'PATCH /api/v1/glucose/patients/{patientId}/meals/{mealId}': { child: 'mealId', body: { notes: 'Whole grain' }, caregiver: 'allow', clinician: 'forbid' },
  'DELETE /api/v1/glucose/patients/{patientId}/meals/{mealId}': { child: 'mealId', caregiver: 'allow', clinician: 'forbid' },
  'POST /api/v1/glucose/patients/{patientId}/hydration': { body: { glasses: 1 }, caregiver: 'allow', clinician: 'forbid' },
  'GET /api/v1/glucose/patients/{patientId}/nutrition/daily': { caregiver: 'allow', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/goals': { caregiver: 'allow', clinician: 'allow' },
  'PUT /api/v1/glucose/patients/{patientId}/goals': { body: { caloriesKcal: 1900, hydrationGlasses: 8, steps: 9000, activeMinutes: 30 }, caregiver: 'forbid', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/activities': { caregiver: 'allow', clinician: 'allow' },
  'POST /api/v1/glucose/patients/{patientId}/activities': { body: () => ({ activityType: 'cycling', startedAt: minutesAgo(200), endedAt: minutesAgo(170) }), caregiver: 'allow', clinician: 'forbid' },
  'PATCH /api/v1/glucose/patients/{patientId}/activities/{activityId}': { child: 'activityId', body: { notes: 'Brisk' }, caregiver: 'allow', clinician: 'forbid' },
  'DELETE /api/v1/glucose/patients/{patientId}/activities/{activityId}': { child: 'activityId', caregiver: 'allow', clinician: 'forbid' },
  'PUT /api/v1/glucose/patients/{patientId}/steps/{localDate}': { params: { localDate: () => new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10) }, body: { steps: 4000, source: 'phone' }, caregiver: 'allow', clinician: 'forbid' },
  'GET /api/v1/glucose/patients/{patientId}/activity/daily': { caregiver: 'allow', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/recommendations/nutrition': { query: '?glucoseState=in_range', caregiver: 'allow', clinician: 'allow' },
  'GET /api/v1/glucose/patients/{patientId}/recommendations/activity': { query: '?glucoseMgdl=140', caregiver: 'allow', clinician: 'allow' },
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
  'GET /api/v1/glucose/reports/{jobId}',
  'GET /api/v1/glucose/reports/{jobId}/download',
  'GET /api/v1/glucose/widgets',
  'GET /api/v1/glucose/me/dashboard/layout',
  'PUT /api/v1/glucose/me/dashboard/layout',
  'GET /api/v1/glucose/food-items',
  'POST /api/v1/glucose/food-items',
  'PUT /api/v1/glucose/food-items/{itemId}',
  'DELETE /api/v1/glucose/food-items/{itemId}',
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

const call = (user: TestUser, route: string, patientId: string, spec: PatientRoute) => {
  const [method, template] = route.split(' ');
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = name === 'patientId' ? patientId : spec.params?.[name] ? spec.params[name]() : spec.child ? w[spec.child] : undefined;
    if (!value) throw new Error(`${route}: nothing fills {${name}}`);
    return value;
  });
  const body = typeof spec.body === 'function' ? (spec.body as () => unknown)() : spec.body;
  return t.api(method, path + (spec.query ?? ''), { token: user.token, body: body ?? (method === 'GET' ? undefined : method === 'DELETE' ? undefined : {}) });
};

test('outside the caller\'s scope every patient route answers 404 patient_not_found', async () => {
  for (const [route, spec] of Object.entries(PATIENT_ROUTES)) {
    for (const outsider of [w.attacker, w.strangerCaregiver, w.strangerClinician]) {
      const res = await call(outsider, route, w.victim.id, spec);
      assert.equal(res.status, 404, `${route} as ${outsider.roles[0]}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'patient_not_found', route);
    }
  }
});

test('another patient\'s child records answer 404 from the caller\'s own record', async () => {
  for (const [route, spec] of Object.entries(PATIENT_ROUTES).filter(([, s]) => s.child)) {
    const res = await call(w.attacker, route, 'me', spec);
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
      const res = await call(w[relation], route, w.victim.id, spec);
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

test('report jobs: outsiders get 404 patient_not_found on the victim\'s job and never see it; a signed link opens only its own job', async () => {
  const poll = (user: TestUser, jobId: string) => t.api('GET', `/api/v1/glucose/reports/${jobId}`, { token: user.token });
  const ready = (user: TestUser, jobId: string) => waitFor(`report ${jobId} ready`, async () => {
    const res = await poll(user, jobId);
    return ['ready', 'failed'].includes(res.body.status) ? res.body : undefined;
  }, 60_000);
  const [victimJob, neighbourJob] = await Promise.all([ready(w.victim, w.reportJobId), ready(w.neighbour, w.neighbourReportJobId)]);
  assert.equal(victimJob.status, 'ready', JSON.stringify(victimJob.error));
  assert.equal(neighbourJob.status, 'ready', JSON.stringify(neighbourJob.error));
  for (const outsider of [w.attacker, w.neighbour, w.strangerCaregiver, w.strangerClinician]) {
    const res = await poll(outsider, w.reportJobId);
    assert.equal(res.status, 404, `${outsider.roles[0]}: ${res.status}`);
    assert.equal(res.body.code, 'patient_not_found');
    assert.equal(res.body.downloadUrl, undefined);
  }
  for (const other of [w.attacker, w.neighbour]) {
    assert.ok(!(await t.api('GET', '/api/v1/glucose/patients/me/reports', { token: other.token })).body.items.some((j: { jobId: string }) => j.jobId === w.reportJobId));
  }
  // the linked caregiver ended their own link in the matrix test above: only the linked clinician still has access
  assert.equal((await poll(w.clinician, w.reportJobId)).status, 200, 'a linked clinician polls the patient\'s job');
  assert.equal((await poll(w.caregiver, w.reportJobId)).status, 404, 'a caregiver whose link ended no longer does');
  const download = async (url: string) => (await fetch(`${t.url}${url}`)).status;
  assert.equal(await download(victimJob.downloadUrl), 200, 'the victim\'s own link works');
  assert.equal(await download(neighbourJob.downloadUrl), 200, 'the other patient\'s own link works');
  const forged = neighbourJob.downloadUrl.replace(w.neighbourReportJobId, w.reportJobId);
  assert.notEqual(forged, neighbourJob.downloadUrl);
  const res = await fetch(`${t.url}${forged}`);
  assert.equal(res.status, 403, 'another patient\'s valid signature does not open the victim\'s job');
  assert.equal(((await res.json()) as { code: string }).code, 'download_link_invalid');
  assert.equal(await download(`/api/v1/glucose/reports/${w.reportJobId}/download?expires=${Math.floor(Date.now() / 1000) + 3600}&sig=${'A'.repeat(43)}`), 403, 'a made-up signature');
  assert.equal(await download(`/api/v1/glucose/reports/${w.reportJobId}/download`), 400, 'no signature at all');
});

test('dashboard layout and widget catalog are the caller\'s own; the food catalog is read-only but for admins', async () => {
  const layoutOf = (user: TestUser) => t.api('GET', '/api/v1/glucose/me/dashboard/layout', { token: user.token });
  const mine = (await layoutOf(w.victim)).body;
  const saved = await t.api('PUT', '/api/v1/glucose/me/dashboard/layout', {
    token: w.victim.token, headers: { 'if-match': `"${mine.version}"` }, body: { layout: mine.layout.filter((i: { widgetId: string }) => i.widgetId !== 'next_medication') },
  });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  for (const other of [w.attacker, w.caregiver, w.clinician]) {
    const theirs = await layoutOf(other);
    assert.equal(theirs.body.isDefault, true, `${other.roles[0]} sees their own default layout, not the victim's`);
    assert.equal(theirs.body.version, 0);
  }
  const attackerLayout = (await layoutOf(w.attacker)).body;
  assert.equal((await t.api('PUT', '/api/v1/glucose/me/dashboard/layout', { token: w.attacker.token, headers: { 'if-match': '"0"' }, body: { layout: attackerLayout.layout } })).status, 200);
  const after = (await layoutOf(w.victim)).body;
  assert.deepEqual([after.version, after.layout], [saved.body.version, saved.body.layout], 'the attacker\'s save did not touch the victim\'s layout');
  const widgets = async (user: TestUser) => (await t.api('GET', '/api/v1/glucose/widgets', { token: user.token })).body.items.map((i: { widgetId: string }) => i.widgetId) as string[];
  assert.ok(!(await widgets(w.attacker)).includes('patients_overview'), 'the catalog is filtered by the caller\'s role');
  assert.ok((await widgets(w.clinician)).includes('patients_overview'));
  assert.ok(!(await widgets(w.clinician)).includes('next_medication'));
  const items = (await t.api('GET', '/api/v1/glucose/food-items', { token: w.attacker.token })).body.items as { id: string }[];
  const itemId = items[0]?.id ?? '0192f3a0-8c00-7a1e-9d2f-3b1c5e6a7f80';
  const food = { name: 'X', category: 'snack', portionLabel: '1', carbsG: 1, proteinG: 0, fatG: 0, caloriesKcal: 4, giCategory: 'low', fastActing: false };
  for (const user of [w.attacker, w.caregiver, w.clinician]) {
    assert.equal((await t.api('GET', '/api/v1/glucose/food-items', { token: user.token })).status, 200);
    assert.equal((await t.api('POST', '/api/v1/glucose/food-items', { token: user.token, body: food })).status, 403, `POST as ${user.roles[0]}`);
    assert.equal((await t.api('PUT', `/api/v1/glucose/food-items/${itemId}`, { token: user.token, body: food })).status, 403, `PUT as ${user.roles[0]}`);
    assert.equal((await t.api('DELETE', `/api/v1/glucose/food-items/${itemId}`, { token: user.token })).status, 403, `DELETE as ${user.roles[0]}`);
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
