import type { FastifyBaseLogger } from 'fastify';
import type { DbOrTx } from '../db/transaction.js';

export type JobTrigger = 'schedule' | 'manual' | 'catch_up' | 'redrive' | 'event';

/** One attempt of a job, as its handler sees it. */
export interface JobRun<T = Record<string, unknown>> {
  id: string;
  queue: string;
  /** The payload as sent; the registry's own `__` keys are removed. */
  data: T;
  /** 1 for the first attempt (pg-boss retryCount + 1). */
  attempt: number;
  trigger: JobTrigger;
  /** Set for runs started by a schedule (also manual run-now and catch-up runs). */
  scheduleKey?: string;
  /** The fire time this run serves (scheduled and catch-up runs). */
  scheduledFor?: Date;
  /** Aborted when the job is cancelled, expires, or the process shuts down: stop work whose result can no longer land. */
  signal: AbortSignal;
  log: FastifyBaseLogger;
  /** Records cleanup handles on this attempt's operation_run row (e.g. `{tempPaths: [...]}`). */
  recordResources(resources: Record<string, unknown>): Promise<void>;
}

export interface JobSchedule {
  /** Unique schedule key, e.g. `operations.backup:<configId>`; defaults to the queue name. */
  key?: string;
  /** Five-field cron. */
  cron: string;
  /** IANA zone; default Europe/Paris. */
  timezone?: string;
  data?: Record<string, unknown>;
  catchUp?: 'none' | 'run_once';
  graceMinutes?: number;
  description?: string;
  /** Accept fire times that fall in a DST gap or repeat (otherwise such a cron is refused at start). */
  acceptDstShift?: boolean;
}

/** What a module or platform part declares; applied at start, idempotently (see docs/jobs.md). */
export interface JobDefinition<T = Record<string, unknown>> {
  /** `<module or platform part>.<name>`, e.g. `notify.deliver`. */
  queue: string;
  /**
   * Runs one attempt. Its resolved value becomes operation_run.summary (an object of counts);
   * a throw fails the attempt (retried, then dead-lettered); throw `JobSkipped` to record `skipped`.
   */
  handler: (job: JobRun<T>) => Promise<unknown>;
  retryLimit?: number;
  /** Seconds before the first retry; doubles each retry (with jitter), capped by retryDelayMax. */
  retryDelay?: number;
  retryDelayMax?: number;
  expireInSeconds?: number;
  heartbeatSeconds?: number;
  /** `singleton`: one active at a time; `short`: at most one queued; `stately`: one per state (all extensible per singletonKey). */
  policy?: 'standard' | 'singleton' | 'stately' | 'short';
  /** Jobs fetched per poll, run concurrently; raise it (≥ 50) for high-volume queues. Default 5. */
  batchSize?: number;
  /** Independent fetch loops per process. Default 1. */
  concurrency?: number;
  /** operation_run.kind; default `module_job`. */
  kind?: string;
  /** Record an operation_run row per attempt (default true; off for very high-volume internal queues). */
  tracked?: boolean;
  /** Critical queues raise critical alerts when a job is dead-lettered. */
  critical?: boolean;
  schedules?: JobSchedule[];
}

export interface SendOptions {
  singletonKey?: string;
  startAfter?: Date | number;
  retryLimit?: number;
  priority?: number;
  trigger?: JobTrigger;
  /** The user who asked for it (manual triggers), recorded on operation_run. */
  actorUserId?: string;
  /** Enqueue inside this transaction: the job exists only if the transaction commits. */
  db?: DbOrTx;
}

/** The job service on `platform.jobs`. */
export interface JobService {
  /** Declares a queue (and its schedules); call before the app is ready. */
  define<T = Record<string, unknown>>(definition: JobDefinition<T>): void;
  /** Enqueues a job; answers its id, or null when a singleton policy kept it out. */
  send(queue: string, data?: Record<string, unknown>, options?: SendOptions): Promise<string | null>;
}

/** Thrown by a handler that decided there is nothing to do: the run is recorded as `skipped` and the job completes. */
export class JobSkipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'JobSkipped';
  }
}
