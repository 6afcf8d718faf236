import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | undefined, string>;
/** `date` columns travel as `YYYY-MM-DD` strings (the pool's date parser is off for them). */
type DateString = ColumnType<string, string, string>;
type TextArray = ColumnType<string[], string[] | undefined, string[]>;

export type NotificationStatus = 'queued' | 'delivered' | 'failed' | 'skipped';

export interface NotificationSettingTable {
  organization_id: string;
  timezone: Generated<string>;
  webhook_enabled: Generated<boolean>;
  discord_webhook_url_secret: string | null;
  email_enabled: Generated<boolean>;
  email_recipients: TextArray;
  notify_responsible: Generated<boolean>;
  notify_statuses: TextArray;
  notifications_enabled_from: ColumnType<string, string | undefined, string>;
  locale: Generated<string>;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
  version: Generated<number>;
}

/** Per channel: what the outbox did with the message (`{webhook: {status, outboxId, deliveredAt, error}}`). */
export type ChannelStates = Record<string, { status: string; outboxId: string; deliveredAt?: string | null; error?: string | null }>;

export interface QuoteNotificationTable {
  id: Generated<string>;
  quote_id: string;
  organization_id: string;
  kind: 'period_started' | 'deadline_reached';
  event_date: DateString;
  dedup_key: string;
  resend_no: Generated<number>;
  status: NotificationStatus;
  skip_reason: 'before_enable_date' | null;
  late_by_days: number;
  channels: Json<ChannelStates>;
  detected_at: DefaultedTimestamp;
  delivered_at: Timestamp | null;
  last_error: string | null;
  requeued_at: Timestamp | null;
  requested_by: string | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
}

export type OpsAlertKind = 'job_dead_lettered' | 'schedule_missed' | 'backup_failed' | 'checksum_mismatch' | 'backup_missing'
  | 'restore_verify_failed' | 'notification_undelivered' | 'backup_key_missing' | 'partition_missing' | 'self_check_failed';
export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface OpsAlertTable {
  id: Generated<string>;
  kind: OpsAlertKind;
  severity: Severity;
  dedup_key: string;
  title: string;
  details: Json;
  raised_at: DefaultedTimestamp;
  delivery: Json<ChannelStates>;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
}

export interface OpsSettingTable {
  id: Generated<number>;
  discord_webhook_secret: string | null;
  email_recipients: TextArray;
  in_app_roles: TextArray;
  external_heartbeat_url: string | null;
  run_retention_days: Generated<number>;
  failure_retention_days: Generated<number>;
  alert_retention_days: Generated<number>;
  log_compress_days: Generated<number>;
  log_delete_days: Generated<number>;
  step_up_minutes: Generated<number>;
  updated_by: string | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
  version: Generated<number>;
}

export interface TempFileTable {
  path: string;
  category: 'export' | 'upload' | 'restore' | 'decrypted';
  owner_run_id: string | null;
  size_bytes: string | number | null;
  created_at: DefaultedTimestamp;
  expires_at: Timestamp;
}

declare module '../../../platform/db/schema.js' {
  interface Database {
    'operations.notification_setting': NotificationSettingTable;
    'operations.quote_notification': QuoteNotificationTable;
    'operations.ops_alert': OpsAlertTable;
    'operations.ops_setting': OpsSettingTable;
    'operations.temp_file': TempFileTable;
  }
}
