import type { App, ModuleContext } from '../../../platform/types.js';
import backupRoutes from './routes.js';
import { BackupService, QUEUES } from './service.js';
import { seedBackupsDemo } from './seed.js';

/** The service of the running app (tests reach it to set hooks). */
export const backupServices = new WeakMap<ModuleContext['db'], BackupService>();

const catalogue = (ctx: ModuleContext, service: BackupService) => {
  const tz = 'Europe/Paris';
  ctx.jobs.define<any>({
    queue: QUEUES.run, kind: 'backup', policy: 'singleton', retryLimit: 3, retryDelay: 60, expireInSeconds: 6 * 3600, heartbeatSeconds: 60, critical: true,
    handler: (job) => service.handleRun(job),
    schedules: [{ cron: '0 4 * * *', timezone: tz, catchUp: 'run_once', data: { all: true }, description: 'Daily backup of every enabled config, then GFS retention (was backup_database at 02:00, never run)' }],
  });
  ctx.jobs.define<{ configId?: string }>({
    queue: QUEUES.retention, kind: 'retention', policy: 'singleton', retryLimit: 3, expireInSeconds: 1800, heartbeatSeconds: 60,
    handler: (job) => service.handleRetention(job),
    schedules: [{ cron: '30 5 * * *', timezone: tz, catchUp: 'none', description: 'GFS retention of every config (was never scheduled)' }],
  });
  ctx.jobs.define<{ backupId?: string }>({
    queue: QUEUES.checksums, kind: 'checksum_verify', policy: 'singleton', retryLimit: 3, expireInSeconds: 6 * 3600, heartbeatSeconds: 60, critical: true,
    handler: (job) => service.verifyChecksums(job.data.backupId ? [job.data.backupId] : undefined),
    schedules: [{ cron: '30 3 * * 0', timezone: tz, catchUp: 'run_once', description: 'Re-hash every retained backup (checksums were never re-verified)' }],
  });
  ctx.jobs.define<{ backupId?: string }>({
    queue: QUEUES.verifyRestore, kind: 'restore_verify', policy: 'singleton', retryLimit: 2, expireInSeconds: 12 * 3600, heartbeatSeconds: 60, critical: true,
    handler: (job) => service.handleVerifyRestore(job),
    schedules: [{ cron: '0 6 * * 0', timezone: tz, catchUp: 'run_once', description: 'Weekly restore of the newest backups into a scratch database with checks (restores were never tested)' }],
  });
  ctx.jobs.define<{ fromKeyId: string }>({
    queue: QUEUES.rewrap, kind: 'key_rewrap', policy: 'singleton', retryLimit: 3, expireInSeconds: 6 * 3600, heartbeatSeconds: 60,
    handler: (job) => service.handleRewrap(job),
  });
  ctx.jobs.define({
    queue: QUEUES.reconcileStorage, kind: 'storage_reconcile', policy: 'singleton', retryLimit: 3, expireInSeconds: 2 * 3600, heartbeatSeconds: 60,
    handler: () => service.reconcileStorage(),
    schedules: [{ cron: '0 3 * * 0', timezone: tz, catchUp: 'run_once', description: 'Catalogue vs storage: missing objects alert, orphan artefacts with a valid manifest are adopted' }],
  });
  ctx.jobs.define<any>({
    queue: QUEUES.restore, kind: 'restore', policy: 'singleton', retryLimit: 0, expireInSeconds: 12 * 3600, heartbeatSeconds: 60, critical: true,
    handler: (job) => service.handleRestore(job),
  });
};

/** Operations — backups (spec operations.md §3.3, §4.7, §4.8, §5.3–5.5; docs/operations.md "Backups"). */
export async function registerBackups(app: App, ctx: ModuleContext): Promise<void> {
  const service = new BackupService(ctx);
  backupServices.set(ctx.db, service);
  ctx.realtime.defineTopic({
    prefix: 'operations.backups',
    description: 'operations.backups — backup.completed, backup.failed, backup.corrupt, backup.verified, restore.completed (admins)',
    authorize: async (user) => user.roles.includes('admin'),
  });
  catalogue(ctx, service);
  await backupRoutes(app, ctx, service);
  // At start: keys referenced by retained backups must load (a critical alert otherwise); never blocks the start.
  app.addHook('onReady', async () => {
    void service.checkKeys().catch((err) => ctx.log.warn({ err }, 'operations: backup key check failed'));
  });
}

export async function seedBackups(ctx: ModuleContext): Promise<void> {
  await seedBackupsDemo(ctx);
}
