import { sql } from 'kysely';
import type { Tx, DbOrTx } from '../../../platform/db/transaction.js';
import type { GlucoseServices } from '../services.js';
import { settingsFromRow, type AlertSettings, type AlertSettingsRow } from './settings.js';
import { toAlert, type AlertRow, type AlertDto } from './model.js';
import { arrowOf, type MessageKind } from './messages.js';
import type { AlertFamily, AlertType } from './tables.js';
import type { OpenAlert } from './rules.js';
import './tables.js';

export const Q = {
  announce: 'glucose.alerts.announce',
  escalate: 'glucose.alerts.escalate',
  renotify: 'glucose.alerts.renotify',
  snoozeEnd: 'glucose.alerts.snooze-end',
  silenceEnd: 'glucose.alerts.silence-end',
  recheck: 'glucose.alerts.recheck',
  staleCheck: 'glucose.alerts.stale-check',
} as const;

export const alertsTopic = (patientId: string) => `glucose.alerts:${patientId}`;

/** An event of §6 to publish once the transaction that caused it has committed. */
export interface AlertEvent { topic: string; type: string; data: unknown }

export interface Actor { userId: string | null; role: string | null }
export const SYSTEM: Actor = { userId: null, role: null };

/** Settings and open alerts of a patient in one round trip (the per-reading path runs nothing else). */
export async function loadAlertState(db: DbOrTx, patientId: string): Promise<{ settings: AlertSettings; open: Map<AlertFamily, OpenAlert> }> {
  const { rows: [row] } = await sql<{ settings: AlertSettingsRow | null; open: OpenAlert[] }>`
    select (select to_jsonb(s) from glucose.alert_settings s where s.patient_id = ${patientId}) as settings,
      coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'family', a.family, 'type', a.type, 'severity', a.severity,
        'status', a.status, 'lastValue', a.last_value::float8))
        from glucose.alerts a where a.patient_id = ${patientId} and a.status <> 'resolved'), '[]'::jsonb) as open`.execute(db);
  return { settings: settingsFromRow(row.settings), open: new Map(row.open.map((a) => [a.family, a])) };
}

export async function loadSettings(db: DbOrTx, patientId: string): Promise<AlertSettings> {
  const row = await db.selectFrom('glucose.alert_settings').selectAll().where('patient_id', '=', patientId).executeTakeFirst();
  return settingsFromRow(row as unknown as AlertSettingsRow | undefined);
}

export async function lockAlert(tx: Tx, alertId: string): Promise<AlertRow | undefined> {
  return (await tx.selectFrom('glucose.alerts').selectAll().where('id', '=', alertId).forUpdate().executeTakeFirst()) as AlertRow | undefined;
}

export async function logAction(tx: Tx, alert: { id: string | null; patient_id: string }, action: string, actor: Actor, payload: Record<string, unknown> | null = null) {
  const row = await tx.insertInto('glucose.alert_actions').values({
    alert_id: alert.id, patient_id: alert.patient_id, action, actor_user_id: actor.userId, actor_role: actor.role,
    payload: payload === null ? null : JSON.stringify(payload),
  }).returning(['id', 'created_at']).executeTakeFirstOrThrow();
  return row;
}

/** Updates an alert (bumping its version) and answers the new row. */
export async function updateAlert(tx: Tx, id: string, values: Record<string, unknown>): Promise<AlertRow> {
  return (await tx.updateTable('glucose.alerts').set({ ...values, version: sql`version + 1`, updated_at: new Date() } as never)
    .where('id', '=', id).returningAll().executeTakeFirstOrThrow()) as AlertRow;
}

interface Person { id: string; display_name: string; unit: 'mg/dL' | 'mmol/L'; phone: string | null; tz: string; relation: 'patient' | 'caregiver' | 'clinician'; level: 'all' | 'critical' | 'none' }

/** The patient and every active care-team member with their subscription level (caregiver default `critical`, clinician `none`). */
export async function peopleOf(db: DbOrTx, patientId: string): Promise<Person[]> {
  const { rows } = await sql<Person>`
    select u.id, u.display_name, u.glucose_unit as unit, u.phone, coalesce(ps.timezone, u.time_zone, 'UTC') as tz, 'patient' as relation, 'all' as level
    from platform.users u left join glucose.patient_settings ps on ps.patient_id = u.id where u.id = ${patientId}
    union all
    select m.id, m.display_name, m.glucose_unit, m.phone, m.time_zone, l.relation,
      coalesce(s.level, case l.relation when 'caregiver' then 'critical' else 'none' end)
    from glucose.care_links l join platform.users m on m.id = l.member_id
    left join glucose.alert_subscriptions s on s.user_id = l.member_id and s.patient_id = l.patient_id
    where l.patient_id = ${patientId} and l.ended_at is null and m.status = 'active'`.execute(db);
  return rows;
}

export const localTime = (at: Date, tz: string) => {
  try { return new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at); } catch { return at.toISOString().slice(11, 16); }
};

export interface NotifyOptions {
  kind: MessageKind;
  dedup: string;
  /** Only the patient (re-notifications), or the patient and subscribers. */
  patientOnly?: boolean;
  direction?: string | null;
}

/**
 * Sends an alert message through the outbox inside the alert's transaction: the patient on `inapp` + `push`
 * (+ `sms` when critical and a phone is known), subscribers by level on `inapp` + `push`. Critical alerts go with
 * the bypass flag: quiet hours and preferences never silence them. Each recipient gets their own unit.
 */
export async function notifyAlert(svc: GlucoseServices, tx: Tx, alert: AlertRow, options: NotifyOptions): Promise<string[]> {
  const people = await peopleOf(tx, alert.patient_id);
  const patient = people.find((p) => p.relation === 'patient');
  if (!patient) return [];
  const critical = alert.severity === 'critical';
  const at = localTime(new Date(alert.last_value_at ?? alert.triggered_at), patient.tz);
  const value = alert.last_value !== null ? Number(alert.last_value) : alert.trigger_value !== null ? Number(alert.trigger_value) : null;
  const sentTo: string[] = [];
  for (const p of people) {
    if (p.relation !== 'patient') {
      if (options.patientOnly || p.level === 'none' || (p.level === 'critical' && !critical)) continue;
    }
    const channels = p.relation === 'patient' && critical && p.phone ? ['inapp', 'push', 'sms'] as const : ['inapp', 'push'] as const;
    await svc.ctx.notify.send({
      to: { userId: p.id }, template: 'glucose.alert', channels: [...channels], critical, dedupKey: `glucose.alert:${alert.id}:${options.dedup}`,
      data: {
        kind: options.kind, type: alert.type, value, unit: p.unit, arrow: arrowOf(options.direction), patientName: patient.display_name, at,
        link: `${svc.ctx.config.publicUrl}/glucose/alerts/${alert.id}`,
      },
    }, { db: tx });
    sentTo.push(p.id);
  }
  return sentTo;
}

/** Starts (or restarts at level 1) the escalation of an alert whose type the patient's policy escalates. */
export async function scheduleEscalation(svc: GlucoseServices, tx: Tx, alert: AlertRow, settings: AlertSettings): Promise<AlertRow> {
  const policy = settings.escalation;
  if (!policy.types.includes(alert.type as AlertType) || policy.levels.length === 0) return alert;
  const at = new Date(Date.now() + policy.firstDelayMinutes * 60_000);
  await svc.ctx.jobs.send(Q.escalate, { alertId: alert.id, level: 1, round: alert.escalation_round }, {
    db: tx, startAfter: at, singletonKey: `escalate:${alert.id}:${alert.escalation_round}:1`,
  });
  return updateAlert(tx, alert.id, { next_escalation_at: at });
}

/** Re-sends a critical alert to the patient every `renotify_critical_min` while pending or escalated. */
export async function scheduleRenotify(svc: GlucoseServices, tx: Tx, alert: AlertRow, settings: AlertSettings): Promise<AlertRow> {
  if (alert.severity !== 'critical') return alert;
  const at = new Date(Date.now() + settings.renotifyCriticalMin * 60_000);
  const n = alert.renotify_count + 1;
  await svc.ctx.jobs.send(Q.renotify, { alertId: alert.id, n }, { db: tx, startAfter: at, singletonKey: `renotify:${alert.id}:${n}` });
  return updateAlert(tx, alert.id, { next_renotify_at: at });
}

const actionEvent = (alert: AlertRow, type: string, actor: Actor, at: Date): AlertEvent => ({
  topic: alertsTopic(alert.patient_id), type: 'alert.updated',
  data: { alert: toAlert(alert), action: { type, actorUserId: actor.userId, actorRole: actor.role, at: at.toISOString() } },
});
export { actionEvent };

/**
 * Back to `pending` with notifications and escalation restarted (§4.3.2): after a snooze or silence ends with the
 * condition still true, on a worsening, or when a recheck finds the patient still low.
 */
export async function reopen(svc: GlucoseServices, tx: Tx, alert: AlertRow, action: 'snooze_ended' | 'reopened' | 'recheck_due' | 'upgraded', actor: Actor,
  extra: Record<string, unknown> = {}, settings?: AlertSettings): Promise<{ alert: AlertRow; events: AlertEvent[] }> {
  const s = settings ?? await loadSettings(tx, alert.patient_id);
  let row = await updateAlert(tx, alert.id, {
    ...extra, status: 'pending', snoozed_until: null, silence_until: null, acknowledged_at: null, acknowledged_by: null,
    escalation_level: 0, escalation_round: alert.escalation_round + 1, next_escalation_at: null, reopen_count: alert.reopen_count + 1,
  });
  const { created_at: at } = await logAction(tx, row, action, actor, { type: row.type, severity: row.severity });
  const dedup = action === 'upgraded' ? `upgraded:${row.type}` : `reopened:${row.reopen_count}`;
  const recipients = await notifyAlert(svc, tx, row, { kind: action === 'upgraded' ? 'upgraded' : 'reopened', dedup });
  await logAction(tx, row, 'notified', SYSTEM, { dedup, recipients });
  row = await scheduleEscalation(svc, tx, row, s);
  row = await scheduleRenotify(svc, tx, row, s);
  return { alert: row, events: [actionEvent(row, action, actor, new Date(at))] };
}

export async function resolve(tx: Tx, alert: { id: string; patient_id: string }, reason: string, actor: Actor, payload: Record<string, unknown> = {}): Promise<{ alert: AlertRow; events: AlertEvent[] }> {
  const row = await updateAlert(tx, alert.id, { status: 'resolved', resolved_at: new Date(), resolved_reason: reason, next_escalation_at: null, next_renotify_at: null });
  await logAction(tx, row, 'resolved', actor, { reason, ...payload });
  return { alert: row, events: [{ topic: alertsTopic(row.patient_id), type: 'alert.resolved', data: { alert: toAlert(row), reason } }] };
}

/** Publishes after commit; a failure loses nothing durable (clients refetch with GET /alerts?since=…). */
export async function publishAll(svc: GlucoseServices, events: AlertEvent[]) {
  for (const e of events) {
    try { await svc.ctx.realtime.publish(e.topic, e.type, e.data); } catch (err) { svc.ctx.log.warn({ err, topic: e.topic }, 'glucose: alert event not published'); }
  }
}

export type { AlertDto };
