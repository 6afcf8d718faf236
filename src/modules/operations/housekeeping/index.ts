import type { App, ModuleContext } from '../../../platform/types.js';
import { defineAlertTemplate, routeOpsEvents } from './alerts.js';
import { defineHousekeepingJobs } from './jobs.js';
import { housekeepingRoutes } from './routes.js';

/** Operations — cleanup, operations history, ops alerts and the KPI summary (spec §4.9, §4.11, §6.3). */
export async function registerHousekeeping(app: App, ctx: ModuleContext): Promise<void> {
  defineAlertTemplate(ctx);
  defineHousekeepingJobs(ctx);
  routeOpsEvents(ctx);
  await housekeepingRoutes(app, ctx);
}
