import { fromKysely, PgBoss, type SendOptions as BossSendOptions } from 'pg-boss';
import { Registry } from 'prom-client';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/pool.js';
import type { PlatformEvents } from '../events.js';
import type { JobDefinition, JobService, SendOptions } from './types.js';
import { DEAD_LETTER_QUEUE, normalizeDefinition, type QueueDeclaration } from './definitions.js';
import { applyRegistry } from './registry.js';
import { ACTOR_FIELD, TRIGGER_FIELD, batchHandler } from './runner.js';
import { RunHeartbeat } from './heartbeat.js';
import { JobMetrics } from './metrics.js';
import { QueueControl } from './queue-control.js';
import { DeadLetterWatch } from './dead-letter.js';
import { ScheduleWatchdog } from './watchdog.js';
import { checkSchemaVersion, type MonitorStatus } from './schema-version.js';

export type ProcessRole = 'all' | 'api' | 'worker';

/** Intervals and sizes; tests shorten them (see TEST_TIMING). */
export interface JobTiming {
  /** Worker poll when LISTEN/NOTIFY is not active. */
  pollingIntervalSeconds: number;
  /** Backstop poll while NOTIFY wakes workers (retries and deferred jobs are found by this poll). */
  notifyPollingIntervalSeconds: number;
  queueControlPollMs: number;
  watchdogIntervalMs: number;
  deadLetterScanMs: number;
  runHeartbeatMs: number;
  staleRunAfterMs: number;
  metricsTtlMs: number;
  stopTimeoutMs: number;
  /** pg-boss's own connection pool. */
  poolMax: number;
}

export const PRODUCTION_TIMING: JobTiming = {
  pollingIntervalSeconds: 2,
  notifyPollingIntervalSeconds: 10,
  queueControlPollMs: 10_000,
  watchdogIntervalMs: 5 * 60_000,
  deadLetterScanMs: 60_000,
  runHeartbeatMs: 30_000,
  staleRunAfterMs: 5 * 60_000,
  metricsTtlMs: 15_000,
  stopTimeoutMs: 15_000,
  poolMax: 10,
};

export const TEST_TIMING: JobTiming = {
  ...PRODUCTION_TIMING,
  pollingIntervalSeconds: 0.5,
  notifyPollingIntervalSeconds: 0.5,
  queueControlPollMs: 500,
  deadLetterScanMs: 500,
  stopTimeoutMs: 2000,
  poolMax: 4,
};

export interface PlatformJobsOptions {
  db: Db;
  /** Connection string of the same database: pg-boss keeps its own pool, and LISTEN needs its own connection. */
  url: string;
  events: PlatformEvents;
  log: FastifyBaseLogger;
  /** `api` only sends; `all` and `worker` also run jobs, schedules, the watchdog and the dead-letter watch. */
  role: ProcessRole;
  metrics?: Registry;
  timing?: Partial<JobTiming>;
  /** Modules this deployment knows but this process does not run: their schedules are left alone. */
  foreignModules?: string[];
  schema?: string;
  applicationName?: string;
}

/**
 * The platform job service: pg-boss in its own schema on the same database, the registry of queues
 * and schedules, handler wrapping, pause/resume, the dead-letter watch and the schedule watchdog.
 */
export class PlatformJobs implements JobService {
  readonly schema: string;
  readonly timing: JobTiming;
  readonly metrics: JobMetrics;
  readonly declarations = new Map<string, QueueDeclaration>();
  readonly db: Db;
  monitor: MonitorStatus = { available: false, reason: 'the job service has not started' };
  private bossInstance?: PgBoss;
  private starting?: Promise<void>;
  private started = false;
  private stopped = false;
  private readonly working = new Set<string>();
  private foreignModules: Set<string>;
  private heartbeat?: RunHeartbeat;
  private queueControl?: QueueControl;
  private deadLetters?: DeadLetterWatch;
  private watchdogInstance?: ScheduleWatchdog;

  constructor(private readonly options: PlatformJobsOptions) {
    this.db = options.db;
    this.schema = options.schema ?? 'pgboss';
    this.timing = { ...PRODUCTION_TIMING, ...options.timing };
    this.metrics = new JobMetrics(options.metrics ?? new Registry(), this.timing.metricsTtlMs);
    this.foreignModules = new Set(options.foreignModules ?? []);
  }

  get runsWorkers(): boolean {
    return this.options.role !== 'api';
  }

  get boss(): PgBoss {
    if (!this.bossInstance) throw new Error('The job service has not started.');
    return this.bossInstance;
  }

  get watchdog(): ScheduleWatchdog {
    if (!this.watchdogInstance) throw new Error('The schedule watchdog runs in worker processes only.');
    return this.watchdogInstance;
  }

  get deadLetterWatch(): DeadLetterWatch {
    if (!this.deadLetters) throw new Error('The dead-letter watch runs in worker processes only.');
    return this.deadLetters;
  }

  define<T = Record<string, unknown>>(definition: JobDefinition<T>): void {
    if (this.started || this.starting) throw new Error(`Queue ${definition.queue} was declared after the job service started; declare jobs while the app is being built.`);
    if (this.declarations.has(definition.queue)) throw new Error(`Queue ${definition.queue} is declared twice.`);
    this.declarations.set(definition.queue, normalizeDefinition(definition as JobDefinition<any>));
  }

  async send(queue: string, data: Record<string, unknown> = {}, options: SendOptions = {}): Promise<string | null> {
    if (this.starting) await this.starting;
    const boss = this.boss;
    const payload: Record<string, unknown> = { ...data };
    if (options.trigger && options.trigger !== 'event') payload[TRIGGER_FIELD] = options.trigger;
    if (options.actorUserId) payload[ACTOR_FIELD] = options.actorUserId;
    const sendOptions: BossSendOptions = {};
    if (options.singletonKey !== undefined) sendOptions.singletonKey = options.singletonKey;
    if (options.startAfter !== undefined) sendOptions.startAfter = options.startAfter;
    if (options.retryLimit !== undefined) sendOptions.retryLimit = options.retryLimit;
    if (options.priority !== undefined) sendOptions.priority = options.priority;
    if (options.db) sendOptions.db = fromKysely(options.db);
    return boss.send(queue, payload, sendOptions);
  }

  start(): Promise<void> {
    this.starting ??= this.doStart().then(() => { this.started = true; }).finally(() => { this.starting = undefined; });
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const { log, role } = this.options;
    const workers = this.runsWorkers;
    const boss = new PgBoss({
      connectionString: this.options.url,
      schema: this.schema,
      max: this.timing.poolMax,
      application_name: this.options.applicationName ?? `atrium-jobs-${role}`,
      useListenNotify: workers,
      supervise: workers,
      schedule: workers,
    });
    boss.on('error', (err) => log.error({ err }, 'pg-boss error'));
    boss.on('warning', (warning) => log.warn({ warning: warning.data }, `pg-boss: ${warning.message}`));
    this.bossInstance = boss;
    await boss.start();
    this.monitor = await checkSchemaVersion(boss);
    if (!this.monitor.available) log.error({ reason: this.monitor.reason }, 'job monitor disabled');

    await applyRegistry(boss, this.db, log, [...this.declarations.values()], (module) => !this.foreignModules.has(module));
    this.metrics.attach(boss, this.db, this.schema);
    if (!workers) return;

    this.heartbeat = new RunHeartbeat(this.db, log, this.timing.runHeartbeatMs);
    this.heartbeat.start();
    this.deadLetters = new DeadLetterWatch(this.db, this.schema, this.options.events, log,
      (queue) => this.declarations.get(queue)?.critical ?? false, this.timing.deadLetterScanMs);
    this.queueControl = new QueueControl({
      db: this.db, url: this.options.url, log, pollMs: this.timing.queueControlPollMs,
      apply: (paused) => this.applyPauses(paused),
    });
    await this.queueControl.start();
    this.deadLetters.start();
    this.watchdogInstance = new ScheduleWatchdog({
      db: this.db, boss, events: this.options.events, log, metrics: this.metrics,
      intervalMs: this.timing.watchdogIntervalMs, staleRunAfterMs: this.timing.staleRunAfterMs,
      watches: (queue) => this.declarations.has(queue),
    });
    this.watchdogInstance.start();
  }

  /** Fetching stops on paused queues (jobs keep accumulating; running ones finish) and resumes on the others. */
  private async applyPauses(paused: Set<string>): Promise<void> {
    if (this.stopped) return;
    for (const q of this.declarations.values()) {
      const shouldWork = !paused.has(q.queue);
      if (shouldWork && !this.working.has(q.queue)) {
        this.working.add(q.queue);
        await this.work(q);
        this.options.log.debug({ queue: q.queue }, 'worker started');
      } else if (!shouldWork && this.working.has(q.queue)) {
        this.working.delete(q.queue);
        await this.boss.offWork(q.queue, { wait: false });
        this.options.log.info({ queue: q.queue }, 'queue paused: this process stopped fetching from it');
      }
    }
  }

  private work(q: QueueDeclaration): Promise<string> {
    const handler = batchHandler(q, {
      db: this.db, log: this.options.log, metrics: this.metrics, heartbeat: this.heartbeat!,
      onDeadLettered: () => this.deadLetters?.scanSoon(),
    });
    return this.boss.work(q.queue, {
      batchSize: q.batchSize,
      includeMetadata: true,
      perJobResults: true,
      burstWhenBatchFull: q.batchSize > 1,
      localConcurrency: q.concurrency,
      pollingIntervalSeconds: this.timing.pollingIntervalSeconds,
      notifyPollingIntervalSeconds: this.timing.notifyPollingIntervalSeconds,
    }, (jobs) => handler(jobs as Parameters<typeof handler>[0]));
  }

  /** Whether this process is fetching from the queue now (false while paused). */
  isWorking(queue: string): boolean {
    return this.working.has(queue);
  }

  /** Re-reads the pause switches now (the API calls it after a change, besides the notification every process gets). */
  refreshPauses(): Promise<void> {
    return this.queueControl?.refresh() ?? Promise.resolve();
  }

  /** Modules this deployment has but this process does not run: their schedules are not removed here. */
  setForeignModules(modules: string[]): void {
    this.foreignModules = new Set(modules);
  }

  isDeclared(queue: string): boolean {
    return this.declarations.has(queue) || queue === DEAD_LETTER_QUEUE;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.starting?.catch(() => {});
    await this.queueControl?.stop();
    await this.watchdogInstance?.stop();
    await this.deadLetters?.stop();
    this.heartbeat?.stop();
    await this.bossInstance?.stop({ graceful: true, timeout: this.timing.stopTimeoutMs });
  }
}
