/**
 * Alerts of spec glucose §4.3 (values in mg/dL). The API describes type and status as plain strings; these
 * narrower types let the pages pick translations and tones by value.
 */
export type AlertType = 'urgent_low' | 'low' | 'high' | 'urgent_high' | 'rapid_fall' | 'rapid_rise' | 'predicted_low' | 'stale_data';
export type AlertStatus = 'pending' | 'acknowledged' | 'snoozed' | 'escalated' | 'resolved';

export interface Alert {
  id: string; patientId: string; family: string; type: AlertType; severity: 'warning' | 'critical'; status: AlertStatus;
  triggerValue: number | null; threshold: number | null; triggerRate: number | null; triggeredAt: string;
  lastValue: number | null; lastValueAt: string | null; acknowledgedAt: string | null; acknowledgedBy: string | null;
  snoozedUntil: string | null; snoozeCount: number; escalationLevel: number; followUpAt: string | null;
  resolvedAt: string | null; resolvedReason: string | null; version: number;
}

export interface AlertAction { id: string; action: string; actorUserId: string | null; actorRole: string | null; at: string; createdAt?: string; payload: unknown }
export type AlertDetail = Alert & { actions: AlertAction[] };

export interface Subscription { patientId: string; displayName: string; level: 'all' | 'critical' | 'none'; isDefault: boolean }

export const isOpen = (a: Pick<Alert, 'status'>) => a.status !== 'resolved';
export const canAcknowledge = (a: Alert) => a.status === 'pending' || a.status === 'escalated' || a.status === 'snoozed';
export const canSnooze = (a: Alert) => a.status === 'pending' || a.status === 'acknowledged' || a.status === 'escalated';
export const isLowFamily = (a: Alert) => a.type === 'urgent_low' || a.type === 'low' || a.type === 'predicted_low';

/** The value that describes the alert best: the latest one seen, else the one that raised it. */
export const alertValue = (a: Alert) => a.lastValue ?? a.triggerValue;
