import type { FastifyBaseLogger } from 'fastify';
import type { PlatformEvents } from '../events.js';
import type { NotifySettings } from './settings.js';
import type { NotifyService, Recipient } from './types.js';

/** Where operations alerts go: every admin (their `ops` preferences), the Discord webhook and the alert webhooks. */
export function opsRecipients(settings: NotifySettings): Recipient[] {
  return [
    { role: 'admin' },
    ...(settings.discordWebhookUrl ? [{ channel: 'discord' as const, address: settings.discordWebhookUrl }] : []),
    ...settings.alertWebhookUrls.map((address) => ({ channel: 'webhook' as const, address })),
  ];
}

/**
 * Routes platform events to the outbox. The dedup key comes from the event, so an event raised twice
 * (two processes, a retried watch) is still announced once.
 */
export function routePlatformEvents(events: PlatformEvents, notify: NotifyService, settings: NotifySettings, log: FastifyBaseLogger): void {
  const to = opsRecipients(settings);
  events.on('job.failed', (event) => {
    notify.send({
      to, template: 'job_failed', critical: event.critical, dedupKey: `ops:dlq:${event.jobId}`,
      data: { queue: event.queue, jobId: event.jobId, error: event.error },
    }).catch((err) => log.error({ err, event }, 'notify: could not record the job.failed alert'));
  });
  events.on('schedule.missed', (event) => {
    notify.send({
      to, template: 'schedule_missed', dedupKey: event.dedupKey,
      data: { schedule: event.scheduleKey, queue: event.queue, fireTimes: event.fireTimes, reason: event.reason, catchUp: event.catchUpJobId !== null },
    }).catch((err) => log.error({ err, event }, 'notify: could not record the schedule.missed alert'));
  });
}
