import type { ModuleContext } from '../../../platform/types.js';
import { cleanupTempFiles, pruneHistory, releaseLostRunResources } from './cleanup.js';

/** Cleanup kinds of POST /cleanup/{kind} and their queues (§4.9); `storage-reconcile` belongs to the backups part. */
export const CLEANUP_QUEUES = {
  'temp-files': 'operations.cleanup.temp-files',
  logs: 'operations.cleanup.logs',
  'runs-reconcile': 'operations.runs.reconcile',
} as const;

/**
 * §6.3 housekeeping queues, mapping tasks 5, 6, 7, 9 and 10 of the original crontab (§4.12). All Europe/Paris,
 * none in the 02:00–02:59 DST window (the registry refuses such crons).
 */
export function defineHousekeepingJobs(ctx: ModuleContext) {
  ctx.jobs.define<{ dryRun?: boolean; maxAgeHours?: number }>({
    queue: CLEANUP_QUEUES['temp-files'], kind: 'cleanup_temp', policy: 'singleton', retryLimit: 3, expireInSeconds: 1800, heartbeatSeconds: 60,
    handler: async (job) => {
      const s = await cleanupTempFiles(ctx, { dryRun: job.data.dryRun, maxAgeHours: job.data.maxAgeHours });
      return { ...s, removed: s.tempFiles.length, tempFiles: s.tempFiles.slice(0, 200) };
    },
    schedules: [
      { cron: '45 1 * * *', timezone: 'Europe/Paris', catchUp: 'run_once', description: 'Temp files, leftover scratch databases (was cleanup_temp_files --auto at 02:00, moved out of the DST window)' },
      { key: 'operations.cleanup.temp-files:deep', cron: '0 1 * * 6', timezone: 'Europe/Paris', catchUp: 'run_once', data: { maxAgeHours: 2 }, description: 'Weekly deep temp cleanup, 2 h age limit (was cleanup_temp_files --age-hours=2 --force)' },
    ],
  });
  ctx.jobs.define<{ dryRun?: boolean }>({
    queue: CLEANUP_QUEUES.logs, kind: 'cleanup_logs', policy: 'singleton', retryLimit: 3, expireInSeconds: 1800, heartbeatSeconds: 60,
    handler: async (job) => pruneHistory(ctx, { dryRun: job.data.dryRun }),
    schedules: [{ cron: '0 3 * * *', timezone: 'Europe/Paris', catchUp: 'run_once', description: 'History retention (§3.5); merges cleanup_logs 03:00 daily and 04:00 Sunday' }],
  });
  ctx.jobs.define<{ dryRun?: boolean }>({
    queue: CLEANUP_QUEUES['runs-reconcile'], kind: 'runs_reconcile', policy: 'singleton', retryLimit: 1, expireInSeconds: 300,
    handler: async (job) => releaseLostRunResources(ctx, { dryRun: job.data.dryRun }),
    schedules: [{ cron: '*/5 * * * *', timezone: 'Europe/Paris', catchUp: 'none', description: 'Release resources of runs whose worker died (was cleanup_stuck_operations every 6 h)' }],
  });
}
