import { sql } from 'kysely';
import type { ModuleContext } from '../../../platform/types.js';

/**
 * Demo: every organisation gets saved notification settings (e-mail to the responsible person, enabled
 * 60 days back so the catch-up rule has work on first start). Idempotent: existing settings are kept.
 */
export async function seedNotificationSettings(ctx: ModuleContext) {
  await sql`insert into operations.notification_setting (organization_id, email_enabled, notify_responsible, notifications_enabled_from, timezone, locale)
    select o.id, true, true, current_date - 60, o.timezone, o.locale from operations.organization o
    where o.locale in ('fr-FR', 'en-GB', 'en-US')
    on conflict (organization_id) do nothing`.execute(ctx.db);
  // One scan now, so the demo shows notifications (and their catch-up) without waiting for 08:00.
  await ctx.jobs.send('operations.quotes.notify', {}, { trigger: 'manual', singletonKey: 'all' })
    .catch((err) => ctx.log.warn({ err }, 'operations: the first notification scan was not queued; the 08:00 schedule will run it'));
}
