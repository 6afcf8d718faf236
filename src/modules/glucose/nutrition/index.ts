import type { App } from '../../../platform/types.js';
import type { GlucoseServices } from '../services.js';
import { defineLogTopic } from './events.js';
import { addCareLogMarkers } from './markers.js';
import { computeMealImpact, MEALS_IMPACT_QUEUE, recomputeChanged } from './impact.js';
import nutritionRoutes from './routes.js';
import activityRoutes from './activity.js';
import recommendationRoutes from './recommendations.js';
import medicationRoutes from '../medications/routes.js';
import insulinRoutes from '../medications/insulin.js';
import { defineMedicationJobs, defineMedicationNotices } from '../medications/jobs.js';

/** Glucose III: medications and insulin (§4.5), nutrition and activity (§4.6), their jobs (§7) and the logs topic (§6). */
export async function registerCareLogs(app: App, svc: GlucoseServices) {
  defineLogTopic(svc);
  addCareLogMarkers();
  defineMedicationNotices(svc);
  defineMedicationJobs(svc);
  svc.ctx.jobs.define({
    queue: MEALS_IMPACT_QUEUE, retryLimit: 3, retryDelay: 10,
    handler: async (job) => {
      const mealId = (job.data as { mealId?: string }).mealId;
      if (mealId) { const impact = await computeMealImpact(svc.ctx.db, mealId); return { computed: impact ? 1 : 0 }; }
      return recomputeChanged(svc.ctx.db);
    },
    schedules: [{ key: 'glucose.meals.impact:changed', cron: '*/15 * * * *', timezone: 'UTC', data: {}, description: 'Recompute meal impact when readings in the window changed' }],
  });
  await medicationRoutes(app, svc);
  await insulinRoutes(app, svc);
  await nutritionRoutes(app, svc);
  await activityRoutes(app, svc);
  await recommendationRoutes(app, svc);
}
