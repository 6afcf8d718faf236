import { sql } from 'kysely';
import type { GlucoseServices } from '../services.js';
import { ZoneClock, DAY_MS, MINUTE } from './grid.js';
import { INSIGHT_TEXT, type InsightType } from './insights.js';
import { detectAndStoreInsights } from './service.js';
import { defineRollupJob } from './rollup.js';

export const INSIGHTS_QUEUE = 'glucose.insights.weekly';

/** Patients with a reading in the last 14 days whose local time is Monday 07:00–07:59 at `nowMs`. */
async function patientsDueForInsights(svc: GlucoseServices, nowMs: number): Promise<{ id: string; zone: string }[]> {
  const { rows } = await sql<{ id: string; zone: string }>`
    select l.patient_id as id, coalesce(s.timezone, u.time_zone, 'UTC') as zone
    from glucose.latest_readings l join platform.users u on u.id = l.patient_id
    left join glucose.patient_settings s on s.patient_id = l.patient_id
    where l.measured_at >= ${new Date(nowMs - 14 * DAY_MS).toISOString()}::timestamptz`.execute(svc.ctx.db);
  return rows.filter((r) => {
    const wall = new ZoneClock(r.zone).wall(nowMs);
    const d = new Date(wall);
    return d.getUTCDay() === 1 && d.getUTCHours() === 7;
  });
}

/**
 * Weekly insights (§5.10, §7): for each due patient, the last 14 days up to the start of the current local hour;
 * a pattern not seen in the 14 days before sends one in-app notification (dedup per patient, type and week).
 */
export async function runWeeklyInsights(svc: GlucoseServices, nowMs = Date.now(), only?: string[]) {
  const due = only ? only.map((id) => ({ id, zone: '' })) : await patientsDueForInsights(svc, nowMs);
  let notified = 0;
  const toMs = Math.floor(nowMs / (60 * MINUTE)) * 60 * MINUTE;
  for (const patient of due) {
    const found = await detectAndStoreInsights(svc.ctx.db, patient.id, toMs - 14 * DAY_MS, toMs);
    for (const insight of found.filter((i) => i.isNew)) {
      await svc.ctx.notify.send({
        to: { userId: patient.id }, template: 'glucose.insight_detected', data: { type: insight.type },
        dedupKey: `glucose.insight:${patient.id}:${insight.type}:${new Date(toMs).toISOString().slice(0, 10)}`,
      });
      await sql`update glucose.insights set notified_at = now() where id = ${insight.id}`.execute(svc.ctx.db);
      notified++;
    }
  }
  return { patients: due.length, notified };
}

const FR: Record<InsightType, { title: string; body: string }> = {
  dawn_phenomenon: { title: 'Hausse en début de matinée', body: 'Votre glycémie monte souvent entre la nuit et 6 h–8 h. Parlez-en à votre soignant.' },
  nocturnal_hypoglycemia: { title: 'Hypoglycémies nocturnes', body: 'Des glycémies sous 70 mg/dL ont eu lieu la nuit sur au moins deux nuits. Parlez-en à votre soignant.' },
  postprandial_peaks: { title: 'Pics après les repas', body: 'Après la moitié au moins des repas d\'un type, la glycémie a dépassé 180 mg/dL ou monté de 60 mg/dL.' },
};

export function defineAnalyticsJobs(svc: GlucoseServices) {
  const { ctx } = svc;
  defineRollupJob(svc);
  ctx.notify.defineCategory({ name: 'glucose.insights', description: 'Patterns found in your glucose data (weekly)', defaultChannels: ['inapp'] });
  ctx.notify.defineTemplate<{ type: InsightType }>({
    name: 'glucose.insight_detected',
    category: 'glucose.insights',
    en: (d) => ({ title: INSIGHT_TEXT[d.type].title, body: `${INSIGHT_TEXT[d.type].description} ${INSIGHT_TEXT[d.type].recommendation}` }),
    fr: (d) => FR[d.type],
  });
  ctx.jobs.define({
    queue: INSIGHTS_QUEUE,
    policy: 'singleton',
    retryLimit: 3,
    retryDelay: 10,
    handler: async () => runWeeklyInsights(svc),
    schedules: [{ cron: '0 * * * *', timezone: 'UTC', description: 'Weekly glucose insights for patients at Monday 07:00 local' }],
  });
}
