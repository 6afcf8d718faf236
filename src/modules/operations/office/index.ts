import type { App, ModuleContext } from '../../../platform/types.js';
import './tables.js';
import { defineOfficeTopics } from './access.js';
import organizationRoutes from './organizations/routes.js';
import clientRoutes from './clients/routes.js';
import projectRoutes from './projects/routes.js';
import quoteRoutes from './quotes/routes.js';
import templateRoutes from './templates/routes.js';
import attachmentRoutes from './attachments/routes.js';
import exportRoutes, { defineExportJob } from './exports/routes.js';
import { seedOfficeDemo } from './seed/demo.js';

/**
 * Operations — office (spec operations.md §3.1, §3.6, §4.1–4.5; docs/operations.md "Office"): organisations,
 * clients, projects, quotes with lines and numbering, templates with immutable versions and PDF, attachments, exports.
 */
export async function registerOffice(app: App, ctx: ModuleContext): Promise<void> {
  defineOfficeTopics(ctx);
  defineExportJob(ctx);
  await exportRoutes(app, ctx);
  await organizationRoutes(app, ctx);
  await clientRoutes(app, ctx);
  await projectRoutes(app, ctx);
  await quoteRoutes(app, ctx);
  await templateRoutes(app, ctx);
  // multipart parsing only for the attachment routes (an encapsulated child keeps it off the module's other routes)
  await app.register(async (child) => attachmentRoutes(child as App, ctx));
}

export async function seedOffice(ctx: ModuleContext): Promise<void> {
  await seedOfficeDemo(ctx);
}
