import type { ModuleContext, App } from '../../platform/types.js';
import { createServices, type GlucoseServices } from './services.js';
import { canAccessPatient } from './access/scope.js';
import { recordAudit } from '../../platform/audit/writer.js';
import { ensureStandingPartitions } from './readings/partitions.js';
import { defineReadingJobs } from './readings/maintenance.js';
import { defineNotices } from './notices.js';
import careTeamRoutes from './care-team/routes.js';
import patientRoutes from './patients/routes.js';
import readingRoutes from './readings/routes.js';
import credentialRoutes from './nightscout/credentials.js';
import nightscoutRoutes from './nightscout/routes.js';
import { registerAlerts } from './alerts/index.js';
import reportRoutes from './reports/routes.js';
import dashboardRoutes from './dashboard/routes.js';
import analyticsRoutes from './analytics/routes.js';
import { registerCareLogs } from './nutrition/index.js';
import { registerSensors } from './sensors/index.js';
import { registerPredictions } from './predictions/index.js';

const servicesByDatabase = new WeakMap<object, GlucoseServices>();

/**
 * One set of module services per app instance (keyed by its database handle), shared by the /api/v1/glucose
 * routes and the Nightscout paths: rotating a secret in one is seen at once by the other.
 */
export function servicesOf(ctx: ModuleContext): GlucoseServices {
  let svc = servicesByDatabase.get(ctx.db);
  if (!svc) { svc = createServices(ctx); servicesByDatabase.set(ctx.db, svc); }
  return svc;
}

/** Topics of §6 that readings and uploads publish on; a subscription is a read of health data, so it is audited. */
function defineTopics(svc: GlucoseServices) {
  for (const [prefix, description] of [
    ['glucose.readings', 'glucose.readings:<patientId> — reading.created, readings.backfilled, reading.deleted'],
    ['glucose.devices', 'glucose.devices:<patientId> — uploader.updated, sensor.updated'],
    ['glucose.alerts', 'glucose.alerts:<patientId> — alert.raised, alert.updated, alert.escalated, alert.resolved'],
  ] as const) {
    svc.ctx.realtime.defineTopic({
      prefix,
      description,
      authorize: async (user, patientId) => {
        const allowed = await canAccessPatient(svc.ctx.db, user, patientId);
        if (allowed) {
          await recordAudit(svc.ctx.db, { actorId: user.id, ip: null, requestId: null }, {
            action: `${prefix}.subscribed`, entity: prefix, entityId: patientId, diff: { patientId },
          });
        }
        return allowed;
      },
    });
  }
}

/** Everything under /api/v1/glucose. */
export async function glucoseRoutes(app: App, ctx: ModuleContext) {
  const svc = servicesOf(ctx);
  defineTopics(svc);
  defineReadingJobs(svc);
  defineNotices(ctx);
  app.addHook('onReady', async () => {
    await ensureStandingPartitions(svc.partitions);
  });
  await careTeamRoutes(app, svc);
  await patientRoutes(app, svc);
  await readingRoutes(app, svc);
  await credentialRoutes(app, svc);
  await registerAlerts(app, svc);
  await reportRoutes(app, svc);
  await dashboardRoutes(app, svc);
  await analyticsRoutes(app, svc);
  await registerCareLogs(app, svc);
  await registerSensors(app, svc);
  await registerPredictions(app, svc);
}

/** The Nightscout-compatible paths (/api/v1/entries, /api/v3/…), mounted at the origin's root. */
export async function glucoseRootRoutes(app: App, ctx: ModuleContext) {
  const svc = servicesOf(ctx);
  await nightscoutRoutes(app, svc);
}
