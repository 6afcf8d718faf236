import { sql } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { JobResult, JobWithMetadata } from 'pg-boss';
import type { Db } from '../db/pool.js';
import type { QueueDeclaration } from './definitions.js';
import { JobSkipped, type JobRun, type JobTrigger } from './types.js';
import { previousFire, shortestIntervalSeconds } from './cron.js';
import { SCHEDULE_KEY_FIELD } from './registry.js';
import type { JobMetrics } from './metrics.js';
import type { RunHeartbeat } from './heartbeat.js';

export const TRIGGER_FIELD = '__trigger';
export const SCHEDULED_FOR_FIELD = '__scheduledFor';
export const ACTOR_FIELD = '__actor';

const STACK_LIMIT = 16 * 1024;
const MESSAGE_LIMIT = 4 * 1024;
const HOUR = 3600;

export interface RunError { code: string; message: string; stack?: string }

/** `code` from typed errors (HttpError, pg errors, provider errors), else `unhandled`; stack ≤ 16 KiB. */
export function toRunError(err: unknown): RunError {
  const e = err instanceof Error ? err : new Error(String(err));
  const typed = (e as Error & { code?: unknown }).code;
  const code = typeof typed === 'string' && typed ? typed : 'unhandled';
  return { code, message: e.message.slice(0, MESSAGE_LIMIT), stack: e.stack?.slice(0, STACK_LIMIT) };
}

/** A plain object becomes operation_run.summary as it is; anything else is wrapped; nothing stays null. */
function toSummary(value: unknown): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  return { value };
}

interface ScheduleInfo { cron: string; timezone: string; frequent: boolean }

interface Attempt {
  job: JobWithMetadata<Record<string, unknown>>;
  data: Record<string, unknown>;
  attempt: number;
  trigger: JobTrigger;
  scheduleKey: string | null;
  scheduledFor: Date | null;
  actor: string | null;
  /** Row written at start (tracked), at the end only if it did work or failed (frequent schedules), or never. */
  record: 'upfront' | 'if_work' | 'never';
  runId?: string;
  startedAt: Date;
  finishedAt?: Date;
  status?: 'succeeded' | 'failed' | 'cancelled' | 'skipped';
  summary?: Record<string, unknown> | null;
  error?: RunError;
}

export interface RunnerContext {
  db: Db;
  log: FastifyBaseLogger;
  metrics: JobMetrics;
  heartbeat: RunHeartbeat;
  /** Called when an attempt was the job's last (it goes to the dead-letter queue). */
  onDeadLettered(): void;
}

function splitData(raw: Record<string, unknown> | null) {
  const data: Record<string, unknown> = {};
  const meta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw ?? {})) (k.startsWith('__') ? meta : data)[k] = v;
  return { data, meta };
}

async function scheduleInfo(db: Db, keys: string[]): Promise<Map<string, ScheduleInfo>> {
  if (!keys.length) return new Map();
  const rows = await db.selectFrom('platform.schedule_definition').select(['key', 'cron', 'timezone']).where('key', 'in', keys).execute();
  const now = new Date();
  return new Map(rows.map((r) => [r.key, { cron: r.cron, timezone: r.timezone, frequent: shortestIntervalSeconds(r.cron, r.timezone, now) < HOUR }]));
}

function prepare(q: QueueDeclaration, job: JobWithMetadata<Record<string, unknown>>, schedules: Map<string, ScheduleInfo>): Attempt {
  const { data, meta } = splitData(job.data);
  const scheduleKey = typeof meta[SCHEDULE_KEY_FIELD] === 'string' ? meta[SCHEDULE_KEY_FIELD] as string : null;
  const trigger = (meta[TRIGGER_FIELD] as JobTrigger | undefined) ?? (job.sourceRootId ? 'redrive' : scheduleKey ? 'schedule' : 'event');
  const schedule = scheduleKey ? schedules.get(scheduleKey) : undefined;
  let scheduledFor: Date | null = null;
  if (typeof meta[SCHEDULED_FOR_FIELD] === 'string') scheduledFor = new Date(meta[SCHEDULED_FOR_FIELD] as string);
  // pg-boss creates a scheduled job within a minute or so of its fire time: the fire time it serves is the last one before.
  else if (trigger === 'schedule' && schedule) scheduledFor = previousFire(schedule.cron, schedule.timezone, new Date(new Date(job.createdOn).getTime() + 1000));
  const fromSchedule = trigger === 'schedule' || trigger === 'catch_up';
  const record = fromSchedule && schedule?.frequent ? 'if_work'
    : q.tracked || (fromSchedule && scheduleKey) ? 'upfront' : 'never';
  return {
    job, data, attempt: job.retryCount + 1, trigger, scheduleKey, scheduledFor,
    actor: typeof meta[ACTOR_FIELD] === 'string' ? meta[ACTOR_FIELD] as string : null,
    record, startedAt: new Date(),
  };
}

const rowValues = (q: QueueDeclaration, a: Attempt) => ({
  kind: q.kind, queue: q.queue, job_id: a.job.id, attempt: a.attempt, schedule_key: a.scheduleKey, scheduled_for: a.scheduledFor,
  trigger: a.trigger, actor_user_id: a.actor, started_at: a.startedAt,
});

async function insertRunning(db: Db, q: QueueDeclaration, attempts: Attempt[]) {
  const upfront = attempts.filter((a) => a.record === 'upfront');
  if (!upfront.length) return;
  const rows = await db.insertInto('platform.operation_run')
    .values(upfront.map((a) => ({ ...rowValues(q, a), status: 'running' as const, heartbeat_at: a.startedAt })))
    // A claim of the same attempt can only come back after this process lost it (crash, expiry): start the row afresh.
    .onConflict((oc) => oc.columns(['job_id', 'attempt']).doUpdateSet({
      status: 'running', started_at: (eb) => eb.ref('excluded.started_at'), heartbeat_at: (eb) => eb.ref('excluded.heartbeat_at'),
      finished_at: null, summary: null, error: null,
    }))
    .returning(['id', 'job_id']).execute();
  const ids = new Map(rows.map((r) => [r.job_id, r.id]));
  for (const a of upfront) a.runId = ids.get(a.job.id);
}

async function finishRuns(db: Db, q: QueueDeclaration, attempts: Attempt[]) {
  const updates = attempts.filter((a) => a.runId);
  if (updates.length) {
    const payload = JSON.stringify(updates.map((a) => ({
      id: a.runId, status: a.status, finished_at: a.finishedAt!.toISOString(), summary: a.summary ?? null, error: a.error ?? null,
    })));
    await sql`update platform.operation_run r
      set status = x.status, finished_at = x.finished_at, summary = x.summary, error = x.error
      from jsonb_to_recordset(${payload}::jsonb) as x(id uuid, status text, finished_at timestamptz, summary jsonb, error jsonb)
      where r.id = x.id`.execute(db);
  }
  const late = attempts.filter((a) => a.record === 'if_work' && (a.status === 'failed' || (a.summary && Object.keys(a.summary).length)));
  if (late.length) {
    await db.insertInto('platform.operation_run').values(late.map((a) => ({
      ...rowValues(q, a), status: a.status!, finished_at: a.finishedAt!,
      summary: a.summary ? JSON.stringify(a.summary) : null, error: a.error ? JSON.stringify(a.error) : null,
    }))).onConflict((oc) => oc.columns(['job_id', 'attempt']).doNothing()).execute();
  }
}

async function markSchedules(db: Db, attempts: Attempt[], phase: 'start' | 'end') {
  const scheduled = attempts.filter((a) => a.scheduleKey);
  if (!scheduled.length) return;
  if (phase === 'start') {
    await db.updateTable('platform.schedule_definition').set({ last_started_at: new Date(), last_status: 'running' })
      .where('key', 'in', scheduled.map((a) => a.scheduleKey!)).execute();
    return;
  }
  for (const a of scheduled) {
    await db.updateTable('platform.schedule_definition')
      .set({ last_finished_at: a.finishedAt!, last_status: a.status!, ...(a.status === 'succeeded' ? { last_success_at: a.finishedAt! } : {}) })
      .where('key', '=', a.scheduleKey!).execute();
  }
}

function jobRun(q: QueueDeclaration, a: Attempt, ctx: RunnerContext): JobRun<Record<string, unknown>> {
  let log: FastifyBaseLogger | undefined;
  return {
    id: a.job.id, queue: q.queue, data: a.data, attempt: a.attempt, trigger: a.trigger,
    scheduleKey: a.scheduleKey ?? undefined, scheduledFor: a.scheduledFor ?? undefined, signal: a.job.signal,
    get log() {
      log ??= ctx.log.child({ queue: q.queue, jobId: a.job.id, attempt: a.attempt });
      return log;
    },
    async recordResources(resources) {
      if (!a.runId) return;
      await ctx.db.updateTable('platform.operation_run').set({ resources: JSON.stringify(resources) }).where('id', '=', a.runId).execute();
    },
  };
}

async function execute(q: QueueDeclaration, a: Attempt, ctx: RunnerContext): Promise<JobResult> {
  try {
    const value = await q.definition.handler(jobRun(q, a, ctx));
    a.status = 'succeeded';
    a.summary = toSummary(value);
  } catch (err) {
    if (err instanceof JobSkipped) {
      a.status = 'skipped';
      a.summary = { reason: err.reason };
    } else {
      a.status = a.job.signal.aborted ? 'cancelled' : 'failed';
      a.error = toRunError(err);
    }
  }
  a.finishedAt = new Date();
  return a.status === 'failed' || a.status === 'cancelled'
    ? { id: a.job.id, status: 'failed', output: a.error }
    : { id: a.job.id, status: 'completed', output: a.summary ?? undefined };
}

/**
 * The pg-boss batch handler of a queue: one operation_run row per attempt, heartbeat, each job of the
 * batch settled on its own (`perJobResults`), so one failing job never fails its neighbours.
 */
export function batchHandler(q: QueueDeclaration, ctx: RunnerContext) {
  return async (jobs: JobWithMetadata<Record<string, unknown>>[]): Promise<JobResult[]> => {
    const keys = [...new Set(jobs.map((j) => j.data?.[SCHEDULE_KEY_FIELD]).filter((k): k is string => typeof k === 'string'))];
    const schedules = await scheduleInfo(ctx.db, keys);
    const attempts = jobs.map((job) => prepare(q, job, schedules));
    await insertRunning(ctx.db, q, attempts);
    await markSchedules(ctx.db, attempts, 'start');
    const runIds = attempts.flatMap((a) => (a.runId ? [a.runId] : []));
    ctx.heartbeat.add(runIds);
    let results: JobResult[];
    try {
      results = await Promise.all(attempts.map((a) => execute(q, a, ctx)));
    } finally {
      ctx.heartbeat.remove(runIds);
    }
    try {
      await finishRuns(ctx.db, q, attempts);
      await markSchedules(ctx.db, attempts, 'end');
    } catch (err) {
      ctx.log.error({ err, queue: q.queue }, 'could not record the end of job runs');
    }
    let deadLettered = false;
    for (const a of attempts) {
      const final = a.status !== 'failed' || a.job.retryCount >= a.job.retryLimit;
      if (a.status === 'failed' || a.status === 'cancelled') {
        ctx.metrics.failed.inc({ queue: q.queue, final: String(final) });
        if (final) deadLettered = true;
      } else {
        ctx.metrics.completed.inc({ queue: q.queue, final: 'true' });
      }
      ctx.metrics.duration.observe({ queue: q.queue }, (a.finishedAt!.getTime() - a.startedAt.getTime()) / 1000);
    }
    if (deadLettered) ctx.onDeadLettered();
    return results;
  };
}
