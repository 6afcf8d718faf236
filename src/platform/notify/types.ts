import type { Role } from '../config.js';
import type { DbOrTx } from '../db/transaction.js';
import type { ChannelName, OutboxStatus, UserChannel } from './tables.js';

export type Locale = 'en' | 'fr';

/** Who receives a message: a user (channels from preferences), every active user with a role, or a bare address. */
export type Recipient =
  | { userId: string }
  | { role: Role }
  | { channel: 'email' | 'sms' | 'whatsapp'; address: string; locale?: Locale }
  | { channel: 'webhook' | 'discord'; address: string; locale?: Locale };

export interface SendInput {
  to: Recipient | Recipient[];
  template: string;
  data?: Record<string, unknown>;
  /** Preference category; defaults to the template's. */
  category?: string;
  /** Channels for user recipients; defaults to the category's. The user's preferences narrow them. */
  channels?: UserChannel[];
  /** Ignores quiet hours and preferences (a user cannot silence a critical alert). */
  critical?: boolean;
  /** The same key is never sent twice to the same recipient on the same channel. Default: unique per call. */
  dedupKey?: string;
  /** Locale for address recipients (users have their own). */
  locale?: Locale;
}

export interface SendOptions {
  /** Writes the outbox rows in this transaction; delivery starts after it commits. */
  db?: DbOrTx;
}

export interface QueuedMessage {
  id: string;
  channel: ChannelName;
  userId: string | null;
  status: OutboxStatus;
  /** False when the dedup key had already been used: nothing new was written. */
  created: boolean;
}

/** What a template renders for one locale. `sms` shortens the text for SMS and WhatsApp. */
export interface RenderedMessage {
  title: string;
  body: string;
  link?: string;
  sms?: string;
  /** Discord only: embed colour, fields and footer (limits are applied by the channel). */
  embed?: { color?: number; fields?: { name: string; value: string; inline?: boolean }[]; footer?: string };
}

export interface TemplateDefinition<D = Record<string, any>> {
  /** `<module>.<name>` for module templates, e.g. `glucose.urgent_low`. */
  name: string;
  category: string;
  en: (data: D) => RenderedMessage;
  fr: (data: D) => RenderedMessage;
  /** Data keys erased from the outbox once the message reached a final status (reset links, one-time codes). */
  secretKeys?: string[];
}

export interface CategoryDefinition {
  name: string;
  description: string;
  /** Channels used when the sender does not name any and the user has no preference. */
  defaultChannels: UserChannel[];
}

/** `platform.notify`. */
export interface NotifyService {
  defineCategory(category: CategoryDefinition): void;
  defineTemplate<D = Record<string, any>>(template: TemplateDefinition<D>): void;
  send(input: SendInput, options?: SendOptions): Promise<QueuedMessage[]>;
}
