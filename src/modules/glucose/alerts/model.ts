import { Type } from 'typebox';
import { Nullable } from '../readings/model.js';
import type { AlertFamily, AlertSeverity, AlertStatus, AlertType } from './tables.js';

export interface AlertRow {
  id: string; patient_id: string; family: AlertFamily; type: AlertType; severity: AlertSeverity; status: AlertStatus;
  trigger_reading_id: string | null; trigger_value: string | null; threshold: string | null; trigger_rate: string | null; forecast: unknown;
  triggered_at: Date; last_value: string | null; last_value_at: Date | null; acknowledged_at: Date | null; acknowledged_by: string | null;
  silence_until: Date | null; snoozed_until: Date | null; snooze_count: number; escalation_level: number; next_escalation_at: Date | null;
  next_renotify_at: Date | null; follow_up_at: Date | null; resolved_at: Date | null; resolved_reason: string | null;
  renotify_count: number; reopen_count: number; escalation_round: number; version: number;
}

const num = (v: string | null) => (v === null ? null : Number(v));
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export const AlertSchema = Type.Object({
  id: Type.String(), patientId: Type.String(),
  family: Type.String({ description: 'low | high | rapid | predicted_low | stale' }),
  type: Type.String({ description: 'urgent_low | low | high | urgent_high | rapid_fall | rapid_rise | predicted_low | stale_data' }),
  severity: Type.String({ description: 'warning | critical' }),
  status: Type.String({ description: 'pending | acknowledged | snoozed | escalated | resolved' }),
  unit: Type.Literal('mg/dL'),
  triggerReadingId: Nullable(Type.String()), triggerValue: Nullable(Type.Number()), threshold: Nullable(Type.Number()),
  triggerRate: Nullable(Type.Number({ description: 'mg/dL/min' })),
  forecast: Nullable(Type.Array(Type.Number(), { description: 'AR2 values at 5, 10 … 30 min (predicted_low)' })),
  triggeredAt: Type.String(), lastValue: Nullable(Type.Number()), lastValueAt: Nullable(Type.String()),
  acknowledgedAt: Nullable(Type.String()), acknowledgedBy: Nullable(Type.String()), silenceUntil: Nullable(Type.String()),
  snoozedUntil: Nullable(Type.String()), snoozeCount: Type.Integer(), escalationLevel: Type.Integer(), nextEscalationAt: Nullable(Type.String()),
  followUpAt: Nullable(Type.String({ description: 'recheck time after treat_hypo' })),
  resolvedAt: Nullable(Type.String()), resolvedReason: Nullable(Type.String()), version: Type.Integer(),
});

export const toAlert = (r: AlertRow) => ({
  id: r.id, patientId: r.patient_id, family: r.family, type: r.type, severity: r.severity, status: r.status, unit: 'mg/dL' as const,
  triggerReadingId: r.trigger_reading_id, triggerValue: num(r.trigger_value), threshold: num(r.threshold), triggerRate: num(r.trigger_rate),
  forecast: Array.isArray(r.forecast) ? (r.forecast as number[]) : null,
  triggeredAt: iso(r.triggered_at)!, lastValue: num(r.last_value), lastValueAt: iso(r.last_value_at),
  acknowledgedAt: iso(r.acknowledged_at), acknowledgedBy: r.acknowledged_by, silenceUntil: iso(r.silence_until),
  snoozedUntil: iso(r.snoozed_until), snoozeCount: r.snooze_count, escalationLevel: r.escalation_level, nextEscalationAt: iso(r.next_escalation_at),
  followUpAt: iso(r.follow_up_at), resolvedAt: iso(r.resolved_at), resolvedReason: r.resolved_reason, version: r.version,
});
export type AlertDto = ReturnType<typeof toAlert>;

export const isOpen = (s: AlertStatus) => s !== 'resolved';
