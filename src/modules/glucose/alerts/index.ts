import type { App } from '../../../platform/types.js';
import type { GlucoseServices } from '../services.js';
import alertSettingsRoutes from './settings-routes.js';
import alertRoutes from './routes.js';
import quickActionRoutes from './quick-actions.js';
import alertPeopleRoutes from './people-routes.js';
import { defineAlertJobs } from './jobs.js';

/** Alerts (§4.3): settings, inbox, transitions, quick actions, subscriptions, emergency contacts, and their delayed jobs. */
export async function registerAlerts(app: App, svc: GlucoseServices) {
  defineAlertJobs(svc);
  await alertSettingsRoutes(app, svc);
  await alertRoutes(app, svc);
  await quickActionRoutes(app, svc);
  await alertPeopleRoutes(app, svc);
}
