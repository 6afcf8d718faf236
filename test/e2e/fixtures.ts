import type { AtriumModule } from '../../src/platform/types.js';

/** Handler runs per job id, so a test can make the first attempt fail and a retried one succeed. */
export const attempts = new Map<string, number>();

/** A module with a queue whose jobs fail while `data.failTimes` exceeds their attempts so far, and a daily schedule. */
export const reportsModule: AtriumModule = {
  name: 'e2e',
  routes: async () => {},
  jobs: [{
    queue: 'e2e.report',
    retryLimit: 0,
    handler: async (job) => {
      const n = (attempts.get(job.id) ?? 0) + 1;
      attempts.set(job.id, n);
      const failTimes = Number((job.data as { failTimes?: number }).failTimes ?? 0);
      if (n <= failTimes) throw new Error(`report generation failed: the printer is on fire (attempt ${n})`);
      return { pages: 3 };
    },
    schedules: [{ cron: '0 6 * * *', timezone: 'Europe/Paris', description: 'Morning report' }],
  }],
};
