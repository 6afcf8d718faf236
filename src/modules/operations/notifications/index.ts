import type { App, ModuleContext } from '../../../platform/types.js';

/** Operations — notifications: routes, jobs and topics (filled in by the notifications work). */
export async function registerNotifications(_app: App, _ctx: ModuleContext): Promise<void> {}

export async function seedNotifications(_ctx: ModuleContext): Promise<void> {}
