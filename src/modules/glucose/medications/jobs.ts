import { sql } from 'kysely';
import type { GlucoseServices } from '../services.js';
import { patientZone } from '../patients/zone.js';
import { generateDoses, listPlans, refreshStock } from './service.js';
import { localClock } from './schedule.js';
import { MISSED_AFTER_MS } from './rules.js';

export const MEDS_QUEUES = { generate: 'glucose.meds.generate', missed: 'glucose.meds.missed', reminders: 'glucose.meds.reminders', stock: 'glucose.meds.stock' } as const;

/** Daily (and on plan change): every active plan's doses up to today + 30 days. */
export async function generateAll(svc: GlucoseServices, nowMs = Date.now()) {
  const { db } = svc.ctx;
  const patients = await db.selectFrom('glucose.medication_plans').select('patient_id').distinct()
    .where('active', '=', true).where('deleted_at', 'is', null).execute();
  let created = 0;
  for (const { patient_id } of patients) {
    await db.transaction().execute(async (tx) => {
      const zone = await patientZone(tx, patient_id);
      for (const plan of await listPlans(tx, patient_id, true)) created += await generateDoses(tx, plan, zone, nowMs);
    });
  }
  return { patients: patients.length, created };
}

/** Every 5 minutes: scheduled doses more than 2 h past their time become missed. */
export async function markMissed(svc: GlucoseServices, nowMs = Date.now()) {
  const res = await sql`update glucose.medication_doses set status = 'missed' where status = 'scheduled'
    and scheduled_at < ${new Date(nowMs - MISSED_AFTER_MS).toISOString()}::timestamptz`.execute(svc.ctx.db);
  return { missed: Number(res.numAffectedRows ?? 0) };
}

/** Every minute: a reminder at the scheduled time and, if still unrecorded, another at +30 min (push + in-app). */
export async function sendReminders(svc: GlucoseServices, nowMs = Date.now()) {
  const { db } = svc.ctx;
  const now = new Date(nowMs).toISOString();
  const due = await sql<{ id: string; patient_id: string; scheduled_at: Date; reminders_sent: number; name: string; dose_amount: string; dose_unit: string }>`
    select d.id, d.patient_id, d.scheduled_at, d.reminders_sent, p.name, p.dose_amount, p.dose_unit
    from glucose.medication_doses d join glucose.medication_plans p on p.id = d.plan_id
    where d.status = 'scheduled' and d.scheduled_at <= ${now}::timestamptz and d.scheduled_at > ${now}::timestamptz - interval '2 hours'
      and ((d.reminders_sent = 0) or (d.reminders_sent = 1 and d.scheduled_at <= ${now}::timestamptz - interval '30 minutes'))
    order by d.scheduled_at limit 1000`.execute(db);
  let sent = 0;
  for (const d of due.rows) {
    await db.transaction().execute(async (tx) => {
      const n = d.scheduled_at.getTime() <= nowMs - 30 * 60_000 ? 2 : 1;
      const zone = await patientZone(tx, d.patient_id);
      await svc.ctx.notify.send({
        to: { userId: d.patient_id }, template: 'glucose.dose_reminder', channels: ['push', 'inapp'],
        data: { planName: d.name, amount: Number(d.dose_amount), unit: d.dose_unit, time: localClock(zone, d.scheduled_at.getTime()), second: n === 2 },
        dedupKey: `glucose.dose:${d.id}:${n}`,
      }, { db: tx });
      await tx.updateTable('glucose.medication_doses').set({ reminders_sent: n }).where('id', '=', d.id).where('status', '=', 'scheduled').execute();
      sent += 1;
    });
  }
  return sent ? { sent } : {};
}

/** Hourly: recompute every tracked stock; at 09:00 local a critical stock sends its daily reminder. */
export async function checkStock(svc: GlucoseServices, nowMs = Date.now()) {
  const { db } = svc.ctx;
  const stocks = await sql<{ id: string; patient_id: string }>`select s.id, s.patient_id from glucose.medication_stock s
    join glucose.medication_plans p on p.id = s.plan_id where p.stock_tracking and p.deleted_at is null`.execute(db);
  let changed = 0;
  for (const s of stocks.rows) {
    const zone = await patientZone(db, s.patient_id);
    const reminder = localClock(zone, nowMs).startsWith('09:');
    await db.transaction().execute(async (tx) => {
      const before = await tx.selectFrom('glucose.medication_stock').select('status').where('id', '=', s.id).executeTakeFirst();
      const after = await refreshStock(svc.ctx, tx, s.id, nowMs, { reminder });
      if (after && before && after.status !== before.status) changed += 1;
    });
  }
  return { stocks: stocks.rows.length, changed };
}

export function defineMedicationJobs(svc: GlucoseServices) {
  const { jobs } = svc.ctx;
  jobs.define({ queue: MEDS_QUEUES.generate, policy: 'singleton', retryLimit: 3, retryDelay: 10, handler: async () => generateAll(svc),
    schedules: [{ cron: '0 1 * * *', timezone: 'UTC', description: 'Extend medication dose schedules to today + 30 days' }] });
  jobs.define({ queue: MEDS_QUEUES.missed, policy: 'singleton', retryLimit: 3, retryDelay: 10, handler: async () => markMissed(svc),
    schedules: [{ cron: '*/5 * * * *', timezone: 'UTC', description: 'Mark doses missed 2 h after their time' }] });
  jobs.define({ queue: MEDS_QUEUES.reminders, policy: 'singleton', retryLimit: 3, retryDelay: 10, handler: async () => sendReminders(svc),
    schedules: [{ cron: '* * * * *', timezone: 'UTC', description: 'Dose reminders at the scheduled time and +30 min' }] });
  jobs.define({ queue: MEDS_QUEUES.stock, policy: 'singleton', retryLimit: 3, retryDelay: 10, handler: async () => checkStock(svc),
    schedules: [{ cron: '0 * * * *', timezone: 'UTC', description: 'Medication stock status; 09:00-local reminder while critical' }] });
}

export function defineMedicationNotices(svc: GlucoseServices) {
  const { notify } = svc.ctx;
  notify.defineCategory({ name: 'glucose.medications', description: 'Medication reminders and stock', defaultChannels: ['inapp', 'push'] });
  notify.defineTemplate<{ planName: string; amount: number; unit: string; time: string; second: boolean }>({
    name: 'glucose.dose_reminder', category: 'glucose.medications',
    en: (d) => ({ title: d.second ? `Reminder: ${d.planName} not recorded yet` : `Time for ${d.planName}`, body: `${d.amount} ${d.unit} scheduled at ${d.time}. Record it as taken or skipped.` }),
    fr: (d) => ({ title: d.second ? `Rappel : ${d.planName} pas encore noté` : `C'est l'heure de ${d.planName}`, body: `${d.amount} ${d.unit} prévu à ${d.time}. Indiquez si la prise est faite ou sautée.` }),
  });
  notify.defineTemplate<{ planName: string; status: string; daysOfSupply: number | null; unitsRemaining: number; unit: string }>({
    name: 'glucose.stock_low', category: 'glucose.medications',
    en: (d) => ({
      title: d.status === 'critical' ? `${d.planName}: stock critical` : `${d.planName}: stock running low`,
      body: `${d.unitsRemaining} ${d.unit} left${d.daysOfSupply !== null ? `, about ${d.daysOfSupply} days` : ''}. Plan a refill.`,
    }),
    fr: (d) => ({
      title: d.status === 'critical' ? `${d.planName} : stock critique` : `${d.planName} : stock bas`,
      body: `Il reste ${d.unitsRemaining} ${d.unit}${d.daysOfSupply !== null ? `, environ ${d.daysOfSupply} jours` : ''}. Prévoyez un renouvellement.`,
    }),
  });
}
