import { sql } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../db/pool.js';
import type { PlatformEvents } from '../events.js';
import { DEAD_LETTER_QUEUE } from './definitions.js';

const SECRET_KEY = /secret|password|token|url/i;

/** Job data as the monitor and job_failure show it: values of secret-looking keys become "***". */
export function redactJobData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJobData);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '***' : redactJobData(v)]));
  }
  return value;
}

/** The error a failed job's output holds (our runner's `{code, message, stack}`, or pg-boss's serialized error). */
export function outputError(output: unknown): { message: string | null; stack: string | null } {
  if (!output || typeof output !== 'object') return { message: typeof output === 'string' ? output : null, stack: null };
  const o = output as { message?: unknown; stack?: unknown; value?: unknown };
  const message = typeof o.message === 'string' ? o.message : o.value !== undefined ? JSON.stringify(o.value) : JSON.stringify(o);
  return { message: message.slice(0, 4096), stack: typeof o.stack === 'string' ? o.stack.slice(0, 16 * 1024) : null };
}

interface DeadJob {
  id: string;
  source_name: string;
  source_id: string;
  source_retry_count: number | null;
  source_output: unknown;
  data: unknown;
  created_on: Date;
  retry_limit: number | null;
}

/**
 * §6.5: finds jobs pg-boss copied into `platform.dead-letter`, writes a `job_failure` snapshot for each
 * and emits `job.failed` once per source job (the unique source_job_id decides which process does).
 * The dead-letter jobs stay where they are until redriven or expired.
 */
export class DeadLetterWatch {
  private timer?: NodeJS.Timeout;
  private soon?: NodeJS.Timeout;
  private scanning?: Promise<number>;

  constructor(
    private readonly db: Db,
    private readonly schema: string,
    private readonly events: PlatformEvents,
    private readonly log: FastifyBaseLogger,
    private readonly isCritical: (queue: string) => boolean,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    void this.scan();
    this.timer = setInterval(() => void this.scan(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.soon);
    await this.scanning;
  }

  /** After a job's last attempt failed here: look shortly, instead of at the next minute. */
  scanSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.scan();
    }, 200);
    this.soon.unref();
  }

  /** Records every dead-letter job not yet recorded; answers how many were new. */
  scan(): Promise<number> {
    this.scanning ??= this.record().catch((err) => {
      this.log.error({ err }, 'dead-letter watch failed');
      return 0;
    }).finally(() => { this.scanning = undefined; });
    return this.scanning;
  }

  private async record(): Promise<number> {
    const job = sql.table(`${this.schema}.job`);
    const { rows } = await sql<DeadJob>`
      select d.id, d.source_name, d.source_id, d.source_retry_count, d.source_output, d.data, d.created_on,
        coalesce((select s.retry_limit from ${job} s where s.id = d.source_id limit 1),
                 (select q.retry_limit from ${sql.table(`${this.schema}.queue`)} q where q.name = d.source_name)) as retry_limit
      from ${job} d
      where d.name = ${DEAD_LETTER_QUEUE} and d.source_id is not null
        and not exists (select 1 from platform.job_failure f where f.source_job_id = d.source_id)
      order by d.created_on
      limit 500`.execute(this.db);
    if (!rows.length) return 0;
    const inserted = await this.db.insertInto('platform.job_failure').values(rows.map((r) => {
      const error = outputError(r.source_output);
      return {
        queue: r.source_name, source_job_id: r.source_id, dead_letter_job_id: r.id,
        retry_count: r.source_retry_count ?? 0, retry_limit: r.retry_limit,
        error_message: error.message, error_stack: error.stack,
        data: JSON.stringify(redactJobData(r.data ?? null)), failed_at: r.created_on,
      };
    })).onConflict((oc) => oc.column('source_job_id').doNothing()).returning(['queue', 'source_job_id', 'error_message']).execute();
    for (const f of inserted) {
      this.events.emit('job.failed', { queue: f.queue, jobId: f.source_job_id, error: f.error_message ?? 'unknown error', critical: this.isCritical(f.queue) });
    }
    if (inserted.length) this.log.warn({ count: inserted.length, queues: [...new Set(inserted.map((f) => f.queue))] }, 'jobs exhausted their retries (dead letter)');
    return inserted.length;
  }
}

/**
 * Moves dead-letter jobs back to their source queue (pg-boss `redrive`, new job ids, retry count reset)
 * and marks their failures redriven. Answers how many moved.
 */
export async function redriveDeadLetters(boss: PgBoss, db: Db, schema: string, options: { sourceQueue?: string; limit: number; actorId: string | null }): Promise<number> {
  const candidates = await sql<{ id: string }>`
    select id from ${sql.table(`${schema}.job`)}
    where name = ${DEAD_LETTER_QUEUE} and state < 'active' and (${options.sourceQueue ?? null}::text is null or source_name = ${options.sourceQueue ?? null})
    order by created_on limit ${options.limit}`.execute(db);
  const ids = candidates.rows.map((r) => r.id);
  if (!ids.length) return 0;
  const moved = await boss.redrive(DEAD_LETTER_QUEUE, { ids, sourceName: options.sourceQueue, limit: options.limit });
  const left = await sql<{ id: string }>`select id from ${sql.table(`${schema}.job`)} where id = any(${ids}::uuid[]) and state < 'active'`.execute(db);
  const remaining = new Set(left.rows.map((r) => r.id));
  const gone = ids.filter((id) => !remaining.has(id));
  if (gone.length) {
    await db.updateTable('platform.job_failure').set({ redriven_at: new Date(), redriven_by: options.actorId })
      .where('dead_letter_job_id', 'in', gone).where('redriven_at', 'is', null).execute();
  }
  return moved;
}
