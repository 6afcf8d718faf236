import type { AtriumModule } from '../../platform/types.js';
import './tables.js';
import { glucoseRootRoutes, glucoseRoutes } from './routes.js';
import { seedDemo } from './seed/demo.js';

/** Glucose monitoring: care team, patient configuration, readings, Nightscout-compatible uploads (see docs/glucose.md). */
export const glucose: AtriumModule = {
  name: 'glucose',
  routes: glucoseRoutes as AtriumModule['routes'],
  rootRoutes: glucoseRootRoutes as AtriumModule['routes'],
  seed: seedDemo,
};
