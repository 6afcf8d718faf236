import type { App } from '../../../platform/types.js';
import type { GlucoseServices } from '../services.js';
import { defineSensorJobs } from './jobs.js';
import { defineSensorNotices } from './notices.js';
import sensorRoutes from './routes.js';

/** Sensors (§4.9): lifecycle, calibrations, diagnostics, the per-minute lifecycle job and its notices. */
export async function registerSensors(app: App, svc: GlucoseServices) {
  defineSensorNotices(svc.ctx);
  defineSensorJobs(svc);
  await sensorRoutes(app, svc);
}
