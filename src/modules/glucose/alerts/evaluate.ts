import type { Tx } from '../../../platform/db/transaction.js';
import type { GlucoseServices } from '../services.js';
import { evaluateReading, type EvaluatedReading } from './rules.js';
import {
  alertsTopic, loadAlertState, logAction, notifyAlert, Q, reopen, resolve, scheduleEscalation, scheduleRenotify, SYSTEM,
  type AlertEvent,
} from './engine.js';
import { toAlert, type AlertRow } from './model.js';
import type { AlertSettings } from './settings.js';
import type { AlertFamily, AlertSeverity, AlertType } from './tables.js';

/**
 * Evaluates the newest live reading of an ingest inside its transaction (§4.3.1). One query loads the settings and
 * open alerts; when nothing changes, nothing else runs. Alert events are published after commit by a job enqueued
 * in the same transaction (so a rolled-back ingest announces nothing).
 */
export async function evaluateInIngest(svc: GlucoseServices, tx: Tx, patientId: string, reading: EvaluatedReading & { direction?: string | null }): Promise<string[]> {
  const { settings, open } = await loadAlertState(tx, patientId);
  const ops = evaluateReading(reading, settings, open);
  if (ops.length === 0) return [];
  const raised: string[] = [];
  const events: AlertEvent[] = [];
  const at = new Date(reading.measuredAtMs);
  const direction = reading.direction ?? null;
  // Resolutions first: a superseded predicted_low or a rapid alert of the other direction frees its family.
  for (const op of ops) {
    if (op.op !== 'resolve') continue;
    const r = await resolve(tx, { id: op.alert.id, patient_id: patientId }, op.reason, SYSTEM, { readingId: reading.id, value: reading.value });
    events.push(...r.events);
  }
  for (const op of ops) {
    if (op.op === 'touch') {
      // Not a transition: the version (optimistic locking of transitions) stays.
      await tx.updateTable('glucose.alerts').set({ last_value: reading.value, last_value_at: at }).where('id', '=', op.alert.id).execute();
    } else if (op.op === 'raise') {
      const row = await raiseAlert(svc, tx, patientId, settings, {
        family: op.family, type: op.type, severity: op.severity, threshold: op.threshold, rate: op.rate ?? reading.trendRate,
        forecast: op.forecast ?? null, readingId: reading.id, value: reading.value, at, direction,
      });
      raised.push(row.id);
      events.push({ topic: alertsTopic(patientId), type: 'alert.raised', data: { alert: toAlert(row) } });
    } else if (op.op === 'upgrade') {
      const locked = (await tx.selectFrom('glucose.alerts').selectAll().where('id', '=', op.alert.id).executeTakeFirstOrThrow()) as AlertRow;
      const r = await reopen(svc, tx, locked, 'upgraded', SYSTEM, {
        type: op.type, severity: op.severity, threshold: op.threshold, last_value: reading.value, last_value_at: at,
        ...(op.forecast ? { forecast: JSON.stringify(op.forecast) } : {}),
      }, settings);
      events.push(...r.events);
    }
  }
  if (events.length) await svc.ctx.jobs.send(Q.announce, { events }, { db: tx });
  return raised;
}

export interface RaiseInput {
  family: AlertFamily; type: AlertType; severity: AlertSeverity; threshold: number; rate: number | null; forecast: number[] | null;
  readingId: string | null; value: number | null; at: Date; direction?: string | null;
}

/** A new open alert: logged, notified in this transaction, escalation and re-notification scheduled as delayed jobs. */
export async function raiseAlert(svc: GlucoseServices, tx: Tx, patientId: string, settings: AlertSettings, input: RaiseInput): Promise<AlertRow> {
  let row = (await tx.insertInto('glucose.alerts').values({
    patient_id: patientId, family: input.family, type: input.type, severity: input.severity, status: 'pending',
    trigger_reading_id: input.readingId, trigger_value: input.value, threshold: input.threshold, trigger_rate: input.rate,
    forecast: input.forecast ? JSON.stringify(input.forecast) : null, triggered_at: input.at, last_value: input.value, last_value_at: input.value === null ? null : input.at,
  }).returningAll().executeTakeFirstOrThrow()) as AlertRow;
  await logAction(tx, row, 'raised', SYSTEM, { readingId: input.readingId, value: input.value, type: input.type, severity: input.severity, forecast: input.forecast });
  const recipients = await notifyAlert(svc, tx, row, { kind: 'raised', dedup: 'raised', direction: input.direction });
  await logAction(tx, row, 'notified', SYSTEM, { dedup: 'raised', recipients });
  row = await scheduleEscalation(svc, tx, row, settings);
  row = await scheduleRenotify(svc, tx, row, settings);
  return row;
}
