import type { App, ModuleContext } from '../../../platform/types.js';

/** Operations — office: routes, jobs and topics (filled in by the office work). */
export async function registerOffice(_app: App, _ctx: ModuleContext): Promise<void> {}

export async function seedOffice(_ctx: ModuleContext): Promise<void> {}
