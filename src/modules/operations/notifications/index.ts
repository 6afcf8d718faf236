import type { App, ModuleContext } from '../../../platform/types.js';
import './tables.js';
import { registerHousekeeping } from '../housekeeping/index.js';
import { defineMessages } from './messages.js';
import { defineNotificationJobs } from './jobs.js';
import { notificationRoutes } from './routes.js';
import { seedNotificationSettings } from './seed.js';

/**
 * Operations — quote deadline notifications that are never lost (spec §3.2, §4.6, §5.1, §8), and, through
 * ../housekeeping, cleanup, operations history, ops alerts and the KPI summary.
 */
export async function registerNotifications(app: App, ctx: ModuleContext): Promise<void> {
  defineMessages(ctx);
  defineNotificationJobs(ctx);
  await notificationRoutes(app, ctx);
  await registerHousekeeping(app, ctx);
}

export async function seedNotifications(ctx: ModuleContext): Promise<void> {
  await seedNotificationSettings(ctx);
}
