/**
 * Read-only SQL on pg-boss's job table (documented in pg-boss's SQL reference, schema version checked
 * at start): counts by state and keyset-paged job lists, which pg-boss's API does not offer.
 */
import { sql } from 'kysely';
import type { Db } from '../db/pool.js';

export const JOB_STATES = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface QueueCounts {
  name: string;
  queued: number;
  deferred: number;
  ready: number;
  active: number;
  failed: number;
  total: number;
  oldestReadyAgeSeconds: number | null;
  completedLastHour: number;
  failedLastHour: number;
}

export async function queueCounts(db: Db, schema: string): Promise<Map<string, QueueCounts>> {
  const { rows } = await sql<QueueCounts>`
    select name,
      count(*) filter (where state < 'active')::int as queued,
      count(*) filter (where state < 'active' and start_after > now())::int as deferred,
      count(*) filter (where state < 'active' and start_after <= now())::int as ready,
      count(*) filter (where state = 'active')::int as active,
      count(*) filter (where state = 'failed')::int as failed,
      count(*)::int as total,
      extract(epoch from now() - min(created_on) filter (where state < 'active' and start_after <= now()))::float8 as "oldestReadyAgeSeconds",
      count(*) filter (where state = 'completed' and completed_on > now() - interval '1 hour')::int as "completedLastHour",
      count(*) filter (where state = 'failed' and completed_on > now() - interval '1 hour')::int as "failedLastHour"
    from ${sql.table(`${schema}.job`)}
    group by name`.execute(db);
  return new Map(rows.map((r) => [r.name, r]));
}

export interface JobSummaryRow {
  id: string;
  state: JobState;
  priority: number;
  retryCount: number;
  retryLimit: number;
  createdOn: Date;
  startedOn: Date | null;
  completedOn: Date | null;
  singletonKey: string | null;
}

/** Newest first; `after` is the last row of the previous page (`[createdOn ISO, id]`). */
export async function listJobs(db: Db, schema: string, queue: string, state: JobState | undefined, after: [string, string] | undefined, limit: number) {
  const { rows } = await sql<JobSummaryRow>`
    select id, state, priority, retry_count as "retryCount", retry_limit as "retryLimit", created_on as "createdOn",
      started_on as "startedOn", completed_on as "completedOn", singleton_key as "singletonKey"
    from ${sql.table(`${schema}.job`)}
    where name = ${queue}
      ${state ? sql`and state = ${state}::${sql.raw(`${schema}.job_state`)}` : sql``}
      ${after ? sql`and (created_on, id) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``}
    order by created_on desc, id desc
    limit ${limit + 1}`.execute(db);
  return rows;
}

export interface DeadLetterRow {
  id: string;
  sourceQueue: string | null;
  sourceJobId: string | null;
  sourceCreatedOn: Date | null;
  retryCount: number | null;
  createdOn: Date;
  output: unknown;
}

export async function listDeadLetters(db: Db, schema: string, queue: string, sourceQueue: string | undefined, after: [string, string] | undefined, limit: number) {
  const { rows } = await sql<DeadLetterRow>`
    select id, source_name as "sourceQueue", source_id as "sourceJobId", source_created_on as "sourceCreatedOn",
      source_retry_count as "retryCount", created_on as "createdOn", source_output as output
    from ${sql.table(`${schema}.job`)}
    where name = ${queue} and state < 'active'
      ${sourceQueue ? sql`and source_name = ${sourceQueue}` : sql``}
      ${after ? sql`and (created_on, id) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``}
    order by created_on desc, id desc
    limit ${limit + 1}`.execute(db);
  return rows;
}
