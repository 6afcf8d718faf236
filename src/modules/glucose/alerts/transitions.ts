import type { Tx } from '../../../platform/db/transaction.js';
import { badRequest, conflict } from '../../../platform/http/errors.js';
import type { GlucoseServices } from '../services.js';
import { Refusal, refuse } from '../access/problems.js';
import { actionEvent, loadSettings, lockAlert, logAction, Q, updateAlert, type Actor, type AlertEvent } from './engine.js';
import { toAlert, type AlertRow } from './model.js';

export const alertStateChanged = (row: AlertRow) =>
  new Refusal(409, 'alert_state_changed', 'The alert changed since you loaded it; here is its current state.', { alert: toAlert(row) });
const alertResolved = () => conflict('alert_resolved', 'The alert is resolved; nothing to do.');

/** Locks the alert and checks the caller's `version` (optimistic locking of transitions). */
export async function lockForTransition(tx: Tx, alertId: string, version?: number): Promise<AlertRow> {
  const row = await lockAlert(tx, alertId);
  if (!row) throw new Error(`alert ${alertId} vanished`);
  if (version !== undefined && version !== row.version) throw alertStateChanged(row);
  return row;
}

/**
 * pending | escalated | snoozed → acknowledged: escalation and re-notification stop, the snooze is cleared, and the
 * alert stays silent until `silence_until` (then it reopens if still open). Acknowledging twice changes nothing.
 */
export async function acknowledge(svc: GlucoseServices, tx: Tx, row: AlertRow, actor: Actor, note: string | null, action: 'acknowledged' | 'already_treated' | 'treat_hypo' | 'call_contact' = 'acknowledged'): Promise<{ alert: AlertRow; events: AlertEvent[] }> {
  if (row.status === 'resolved') throw alertResolved();
  if (row.status === 'acknowledged') return { alert: row, events: [] };
  const settings = await loadSettings(tx, row.patient_id);
  const minutes = row.type === 'urgent_low' ? settings.ackSilenceUrgentLowMin : settings.ackSilenceMin;
  const silenceUntil = new Date(Date.now() + minutes * 60_000);
  const round = row.escalation_round + 1;
  const alert = await updateAlert(tx, row.id, {
    status: 'acknowledged', acknowledged_at: new Date(), acknowledged_by: actor.userId, silence_until: silenceUntil, snoozed_until: null,
    next_escalation_at: null, next_renotify_at: null, escalation_round: round,
  });
  const { created_at: at } = await logAction(tx, alert, 'acknowledged', actor, { note, via: action === 'acknowledged' ? undefined : action });
  await svc.ctx.jobs.send(Q.silenceEnd, { alertId: row.id, round }, { db: tx, startAfter: silenceUntil, singletonKey: `silence:${row.id}:${round}` });
  return { alert, events: [actionEvent(alert, 'acknowledged', actor, new Date(at))] };
}

export interface SnoozeInput { minutes: number; reason?: string; override?: boolean }

/** pending | acknowledged | escalated | snoozed → snoozed for 5..60 minutes; urgent low only with an explicit override (§4.3.3). */
export async function snooze(svc: GlucoseServices, tx: Tx, row: AlertRow, actor: Actor, input: SnoozeInput): Promise<{ alert: AlertRow; events: AlertEvent[] }> {
  const { minutes } = input;
  if (!Number.isInteger(minutes) || minutes < 5 || minutes > 60) {
    throw badRequest('invalid_snooze_duration', 'Snooze for a whole number of minutes from 5 to 60.', [{ path: 'body.minutes', message: 'must be an integer from 5 to 60' }]);
  }
  if (row.status === 'resolved') throw alertResolved();
  if (row.type === 'urgent_low') {
    const reason = input.reason?.trim() ?? '';
    if (input.override !== true || reason.length < 3 || minutes > 30) {
      throw refuse('urgent_low_not_snoozable', 'An urgent low can be snoozed only with override: true, a reason of at least 3 characters and at most 30 minutes.', { maxMinutes: 30 });
    }
  }
  const until = new Date(Date.now() + minutes * 60_000);
  const alert = await updateAlert(tx, row.id, {
    status: 'snoozed', snoozed_until: until, snooze_count: row.snooze_count + 1, next_escalation_at: null, next_renotify_at: null,
    escalation_round: row.escalation_round + 1,
  });
  const { created_at: at } = await logAction(tx, alert, 'snoozed', actor, { minutes, reason: input.reason ?? null, override: input.override === true, until: until.toISOString() });
  await svc.ctx.jobs.send(Q.snoozeEnd, { alertId: row.id, snoozeCount: alert.snooze_count }, {
    db: tx, startAfter: until, singletonKey: `snooze:${row.id}:${alert.snooze_count}`,
  });
  return { alert, events: [actionEvent(alert, 'snoozed', actor, new Date(at))] };
}
