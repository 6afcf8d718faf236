import { sql } from 'kysely';
import { JobSkipped } from '../../../platform/jobs/types.js';
import type { Tx } from '../../../platform/db/transaction.js';
import type { GlucoseServices } from '../services.js';
import {
  alertsTopic, loadAlertState, loadSettings, localTime, lockAlert, logAction, notifyAlert, peopleOf, publishAll, Q, reopen, resolve,
  scheduleRenotify, SYSTEM, updateAlert, type AlertEvent,
} from './engine.js';
import { raiseAlert } from './evaluate.js';
import { toAlert, type AlertRow } from './model.js';
import { staleSeverity } from './rules.js';
import { isEnabled, type EscalationLevel } from './settings.js';
import { renderEn, renderFr, type AlertMessageData } from './messages.js';

const ESCALATING = ['pending', 'escalated'];

/** Runs a transition in a transaction, then publishes its events; `null` from the work means nothing to do. */
async function transition(svc: GlucoseServices, work: (tx: Tx) => Promise<AlertEvent[] | null>, why: string) {
  const events = await svc.ctx.db.transaction().execute(work);
  if (events === null) throw new JobSkipped(why);
  await publishAll(svc, events);
  return { events: events.length };
}

interface Resolved { kind: 'user' | 'contact'; id: string; channels: string[] }

/** Who a level reaches: linked caregivers or clinicians, the emergency contacts, or listed user/contact ids of this patient. */
async function levelRecipients(tx: Tx, patientId: string, level: EscalationLevel) {
  const members = await tx.selectFrom('glucose.care_links').select(['member_id', 'relation'])
    .where('patient_id', '=', patientId).where('ended_at', 'is', null).execute();
  const contacts = await tx.selectFrom('glucose.emergency_contacts').selectAll().where('patient_id', '=', patientId).orderBy('priority').execute();
  const r = level.recipients;
  const users = r === 'caregivers' ? members.filter((m) => m.relation === 'caregiver').map((m) => m.member_id)
    : r === 'clinicians' ? members.filter((m) => m.relation === 'clinician').map((m) => m.member_id)
    : Array.isArray(r) ? members.filter((m) => r.includes(m.member_id)).map((m) => m.member_id) : [];
  const chosen = r === 'emergency_contacts' ? contacts : Array.isArray(r) ? contacts.filter((c) => r.includes(c.id)) : [];
  return { users, contacts: chosen };
}

async function escalate(svc: GlucoseServices, data: { alertId: string; level: number; round: number }) {
  return transition(svc, async (tx) => {
    const alert = await lockAlert(tx, data.alertId);
    if (!alert || !ESCALATING.includes(alert.status) || alert.escalation_round !== data.round || alert.escalation_level >= data.level) return null;
    const settings = await loadSettings(tx, alert.patient_id);
    const policy = settings.escalation;
    const level = policy.levels.find((l) => l.level === data.level);
    if (!level) return null;
    const { users, contacts } = await levelRecipients(tx, alert.patient_id, level);
    const people = await peopleOf(tx, alert.patient_id);
    const patient = people.find((p) => p.relation === 'patient');
    const dedupKey = `glucose.alert:${alert.id}:escalation:${data.level}`;
    const value = alert.last_value === null ? null : Number(alert.last_value);
    const base = {
      kind: 'escalation' as const, type: alert.type, value, arrow: '', patientName: patient?.display_name ?? '', level: data.level,
      at: localTime(new Date(alert.last_value_at ?? alert.triggered_at), patient?.tz ?? 'UTC'), link: `${svc.ctx.config.publicUrl}/glucose/alerts/${alert.id}`,
    };
    const recipients: Resolved[] = [];
    const userChannels = level.channels.filter((c) => ['inapp', 'email', 'sms', 'whatsapp', 'push'].includes(c));
    for (const userId of users) {
      const unit = people.find((p) => p.id === userId)?.unit ?? 'mg/dL';
      // Escalation messages always bypass quiet hours (§4.3.4).
      await svc.ctx.notify.send({ to: { userId }, template: 'glucose.alert', channels: userChannels, critical: true, dedupKey, data: { ...base, unit } }, { db: tx });
      recipients.push({ kind: 'user', id: userId, channels: userChannels });
    }
    for (const c of contacts) {
      const channels = level.channels.filter((ch) => ch === 'sms' || (ch === 'whatsapp' && c.whatsapp) || (ch === 'email' && c.email));
      for (const channel of channels) {
        await svc.ctx.notify.send({
          to: { channel: channel as 'sms' | 'whatsapp' | 'email', address: channel === 'email' ? c.email! : c.phone_e164 },
          template: 'glucose.alert', critical: true, dedupKey, data: { ...base, unit: 'mg/dL' },
        }, { db: tx });
      }
      if (channels.length) recipients.push({ kind: 'contact', id: c.id, channels });
    }
    const last = data.level >= Math.min(policy.maxLevels, policy.levels.length);
    const next = last ? null : new Date(Date.now() + policy.repeatEveryMinutes * 60_000);
    const row = await updateAlert(tx, alert.id, { status: 'escalated', escalation_level: data.level, next_escalation_at: next });
    await logAction(tx, row, 'escalated', SYSTEM, { level: data.level, recipients, skipped: recipients.length === 0 ? 'no_recipients' : undefined });
    if (next) {
      await svc.ctx.jobs.send(Q.escalate, { alertId: alert.id, level: data.level + 1, round: data.round }, {
        db: tx, startAfter: next, singletonKey: `escalate:${alert.id}:${data.round}:${data.level + 1}`,
      });
    }
    return [{ topic: alertsTopic(row.patient_id), type: 'alert.escalated', data: { alert: toAlert(row), level: data.level, recipients } }];
  }, 'alert no longer waiting for this escalation level');
}

async function renotify(svc: GlucoseServices, data: { alertId: string; n: number }) {
  return transition(svc, async (tx) => {
    const alert = await lockAlert(tx, data.alertId);
    if (!alert || !ESCALATING.includes(alert.status) || alert.severity !== 'critical' || alert.renotify_count !== data.n - 1) return null;
    let row = await updateAlert(tx, alert.id, { renotify_count: data.n });
    await notifyAlert(svc, tx, row, { kind: 'renotify', dedup: `renotify:${data.n}`, patientOnly: true });
    await logAction(tx, row, 'renotified', SYSTEM, { n: data.n });
    row = await scheduleRenotify(svc, tx, row, await loadSettings(tx, alert.patient_id));
    return [];
  }, 'alert no longer critical and unacknowledged');
}

async function snoozeEnd(svc: GlucoseServices, data: { alertId: string; snoozeCount: number }) {
  return transition(svc, async (tx) => {
    const alert = await lockAlert(tx, data.alertId);
    if (!alert || alert.status !== 'snoozed' || alert.snooze_count !== data.snoozeCount) return null;
    return (await reopen(svc, tx, alert, 'snooze_ended', SYSTEM)).events;
  }, 'snooze already over');
}

async function silenceEnd(svc: GlucoseServices, data: { alertId: string; round: number }) {
  return transition(svc, async (tx) => {
    const alert = await lockAlert(tx, data.alertId);
    if (!alert || alert.status !== 'acknowledged' || alert.escalation_round !== data.round) return null;
    return (await reopen(svc, tx, alert, 'reopened', SYSTEM)).events;
  }, 'alert no longer acknowledged');
}

interface RecheckData { patientId: string; alertId: string | null; actionId: string; actorId: string; at: string }

/** 15 minutes after treat_hypo (§4.3.5): remind, and reopen the alert when still low or nothing new was measured. */
async function recheck(svc: GlucoseServices, data: RecheckData) {
  return transition(svc, async (tx) => {
    const settings = await loadSettings(tx, data.patientId);
    const latest = await tx.selectFrom('glucose.latest_readings').select(['value_mgdl', 'measured_at'])
      .where('patient_id', '=', data.patientId).where('measured_at', '>', new Date(data.at)).executeTakeFirst();
    const stillLow = !latest || Number(latest.value_mgdl) < settings.low;
    const people = await peopleOf(tx, data.patientId);
    const patient = people.find((p) => p.relation === 'patient');
    const key = `glucose.alert:${data.alertId ?? data.actionId}:recheck`;
    for (const userId of new Set([data.patientId, data.actorId])) {
      const unit = people.find((p) => p.id === userId)?.unit ?? 'mg/dL';
      await svc.ctx.notify.send({
        to: { userId }, template: 'glucose.alert', channels: ['inapp', 'push'], critical: stillLow, dedupKey: key,
        data: {
          kind: 'recheck', type: 'low', value: latest ? Number(latest.value_mgdl) : null, unit, arrow: '', patientName: patient?.display_name ?? '',
          at: localTime(new Date(), patient?.tz ?? 'UTC'), stillLow, link: `${svc.ctx.config.publicUrl}/glucose/alerts/${data.alertId ?? ''}`,
        } satisfies AlertMessageData,
      }, { db: tx });
    }
    if (!data.alertId) return [];
    const alert = await lockAlert(tx, data.alertId);
    if (!alert || alert.status === 'resolved') return [];
    await updateAlert(tx, alert.id, { follow_up_at: null });
    if (!stillLow) return [];
    const fresh = (await lockAlert(tx, alert.id))!;
    return (await reopen(svc, tx, fresh, 'recheck_due', SYSTEM, {}, settings)).events;
  }, 'nothing to recheck');
}

/** Every minute (§7): stale_data raise or upgrade for patients with recent CGM data or a running sensor. */
export async function staleCheck(svc: GlucoseServices) {
  const { rows } = await sql<{ patient_id: string; last_cgm_at: Date | null }>`
    select l.patient_id, l.last_cgm_at from glucose.latest_readings l
    where l.last_cgm_at > now() - interval '24 hours' and l.last_cgm_at <= now() - interval '10 minutes'
    union
    select s.patient_id, l.last_cgm_at from glucose.sensors s left join glucose.latest_readings l on l.patient_id = s.patient_id
    where s.status in ('active', 'disconnected') and (l.last_cgm_at is null or l.last_cgm_at <= now() - interval '10 minutes')`.execute(svc.ctx.db);
  let raised = 0; let upgraded = 0;
  for (const row of rows) {
    const events = await svc.ctx.db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`glucose.readings:${row.patient_id}`}, 0))`.execute(tx);
      const { settings, open } = await loadAlertState(tx, row.patient_id);
      if (!isEnabled(settings, 'stale_data')) return [];
      const last = await tx.selectFrom('glucose.latest_readings').select('last_cgm_at').where('patient_id', '=', row.patient_id).executeTakeFirst();
      const current = open.get('stale');
      // A sensor ended after the last CGM reading, with no new one running: silence is expected, not a fault.
      const { rows: [sensors] } = await sql<{ running: boolean; ended_at: Date | null }>`
        select exists (select 1 from glucose.sensors where patient_id = ${row.patient_id} and status in ('warming_up', 'active', 'disconnected')) as running,
          (select max(ended_at) from glucose.sensors where patient_id = ${row.patient_id} and status = 'ended') as ended_at`.execute(tx);
      if (!sensors.running && sensors.ended_at && (!last?.last_cgm_at || new Date(sensors.ended_at) >= new Date(last.last_cgm_at))) {
        return current ? (await resolve(tx, { id: current.id, patient_id: row.patient_id }, 'sensor_ended', SYSTEM)).events : [];
      }
      const since = last?.last_cgm_at ? (Date.now() - new Date(last.last_cgm_at).getTime()) / 60_000 : Infinity;
      const severity = staleSeverity(since, settings);
      if (!severity) return [];
      if (!current) {
        const alert = await raiseAlert(svc, tx, row.patient_id, settings, {
          family: 'stale', type: 'stale_data', severity, threshold: severity === 'critical' ? settings.staleUrgentMin : settings.staleWarningMin,
          rate: null, forecast: null, readingId: null, value: null, at: new Date(),
        });
        raised++;
        return [{ topic: alertsTopic(row.patient_id), type: 'alert.raised', data: { alert: toAlert(alert) } }];
      }
      if (severity === 'critical' && current.severity === 'warning') {
        const alert = (await lockAlert(tx, current.id)) as AlertRow;
        upgraded++;
        return (await reopen(svc, tx, alert, 'upgraded', SYSTEM, { severity: 'critical', threshold: settings.staleUrgentMin }, settings)).events;
      }
      return [];
    });
    await publishAll(svc, events);
  }
  return raised || upgraded ? { raised, upgraded } : {};
}

export function defineAlertJobs(svc: GlucoseServices) {
  const { jobs, notify } = svc.ctx;
  notify.defineCategory({ name: 'glucose.alerts', description: 'Glucose alerts of you and of the patients you follow', defaultChannels: ['inapp', 'push'] });
  notify.defineTemplate<AlertMessageData>({ name: 'glucose.alert', category: 'glucose.alerts', en: renderEn, fr: renderFr });
  const common = { retryLimit: 3, retryDelay: 10, critical: true } as const;
  jobs.define({ queue: Q.announce, retryLimit: 1, retryDelay: 1, tracked: false, batchSize: 20, handler: async (job) => {
    await publishAll(svc, (job.data as { events: AlertEvent[] }).events);
    return {};
  } });
  jobs.define<{ alertId: string; level: number; round: number }>({ queue: Q.escalate, ...common, batchSize: 20, handler: (job) => escalate(svc, job.data) });
  jobs.define<{ alertId: string; n: number }>({ queue: Q.renotify, ...common, batchSize: 20, handler: (job) => renotify(svc, job.data) });
  jobs.define<{ alertId: string; snoozeCount: number }>({ queue: Q.snoozeEnd, ...common, handler: (job) => snoozeEnd(svc, job.data) });
  jobs.define<{ alertId: string; round: number }>({ queue: Q.silenceEnd, ...common, handler: (job) => silenceEnd(svc, job.data) });
  jobs.define<RecheckData>({ queue: Q.recheck, ...common, handler: (job) => recheck(svc, job.data) });
  jobs.define({
    queue: Q.staleCheck, policy: 'singleton', ...common, handler: () => staleCheck(svc),
    schedules: [{ cron: '* * * * *', timezone: 'UTC', description: 'Stale CGM data alerts (warning 15 min, critical 30 min by default)' }],
  });
}
