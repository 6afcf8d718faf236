import type { App, ModuleContext } from '../../../platform/types.js';

/** Operations — backups: routes, jobs and topics (filled in by the backups work). */
export async function registerBackups(_app: App, _ctx: ModuleContext): Promise<void> {}

export async function seedBackups(_ctx: ModuleContext): Promise<void> {}
