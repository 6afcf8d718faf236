import type { AtriumModule } from '../platform/types.js';
import { glucose } from './glucose/index.js';
import { sourcing } from './sourcing/index.js';
import { operations } from './operations/index.js';

/** Every module of Atrium, in the order their routes are registered. `ENABLED_MODULES` picks a subset. */
export const allModules: AtriumModule[] = [glucose, sourcing, operations];
