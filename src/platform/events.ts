import { EventEmitter } from 'node:events';

/**
 * Things that happen in the platform that other parts react to, in this process. The realtime bus
 * carries the ones other processes must hear (e.g. closing a user's sockets on every node).
 */
export interface PlatformEventMap {
  /** Sessions ended (logout, password change, lock, role change, refresh-token reuse): their sockets close. */
  'session.revoked': [{ userId: string; sessionIds: string[]; reason: string }];
  /** A user's profile, preferences, status or two-factor setting changed. */
  'user.changed': [{ userId: string }];
  /** A user's roles changed: sockets re-check their subscriptions. */
  'user.roles_changed': [{ userId: string }];
  /** A job exhausted its retries and went to the dead-letter queue. */
  'job.failed': [{ queue: string; jobId: string; error: string; critical: boolean }];
  /** A schedule's fire time passed with no run (or a frequent schedule went stale); raised once per fire time. */
  'schedule.missed': [ScheduleMissedEvent];
}

export interface ScheduleMissedEvent {
  scheduleKey: string;
  queue: string;
  module: string;
  /** `missed`: fire times with no run; `stale`: a schedule firing more often than hourly has not started for 3 intervals. */
  reason: 'missed' | 'stale';
  /** ISO-8601, oldest first. */
  fireTimes: string[];
  /** The one catch-up run sent for them (catchUp `run_once`), if any. */
  catchUpJobId: string | null;
  /** `ops:miss:<key>:<newest fire time>`, for alert dedup. */
  dedupKey: string;
}

export class PlatformEvents extends EventEmitter<PlatformEventMap> {}
