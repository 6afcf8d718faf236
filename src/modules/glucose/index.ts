import type { AtriumModule } from '../../platform/types.js';
import './tables.js';
import { glucoseRootRoutes, glucoseRoutes } from './routes.js';
import { seedDemo } from './seed/demo.js';
import { seedDemoForecasts } from './predictions/seed.js';

/** Glucose monitoring: care team, patient configuration, readings, Nightscout-compatible uploads (see docs/glucose.md). */
export const glucose: AtriumModule = {
  name: 'glucose',
  routes: glucoseRoutes as AtriumModule['routes'],
  rootRoutes: glucoseRootRoutes as AtriumModule['routes'],
  seed: async (ctx) => {
    await seedDemo(ctx);
    await seedDemoForecasts(ctx);
  },
};
