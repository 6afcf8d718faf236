import type { AtriumModule, App, ModuleContext } from '../../platform/types.js';
import { registerOffice, seedOffice } from './office/index.js';
import { registerNotifications, seedNotifications } from './notifications/index.js';
import { registerBackups, seedBackups } from './backups/index.js';

/**
 * Operations (spec ../shared/specs/operations.md; docs/operations.md): the office's quotes, their deadline
 * notifications, verified backups, cleanup and the operations overview.
 */
export const operations: AtriumModule = {
  name: 'operations',
  routes: (async (app: App, ctx: ModuleContext) => {
    await registerOffice(app, ctx);
    await registerNotifications(app, ctx);
    await registerBackups(app, ctx);
  }) as AtriumModule['routes'],
  seed: async (ctx) => {
    await seedOffice(ctx);
    await seedNotifications(ctx);
    await seedBackups(ctx);
  },
};
