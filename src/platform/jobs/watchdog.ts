import { sql, type Selectable } from 'kysely';
import { fromKysely, type PgBoss } from 'pg-boss';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/pool.js';
import type { PlatformEvents, ScheduleMissedEvent } from '../events.js';
import type { ScheduleDefinitionTable } from './tables.js';
import { fireTimesBetween, nextFire, shortestIntervalSeconds } from './cron.js';
import { SCHEDULE_KEY_FIELD } from './registry.js';
import { SCHEDULED_FOR_FIELD, TRIGGER_FIELD } from './runner.js';
import type { JobMetrics } from './metrics.js';

type Schedule = Pick<Selectable<ScheduleDefinitionTable>, 'key' | 'cron' | 'timezone' | 'grace_minutes' | 'watermark' | 'enabled_at' | 'last_started_at'>;

const HOUR_SECONDS = 3600;
/** A queued job created this long after a fire time still counts as that fire time's run. */
export const QUEUED_EVIDENCE_SECONDS = 90;

export type WatchPlan =
  | { mode: 'fire_times'; end: Date; candidates: Date[] }
  | { mode: 'staleness'; end: Date; staleSince: Date | null };

/**
 * §5.6, the pure half: which fire times a pass must look for evidence of. Fire times in
 * `(max(watermark, enabled_at), now − grace]` (at most the 100 most recent); a schedule firing more
 * often than hourly is judged by staleness instead: no start for 3 intervals.
 */
export function planWatch(s: Schedule, now: Date): WatchPlan {
  const end = new Date(now.getTime() - s.grace_minutes * 60_000);
  const interval = shortestIntervalSeconds(s.cron, s.timezone, now);
  const enabledAt = new Date(s.enabled_at);
  if (interval < HOUR_SECONDS) {
    const last = s.last_started_at && new Date(s.last_started_at) > enabledAt ? new Date(s.last_started_at) : enabledAt;
    const stale = now.getTime() - last.getTime() > 3 * interval * 1000;
    // Named by the first fire time after the last start, so one stale spell is one miss, however many passes see it.
    return { mode: 'staleness', end, staleSince: stale ? nextFire(s.cron, s.timezone, last) : null };
  }
  const start = s.watermark && new Date(s.watermark) > enabledAt ? new Date(s.watermark) : enabledAt;
  return { mode: 'fire_times', end, candidates: fireTimesBetween(s.cron, s.timezone, start, end, 100) };
}

/** The fire times with no evidence of a run: no operation_run for it, and no queued job created within 90 s after it. */
export function missedFireTimes(candidates: Date[], served: Date[], queuedCreatedOn: Date[]): Date[] {
  const ran = new Set(served.map((d) => d.getTime()));
  return candidates.filter((t) => !ran.has(t.getTime())
    && !queuedCreatedOn.some((c) => c.getTime() >= t.getTime() && c.getTime() <= t.getTime() + QUEUED_EVIDENCE_SECONDS * 1000));
}

export interface WatchdogOptions {
  db: Db;
  boss: PgBoss;
  events: PlatformEvents;
  log: FastifyBaseLogger;
  metrics: JobMetrics;
  intervalMs: number;
  /** A running row whose heartbeat is older than this lost its process. */
  staleRunAfterMs: number;
  /** Only schedules of queues this process runs are watched here (other processes watch theirs). */
  watches(queue: string): boolean;
}

/**
 * §5.6, the scheduled half: at start and every 5 minutes, each watched schedule is checked in its own
 * transaction under an advisory lock, so with several processes each schedule is checked once a pass.
 */
export class ScheduleWatchdog {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly o: WatchdogOptions) {}

  start(): void {
    void this.pass();
    this.timer = setInterval(() => void this.pass(), this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  pass(now = new Date()): Promise<void> {
    this.running ??= this.check(now).catch((err) => this.o.log.error({ err }, 'schedule watchdog pass failed'))
      .finally(() => { this.running = undefined; });
    return this.running;
  }

  private async check(now: Date): Promise<void> {
    const schedules = await this.o.db.selectFrom('platform.schedule_definition').selectAll().where('enabled', '=', true).execute();
    const announcements: ScheduleMissedEvent[] = [];
    for (const s of schedules) {
      if (!this.o.watches(s.queue)) continue;
      try {
        const missed = await this.checkSchedule(s, now);
        if (missed) announcements.push(missed);
      } catch (err) {
        this.o.log.error({ err, schedule: s.key }, 'could not check schedule for missed runs');
      }
    }
    for (const event of announcements) {
      this.o.metrics.missed.inc({ schedule: event.scheduleKey }, event.fireTimes.length);
      this.o.log.warn({ schedule: event.scheduleKey, fireTimes: event.fireTimes, reason: event.reason, catchUpJobId: event.catchUpJobId }, 'schedule missed');
      this.o.events.emit('schedule.missed', event);
    }
    await this.reapLostRuns(now);
  }

  private async checkSchedule(s: Selectable<ScheduleDefinitionTable>, now: Date): Promise<ScheduleMissedEvent | null> {
    return this.o.db.transaction().execute(async (tx) => {
      const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(hashtext(${`jobs.watchdog:${s.key}`})) as ok`.execute(tx);
      if (!lock.rows[0]?.ok) return null;
      const current = await tx.selectFrom('platform.schedule_definition').selectAll().where('key', '=', s.key).where('enabled', '=', true).forUpdate().executeTakeFirst();
      if (!current) return null;
      const plan = planWatch(current, now);
      let missed: Date[] = [];
      if (plan.mode === 'staleness') {
        if (plan.staleSince) missed = [plan.staleSince];
      } else if (plan.candidates.length) {
        const served = await tx.selectFrom('platform.operation_run').select('scheduled_for')
          .where('schedule_key', '=', s.key).where('scheduled_for', 'in', plan.candidates).execute();
        const unserved = missedFireTimes(plan.candidates, served.map((r) => new Date(r.scheduled_for!)), []);
        if (unserved.length) {
          const queued = await this.o.boss.findJobs(s.queue, { data: { [SCHEDULE_KEY_FIELD]: s.key }, queued: true });
          missed = missedFireTimes(unserved, [], queued.map((j) => new Date(j.createdOn)));
        }
      }
      const reason = plan.mode === 'staleness' ? 'stale' as const : 'missed' as const;
      const inserted = missed.length
        ? await tx.insertInto('platform.schedule_miss').values(missed.map((t) => ({ schedule_key: s.key, fire_time: t, reason })))
          .onConflict((oc) => oc.columns(['schedule_key', 'fire_time']).doNothing()).returning('fire_time').execute()
        : [];
      const fireTimes = inserted.map((r) => new Date(r.fire_time)).sort((a, b) => a.getTime() - b.getTime());
      let catchUpJobId: string | null = null;
      if (reason === 'missed' && fireTimes.length && current.catch_up === 'run_once') {
        const newest = fireTimes[fireTimes.length - 1];
        const data = JSON.parse(JSON.stringify(current.data ?? {})) as Record<string, unknown>;
        catchUpJobId = await this.o.boss.send(s.queue, {
          ...data, [SCHEDULE_KEY_FIELD]: s.key, [TRIGGER_FIELD]: 'catch_up', [SCHEDULED_FOR_FIELD]: newest.toISOString(),
        }, { singletonKey: `catchup:${s.key}:${newest.toISOString()}`, singletonSeconds: 24 * 3600, db: fromKysely(tx) });
        if (catchUpJobId) {
          await tx.updateTable('platform.schedule_miss').set({ catch_up_job_id: catchUpJobId })
            .where('schedule_key', '=', s.key).where('fire_time', '=', newest).execute();
        }
      }
      if (!current.watermark || new Date(current.watermark) < plan.end) {
        await tx.updateTable('platform.schedule_definition').set({ watermark: plan.end }).where('key', '=', s.key).execute();
      }
      if (!fireTimes.length) return null;
      return {
        scheduleKey: s.key, queue: s.queue, module: s.module, reason, catchUpJobId,
        fireTimes: fireTimes.map((t) => t.toISOString()),
        dedupKey: `ops:miss:${s.key}:${fireTimes[fireTimes.length - 1].toISOString()}`,
      };
    });
  }

  /** Runs still marked running whose process stopped sending heartbeats: their attempt is over. */
  private async reapLostRuns(now: Date): Promise<void> {
    const before = new Date(now.getTime() - this.o.staleRunAfterMs);
    const reaped = await this.o.db.updateTable('platform.operation_run')
      .set({ status: 'failed', finished_at: now, error: JSON.stringify({ code: 'lost_heartbeat', message: 'The process running this attempt stopped sending heartbeats.' }) })
      .where('status', '=', 'running').where('heartbeat_at', '<', before).returning('id').execute();
    if (reaped.length) this.o.log.warn({ count: reaped.length }, 'job runs without heartbeat marked failed');
  }
}
