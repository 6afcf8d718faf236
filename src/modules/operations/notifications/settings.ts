import type { DbOrTx } from '../../../platform/db/transaction.js';
import type { SecretBox } from '../../../platform/auth/secret-box.js';
import type { NotificationChannel, RuleSettings } from './catch-up.js';

/** Discord execute-webhook URLs only (spec §4.6): anything else is `webhook_url_invalid`. */
export const DISCORD_WEBHOOK = /^https:\/\/(?:discord|discordapp)\.com\/api\/webhooks\/\d{5,30}\/[A-Za-z0-9_-]{20,200}$/;

/**
 * Whether a webhook URL may be stored. Under NODE_ENV=test a loopback server with Discord's path shape stands
 * in for discord.com (the fake Discord of test/fakes); every other environment accepts Discord URLs only.
 */
export function isWebhookUrlAllowed(url: string, allowLoopback: boolean): boolean {
  if (DISCORD_WEBHOOK.test(url)) return true;
  if (!allowLoopback) return false;
  try {
    const u = new URL(url);
    return ['127.0.0.1', 'localhost'].includes(u.hostname) && /^\/api\/webhooks\/\d+\/[A-Za-z0-9_-]+$/.test(u.pathname);
  } catch {
    return false;
  }
}

export interface OrgNotificationSettings {
  organizationId: string;
  timezone: string;
  webhookEnabled: boolean;
  webhookConfigured: boolean;
  emailEnabled: boolean;
  emailRecipients: string[];
  notifyResponsible: boolean;
  notifyStatuses: string[];
  notificationsEnabledFrom: string;
  locale: string;
  version: number;
  /** False until someone saved the settings: the defaults are shown, nothing is sent. */
  saved: boolean;
}

export interface LoadedSettings extends OrgNotificationSettings {
  webhookUrl: string | null;
}

export async function loadSettings(db: DbOrTx, box: SecretBox, organizationId: string, orgTimezone = 'Europe/Paris'): Promise<LoadedSettings> {
  const row = await db.selectFrom('operations.notification_setting').selectAll()
    .select((eb) => eb.fn<string>('to_char', [eb.ref('notifications_enabled_from'), eb.val('YYYY-MM-DD')]).as('enabled_from'))
    .where('organization_id', '=', organizationId).executeTakeFirst();
  if (!row) {
    return {
      organizationId, timezone: orgTimezone, webhookEnabled: false, webhookConfigured: false, webhookUrl: null, emailEnabled: false,
      emailRecipients: [], notifyResponsible: true, notifyStatuses: ['issued', 'accepted'],
      notificationsEnabledFrom: new Date().toISOString().slice(0, 10), locale: 'fr-FR', version: 0, saved: false,
    };
  }
  return {
    organizationId, timezone: row.timezone, webhookEnabled: row.webhook_enabled, webhookConfigured: row.discord_webhook_url_secret !== null,
    webhookUrl: row.discord_webhook_url_secret ? box.open(row.discord_webhook_url_secret) : null,
    emailEnabled: row.email_enabled, emailRecipients: row.email_recipients, notifyResponsible: row.notify_responsible,
    notifyStatuses: row.notify_statuses, notificationsEnabledFrom: row.enabled_from, locale: row.locale, version: row.version, saved: true,
  };
}

/** Channels that will carry messages: enabled, and with somewhere to send them. */
export function enabledChannels(s: LoadedSettings): NotificationChannel[] {
  const channels: NotificationChannel[] = [];
  if (s.webhookEnabled && s.webhookUrl) channels.push('webhook');
  if (s.emailEnabled && (s.emailRecipients.length > 0 || s.notifyResponsible)) channels.push('email');
  return channels;
}

export const ruleSettings = (s: LoadedSettings): RuleSettings => ({
  notifyStatuses: s.notifyStatuses, enabledFrom: s.notificationsEnabledFrom, channels: enabledChannels(s),
});

export const publicSettings = ({ webhookUrl: _hidden, ...s }: LoadedSettings): OrgNotificationSettings => s;

export const notifyLocale = (locale: string): 'en' | 'fr' => (locale.startsWith('fr') ? 'fr' : 'en');
