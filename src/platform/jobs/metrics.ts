import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../db/pool.js';
import { DEAD_LETTER_QUEUE } from './definitions.js';
import { nextFire } from './cron.js';

interface Snapshot {
  queues: { name: string; queued: number; deferred: number; ready: number; active: number; failed: number }[];
  oldestReady: { name: string; seconds: number }[];
  deadLetter: { source: string; count: number }[];
  schedules: { key: string; next: number | null; lastSuccess: number | null }[];
}

const isInternal = (name: string) => name.startsWith('__pgboss__');

/**
 * §6.6 job metrics. Counters and the histogram move as jobs run; the gauges read the database at most
 * once per `ttlMs` (pg-boss's cached queue counts, the backlog's oldest job, dead letters, schedules),
 * so a scrape never scans job tables.
 */
export class JobMetrics {
  readonly completed: Counter<'queue' | 'final'>;
  readonly failed: Counter<'queue' | 'final'>;
  readonly duration: Histogram<'queue'>;
  readonly missed: Counter<'schedule'>;
  private source?: { boss: PgBoss; db: Db; schema: string };
  private cached?: { at: number; value: Promise<Snapshot> };

  constructor(registry: Registry, private readonly ttlMs: number) {
    const registers = [registry];
    this.completed = new Counter({ name: 'atrium_job_completed_total', help: 'Jobs completed, by queue', labelNames: ['queue', 'final'], registers });
    this.failed = new Counter({ name: 'atrium_job_failed_total', help: 'Job attempts failed, by queue; final="true" when the job was dead-lettered', labelNames: ['queue', 'final'], registers });
    this.duration = new Histogram({
      name: 'atrium_job_duration_seconds', help: 'Job attempt duration', labelNames: ['queue'], registers,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600],
    });
    this.missed = new Counter({ name: 'atrium_schedule_missed_total', help: 'Schedule fire times detected as missed', labelNames: ['schedule'], registers });
    const self = this;
    new Gauge({
      name: 'atrium_job_queue_jobs', help: 'Jobs per queue and state (pg-boss cached counts)', labelNames: ['queue', 'state'], registers,
      async collect() {
        const s = await self.snapshot();
        this.reset();
        for (const q of s?.queues ?? []) {
          for (const state of ['queued', 'deferred', 'ready', 'active', 'failed'] as const) this.set({ queue: q.name, state }, q[state]);
        }
      },
    });
    new Gauge({
      name: 'atrium_job_oldest_ready_age_seconds', help: 'Age of the oldest job ready to run', labelNames: ['queue'], registers,
      async collect() {
        const s = await self.snapshot();
        this.reset();
        for (const q of s?.oldestReady ?? []) this.set({ queue: q.name }, q.seconds);
      },
    });
    new Gauge({
      name: 'atrium_dead_letter_jobs', help: 'Jobs waiting in the dead-letter queue, by source queue', labelNames: ['source_queue'], registers,
      async collect() {
        const s = await self.snapshot();
        this.reset();
        for (const d of s?.deadLetter ?? []) this.set({ source_queue: d.source }, d.count);
      },
    });
    new Gauge({
      name: 'atrium_schedule_next_run_timestamp_seconds', help: 'Next fire time of each enabled schedule', labelNames: ['schedule'], registers,
      async collect() {
        const s = await self.snapshot();
        this.reset();
        for (const x of s?.schedules ?? []) if (x.next !== null) this.set({ schedule: x.key }, x.next);
      },
    });
    new Gauge({
      name: 'atrium_schedule_last_success_timestamp_seconds', help: 'When each schedule last succeeded', labelNames: ['schedule'], registers,
      async collect() {
        const s = await self.snapshot();
        this.reset();
        for (const x of s?.schedules ?? []) if (x.lastSuccess !== null) this.set({ schedule: x.key }, x.lastSuccess);
      },
    });
  }

  attach(boss: PgBoss, db: Db, schema: string): void {
    this.source = { boss, db, schema };
  }

  private snapshot(): Promise<Snapshot | undefined> {
    if (!this.source) return Promise.resolve(undefined);
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.ttlMs) {
      const value = this.read(this.source);
      this.cached = { at: now, value };
      value.catch(() => { this.cached = undefined; });
    }
    return this.cached.value.catch(() => undefined);
  }

  private async read({ boss, db, schema }: NonNullable<JobMetrics['source']>): Promise<Snapshot> {
    const queues = (await boss.getQueues()).filter((q) => !isInternal(q.name)).map((q) => ({
      name: q.name, queued: q.queuedCount, deferred: q.deferredCount, ready: q.readyCount, active: q.activeCount, failed: q.failedCount,
    }));
    const oldest = await sql<{ name: string; seconds: number }>`
      select name, extract(epoch from now() - min(created_on))::float8 as seconds
      from ${sql.table(`${schema}.job`)} where state < 'active' and start_after <= now() group by name`.execute(db);
    const dead = await sql<{ source: string; count: number }>`
      select coalesce(source_name, '') as source, count(*)::int as count
      from ${sql.table(`${schema}.job`)} where name = ${DEAD_LETTER_QUEUE} and state < 'active' group by 1`.execute(db);
    const defs = await db.selectFrom('platform.schedule_definition').select(['key', 'cron', 'timezone', 'enabled', 'last_success_at']).execute();
    const now = new Date();
    return {
      queues,
      oldestReady: oldest.rows.filter((r) => !isInternal(r.name)),
      deadLetter: dead.rows,
      schedules: defs.map((d) => ({
        key: d.key,
        next: d.enabled ? nextFire(d.cron, d.timezone, now).getTime() / 1000 : null,
        lastSuccess: d.last_success_at ? new Date(d.last_success_at).getTime() / 1000 : null,
      })),
    };
  }
}
