import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/pool.js';
import type { DbOrTx } from '../db/transaction.js';
import { DEAD_LETTER_QUEUE, QUEUE_DEFAULTS, bossScheduleKey, type QueueDeclaration, type ScheduleDeclaration } from './definitions.js';

const REGISTRY_LOCK = 7_310_021_002;

export const SCHEDULE_KEY_FIELD = '__scheduleKey';

export interface ScheduleRow {
  key: string;
  queue: string;
  cron: string;
  timezone: string;
  data: Record<string, unknown>;
  enabled: boolean;
}

/** What pg-boss holds for an enabled schedule: its data carries the key so a fired job says which schedule it serves. */
export async function mirrorSchedule(boss: PgBoss, row: ScheduleRow): Promise<void> {
  if (row.enabled) {
    await boss.schedule(row.queue, row.cron, { ...row.data, [SCHEDULE_KEY_FIELD]: row.key }, { tz: row.timezone, key: bossScheduleKey(row.key) });
  } else {
    await boss.unschedule(row.queue, bossScheduleKey(row.key));
  }
}

/**
 * Applies the declarations idempotently, one process at a time: the dead-letter queue first (pg-boss
 * needs it before a queue names it), then each queue with §6.1's options, then the schedules.
 * `removable(module)` says whether schedules of that module that are no longer declared may be removed
 * (false for modules this process does not run).
 */
export async function applyRegistry(boss: PgBoss, db: Db, log: FastifyBaseLogger, queues: QueueDeclaration[], removable: (module: string) => boolean): Promise<void> {
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${REGISTRY_LOCK})`.execute(conn);
    try {
      await ensureQueue(boss, log, DEAD_LETTER_QUEUE, { retentionSeconds: QUEUE_DEFAULTS.retentionSeconds });
      for (const q of queues) {
        await ensureQueue(boss, log, q.queue, {
          policy: q.policy,
          deadLetter: DEAD_LETTER_QUEUE,
          retryBackoff: true,
          retentionSeconds: QUEUE_DEFAULTS.retentionSeconds,
          retryLimit: q.retryLimit,
          retryDelay: q.retryDelay,
          retryDelayMax: q.retryDelayMax,
          expireInSeconds: q.expireInSeconds,
          heartbeatSeconds: q.heartbeatSeconds,
          notify: true,
        });
      }
      await applySchedules(boss, conn, log, queues.flatMap((q) => q.schedules), removable);
    } finally {
      await sql`select pg_advisory_unlock(${REGISTRY_LOCK})`.execute(conn);
    }
  });
}

type QueueOptions = NonNullable<Parameters<PgBoss['createQueue']>[1]>;

async function ensureQueue(boss: PgBoss, log: FastifyBaseLogger, name: string, options: QueueOptions): Promise<void> {
  const existing = await boss.getQueue(name);
  if (!existing) {
    await boss.createQueue(name, options);
    return;
  }
  const { policy, ...changeable } = options;
  if (policy && existing.policy !== policy) {
    log.warn({ queue: name, policy: existing.policy, declared: policy }, 'a queue policy cannot change after creation; keeping the existing one (delete the queue to change it)');
  }
  if (Object.keys(changeable).length) await boss.updateQueue(name, changeable);
}

async function applySchedules(boss: PgBoss, db: DbOrTx, log: FastifyBaseLogger, declared: ScheduleDeclaration[], removable: (module: string) => boolean) {
  const existing = new Map((await db.selectFrom('platform.schedule_definition').selectAll().execute()).map((r) => [r.key, r]));
  const declaredKeys = new Set(declared.map((s) => s.key));

  for (const s of declared) {
    const row = existing.get(s.key);
    const values = {
      module: s.module, queue: s.queue, cron: s.cron, timezone: s.timezone, data: JSON.stringify(s.data), catch_up: s.catchUp,
      grace_minutes: s.graceMinutes, accept_dst_shift: s.acceptDstShift, description: s.description, defaults_hash: s.defaultsHash,
    };
    if (!row) {
      await db.insertInto('platform.schedule_definition').values({ key: s.key, ...values, enabled: true }).execute();
    } else if (row.defaults_hash !== s.defaultsHash) {
      // The code default changed: it wins over an earlier admin change.
      const timingChanged = row.cron !== s.cron || row.timezone !== s.timezone || !row.enabled;
      await db.updateTable('platform.schedule_definition')
        .set({ ...values, enabled: true, updated_at: new Date(), ...(timingChanged ? { enabled_at: new Date() } : {}) })
        .where('key', '=', s.key).execute();
      if (row.queue !== s.queue) await boss.unschedule(row.queue, bossScheduleKey(row.key));
      log.info({ schedule: s.key }, 'schedule default changed in code; applied');
    } else if (row.description !== s.description) {
      await db.updateTable('platform.schedule_definition').set({ description: s.description }).where('key', '=', s.key).execute();
    }
  }

  for (const row of existing.values()) {
    if (declaredKeys.has(row.key) || !removable(row.module)) continue;
    await boss.unschedule(row.queue, bossScheduleKey(row.key));
    await db.deleteFrom('platform.schedule_definition').where('key', '=', row.key).execute();
    log.info({ schedule: row.key }, 'schedule no longer declared; removed');
  }

  const rows = await db.selectFrom('platform.schedule_definition').selectAll().where('key', 'in', [...declaredKeys, '']).execute();
  for (const row of rows) await mirrorSchedule(boss, row);
}
