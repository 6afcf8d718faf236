import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string, string>;

export const CHANNELS = ['inapp', 'email', 'sms', 'whatsapp', 'push', 'webhook', 'discord'] as const;
export type ChannelName = (typeof CHANNELS)[number];
/** Channels a user can receive on (webhook and discord go to addresses, not people). */
export const USER_CHANNELS = ['inapp', 'email', 'sms', 'whatsapp', 'push'] as const;
export type UserChannel = (typeof USER_CHANNELS)[number];

export const STATUSES = ['pending', 'deferred', 'sending', 'sent', 'delivered', 'failed', 'not_configured', 'suppressed'] as const;
export type OutboxStatus = (typeof STATUSES)[number];

export interface NotificationOutboxTable {
  id: Generated<string>;
  message_id: string;
  user_id: string | null;
  address: string | null;
  recipient_key: string;
  channel: ChannelName;
  category: string;
  template: string;
  data: Json;
  locale: 'en' | 'fr';
  dedup_key: string;
  critical: boolean;
  status: OutboxStatus;
  attempts: Generated<number>;
  deliver_after: DefaultedTimestamp;
  dispatched_at: Timestamp | null;
  provider_id: string | null;
  provider_status: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
  sent_at: Timestamp | null;
  delivered_at: Timestamp | null;
}

export interface InboxMessagesTable {
  id: Generated<string>;
  user_id: string;
  message_id: string;
  category: string;
  template: string;
  title: string;
  body: string;
  link: string | null;
  data: Json;
  critical: boolean;
  created_at: CreatedAt;
  read_at: Timestamp | null;
}

export interface NotificationPreferencesTable {
  user_id: string;
  category: string;
  channels: ColumnType<string[], string[], string[]>;
  updated_at: DefaultedTimestamp;
}

export interface PushDevicesTable {
  id: Generated<string>;
  user_id: string;
  token: string;
  platform: 'android' | 'ios' | 'web';
  label: string | null;
  created_at: CreatedAt;
  last_seen_at: DefaultedTimestamp;
}

declare module '../db/schema.js' {
  interface Database {
    'platform.notification_outbox': NotificationOutboxTable;
    'platform.inbox_messages': InboxMessagesTable;
    'platform.notification_preferences': NotificationPreferencesTable;
    'platform.push_devices': PushDevicesTable;
  }
}
