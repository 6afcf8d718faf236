import type { Selectable } from 'kysely';
import type { preHandlerAsyncHookHandler } from 'fastify';
import { badRequest, serviceUnavailable } from '../../http/errors.js';
import type { OperationRunTable } from '../tables.js';
import type { PlatformJobs } from '../service.js';
import type { App } from '../../types.js';

/** Admins and managers, and only while the monitor knows pg-boss's schema (checked at start). */
export function monitorGuard(app: App, jobs: PlatformJobs): preHandlerAsyncHookHandler[] {
  const available: preHandlerAsyncHookHandler = async () => {
    if (!jobs.monitor.available) throw serviceUnavailable('job_monitor_unavailable', `The job monitor is off: ${jobs.monitor.reason}.`);
  };
  return [app.requireRole('admin', 'manager'), available];
}

export const iso = (d: Date | string) => new Date(d).toISOString();
export const isoOrNull = (d: Date | string | null | undefined) => (d ? iso(d) : null);

/** A `[timestamp, uuid]` keyset cursor, as the job lists page. */
export function keysetCursor(position: unknown[] | undefined): [string, string] | undefined {
  if (!position) return undefined;
  const [at, id] = position;
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw badRequest('invalid_cursor', 'The cursor is not one this API returned; start again without it.');
  }
  return [at, id];
}

export const toRunDto = (r: Selectable<OperationRunTable>) => ({
  id: r.id, kind: r.kind, attempt: r.attempt, trigger: r.trigger, status: r.status, scheduleKey: r.schedule_key,
  scheduledFor: isoOrNull(r.scheduled_for), startedAt: iso(r.started_at), finishedAt: isoOrNull(r.finished_at),
  heartbeatAt: isoOrNull(r.heartbeat_at), durationMs: r.duration_ms, summary: r.summary, error: r.error, actorUserId: r.actor_user_id,
});

/** Tells the monitor pages (realtime topic `jobs`, admins and managers) that something changed; never fails the request. */
export function announce(app: App, type: string, data: unknown): void {
  app.platform.realtime.publish('jobs', type, data).catch((err) => app.log.warn({ err, type }, 'could not announce a job monitor change'));
}
