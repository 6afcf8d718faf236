import type { TestApp, TestUser } from '../helpers/app.js';
import { demoTrace } from '../../src/modules/glucose/seed/trace.js';

export interface GlucoseFamily { patient: TestUser; caregiver: TestUser; clinician: TestUser }

/**
 * A demo-like family, as the seed makes it but through the API: Léa (patient, Europe/Paris) with the last
 * `hours` of 5-minute CGM readings uploaded in one batch, Paul (caregiver) and Dr Dubois (clinician) linked to her.
 */
export async function glucoseFamily(server: TestApp, { hours = 24, caregiverUnit = 'mg/dL' }: { hours?: number; caregiverUnit?: 'mg/dL' | 'mmol/L' } = {}): Promise<GlucoseFamily> {
  const patient = await server.createUser(['patient'], { email: 'lea@example.test', displayName: 'Léa Martin' });
  const caregiver = await server.createUser(['caregiver'], { email: 'paul@example.test', displayName: 'Paul Martin' });
  const clinician = await server.createUser(['clinician'], { email: 'claire@example.test', displayName: 'Dr Claire Dubois' });
  await server.db.db.updateTable('platform.users').set({ time_zone: 'Europe/Paris' }).where('id', 'in', [patient.id, caregiver.id, clinician.id]).execute();
  await server.db.db.updateTable('platform.users').set({ glucose_unit: caregiverUnit }).where('id', '=', caregiver.id).execute();
  for (const [member, relation] of [[caregiver, 'caregiver'], [clinician, 'clinician']] as const) {
    await server.db.db.insertInto('glucose.care_links').values({ patient_id: patient.id, member_id: member.id, relation, via: 'admin', created_by: null }).execute();
  }
  // The newest point is 3 minutes old, so a reading posted now is the latest.
  const now = Date.now() - 3 * 60_000;
  const trace = demoTrace(now, Math.ceil(hours / 24), 'Europe/Paris').filter((p) => p.t > now - hours * 3_600_000);
  const upload = await server.api('POST', `/api/v1/glucose/patients/${patient.id}/readings/bulk`, {
    token: patient.token,
    body: { source: 'cgm', device: 'Dexcom G7 (test)', readings: trace.map((p) => ({ measuredAt: new Date(p.t).toISOString(), value: p.v })) },
  });
  if (upload.status !== 200 || upload.body.inserted === 0) throw new Error(`CGM upload failed: ${upload.status} ${JSON.stringify(upload.body)}`);
  return { patient, caregiver, clinician };
}

/** Resolves once `userId` has subscribed to the patient's topic (the subscription is audited), so events sent next reach the page. */
export async function subscribed(server: TestApp, userId: string, topic: 'glucose.readings' | 'glucose.alerts', patientId: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const row = await server.db.db.selectFrom('platform.audit_events').select('id')
      .where('actor_id', '=', userId).where('action', '=', `${topic}.subscribed`).where('entity_id', '=', patientId).executeTakeFirst();
    if (row) return;
    if (Date.now() > deadline) throw new Error(`${userId} never subscribed to ${topic}:${patientId}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
