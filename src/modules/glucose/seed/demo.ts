import type { ModuleContext } from '../../../platform/types.js';
import { hashPassword } from '../../../platform/auth/passwords.js';
import { servicesOf } from '../routes.js';
import { ingestBatch } from '../readings/batch.js';
import { ingestTransaction, storeReadings } from '../readings/store.js';
import type { IncomingReading } from '../readings/plan.js';
import { demoTrace } from './trace.js';
import { zoneOffsetMinutes } from '../patients/zone.js';
import { seedCareLogs } from '../nutrition/seed.js';

/** Demo accounts, printed in docs/glucose.md (the web app shows them on its sign-in page). */
export const DEMO_ACCOUNTS = {
  patient: { email: 'lea.martin@demo.atrium.local', password: 'demo-patient-2025', displayName: 'Léa Martin', role: 'patient' },
  caregiver: { email: 'paul.martin@demo.atrium.local', password: 'demo-caregiver-2025', displayName: 'Paul Martin', role: 'caregiver' },
  clinician: { email: 'dr.claire.dubois@demo.atrium.local', password: 'demo-clinician-2025', displayName: 'Dr Claire Dubois', role: 'clinician' },
} as const;

const DAYS = 14;
const ZONE = 'Europe/Paris';

/**
 * A demo patient with 14 days of 5-minute CGM readings up to now, a few finger-sticks, a sensor and therapy
 * settings; a caregiver and a clinician linked to her. Does nothing when the demo patient already exists.
 */
export async function seedDemo(ctx: ModuleContext): Promise<void> {
  const exists = await ctx.db.selectFrom('platform.users').select('id').where('email', '=', DEMO_ACCOUNTS.patient.email).executeTakeFirst();
  // Glucose III demo data (medications, meals, activity) is added to an existing demo patient too; it is idempotent.
  if (exists) return seedCareLogs(ctx, DEMO_ACCOUNTS.patient.email);
  const ids = await ctx.db.transaction().execute(async (tx) => {
    const out: Record<keyof typeof DEMO_ACCOUNTS, string> = { patient: '', caregiver: '', clinician: '' };
    for (const [key, account] of Object.entries(DEMO_ACCOUNTS) as [keyof typeof DEMO_ACCOUNTS, (typeof DEMO_ACCOUNTS)[keyof typeof DEMO_ACCOUNTS]][]) {
      const existing = await tx.selectFrom('platform.users').select('id').where('email', '=', account.email).executeTakeFirst();
      const id = existing?.id ?? (await tx.insertInto('platform.users').values({
        email: account.email, password_hash: await hashPassword(account.password), display_name: account.displayName, time_zone: ZONE,
      }).returning('id').executeTakeFirstOrThrow()).id;
      await tx.insertInto('platform.user_roles').values({ user_id: id, role: account.role, granted_by: null }).onConflict((oc) => oc.doNothing()).execute();
      out[key] = id;
    }
    for (const relation of ['caregiver', 'clinician'] as const) {
      await tx.insertInto('glucose.care_links').values({ patient_id: out.patient, member_id: out[relation], relation, via: 'admin', created_by: null }).execute();
    }
    await tx.insertInto('glucose.patient_settings').values({
      patient_id: out.patient, timezone: ZONE, diabetes_type: 't1', weight_kg: 62,
      isf_schedule: JSON.stringify([{ start: '00:00', value: 50 }, { start: '06:00', value: 40 }, { start: '20:00', value: 55 }]),
      carb_ratio_schedule: JSON.stringify([{ start: '00:00', value: 12 }, { start: '06:00', value: 9 }, { start: '11:00', value: 11 }]),
      dia_hours: 5,
    }).execute();
    await tx.insertInto('glucose.sensors').values({
      patient_id: out.patient, model: 'dexcom_g7', status: 'active', serial_number: 'DEMO-G7-0001',
      started_at: new Date(Date.now() - 3 * 86_400_000), warmup_ends_at: new Date(Date.now() - 3 * 86_400_000 + 30 * 60_000),
      expires_at: new Date(Date.now() + 7 * 86_400_000 + 12 * 3_600_000), calibration_policy: 'optional', battery_pct: 86, signal_quality: 93,
    }).execute();
    return out;
  });

  const svc = servicesOf(ctx);
  const now = Math.floor(Date.now() / 1000) * 1000;
  const trace = demoTrace(now, DAYS, ZONE);
  const cgm: IncomingReading[] = trace.map((p, index) => ({ index, source: 'cgm', measuredAtMs: p.t, value: p.v, device: 'Dexcom G7 (demo)' }));
  const actor = { actorId: null, actorEmail: 'seed', ip: null, requestId: null };
  await ingestBatch(svc, ids.patient, cgm, { channel: 'api', app: 'atrium-demo-seed', actor, role: 'seed', rejected: 0 });
  // A finger-stick before breakfast every other morning, entered by Léa.
  const fingerSticks: IncomingReading[] = trace
    .filter((p) => { const local = new Date(p.t + zoneOffsetMinutes(ZONE, p.t) * 60_000); return local.getUTCHours() === 7 && local.getUTCMinutes() < 5 && local.getUTCDate() % 2 === 0; })
    .map((p, index) => ({ index, source: 'manual', measuredAtMs: p.t + 60_000, value: p.v + 4, context: 'fasting', enteredBy: ids.patient }));
  if (fingerSticks.length) {
    await ingestTransaction(svc, ids.patient, [fingerSticks[0].measuredAtMs, fingerSticks[fingerSticks.length - 1].measuredAtMs], (tx) => storeReadings(tx, ids.patient, fingerSticks, null));
  }
  ctx.log.info({ patient: DEMO_ACCOUNTS.patient.email, readings: cgm.length }, 'glucose demo data seeded');
  await seedCareLogs(ctx, DEMO_ACCOUNTS.patient.email);
}
