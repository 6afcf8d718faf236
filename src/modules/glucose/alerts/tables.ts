import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type NullableNumeric = ColumnType<string | null, number | string | null | undefined, number | string | null>;

export type AlertFamily = 'low' | 'high' | 'rapid' | 'predicted_low' | 'stale';
export type AlertType = 'urgent_low' | 'low' | 'high' | 'urgent_high' | 'rapid_fall' | 'rapid_rise' | 'predicted_low' | 'stale_data';
export type AlertSeverity = 'warning' | 'critical';
export type AlertStatus = 'pending' | 'acknowledged' | 'snoozed' | 'escalated' | 'resolved';

export interface AlertsTable {
  id: Generated<string>;
  patient_id: string;
  family: AlertFamily;
  type: AlertType;
  severity: AlertSeverity;
  status: ColumnType<AlertStatus, AlertStatus | undefined, AlertStatus>;
  trigger_reading_id: string | null;
  trigger_value: NullableNumeric;
  threshold: NullableNumeric;
  trigger_rate: NullableNumeric;
  forecast: ColumnType<unknown, string | null | undefined, string | null>;
  triggered_at: ColumnType<Date, Date | string, Date | string>;
  last_value: NullableNumeric;
  last_value_at: NullableTimestamp;
  acknowledged_at: NullableTimestamp;
  acknowledged_by: string | null;
  silence_until: NullableTimestamp;
  snoozed_until: NullableTimestamp;
  snooze_count: Generated<number>;
  escalation_level: Generated<number>;
  next_escalation_at: NullableTimestamp;
  next_renotify_at: NullableTimestamp;
  follow_up_at: NullableTimestamp;
  resolved_at: NullableTimestamp;
  resolved_reason: string | null;
  renotify_count: Generated<number>;
  reopen_count: Generated<number>;
  escalation_round: Generated<number>;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
}

export interface AlertActionsTable {
  id: Generated<string>;
  alert_id: string | null;
  patient_id: string;
  action: string;
  actor_user_id: string | null;
  actor_role: string | null;
  payload: ColumnType<unknown, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export interface AlertSubscriptionsTable {
  user_id: string;
  patient_id: string;
  level: 'all' | 'critical' | 'none';
  updated_at: DefaultedTimestamp;
}

export interface EmergencyContactsTable {
  id: Generated<string>;
  patient_id: string;
  name: string;
  phone_e164: string;
  email: string | null;
  whatsapp: Generated<boolean>;
  relation: string | null;
  priority: Generated<number>;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
}

declare module '../../../platform/db/schema.js' {
  interface Database {
    'glucose.alerts': AlertsTable;
    'glucose.alert_actions': AlertActionsTable;
    'glucose.alert_subscriptions': AlertSubscriptionsTable;
    'glucose.emergency_contacts': EmergencyContactsTable;
  }
}
