import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/pool.js';
import type { JobService } from '../jobs/types.js';
import { DELIVER_QUEUE } from './outbox.js';
import type { Deliverer } from './deliver.js';

/** A row whose job was enqueued this long ago and is still waiting is taken as lost and enqueued again. */
const LOST_JOB_MINUTES = 15;
/** Longer than any delivery attempt can take (timeouts × retries): the process died during the provider call. */
const INTERRUPTED_MINUTES = 10;

/**
 * Every minute: enqueues due rows that have no live job (written while no job service ran, whose job
 * was lost, or whose deferred job came early), and closes rows left `sending` by a process that died during the provider call. Those are
 * not retried: the provider may have sent the message, and the same message is never sent twice.
 */
export async function sweepOutbox(db: Db, jobs: JobService, deliverer: Deliverer, log: FastifyBaseLogger) {
  const due = await db.updateTable('platform.notification_outbox').set({ dispatched_at: sql`now()` })
    .where('id', 'in', (eb) => eb.selectFrom('platform.notification_outbox').select('id')
      .where('status', 'in', ['pending', 'deferred'])
      .where('deliver_after', '<=', sql<Date>`now()`)
      .where((w) => w.or([
        w('dispatched_at', 'is', null),
        w('dispatched_at', '<', sql<Date>`now() - make_interval(mins => ${LOST_JOB_MINUTES})`),
        // A deferred row whose job started a moment before it was due, found nothing to do and ended.
        w.and([w('dispatched_at', '<', w.ref('deliver_after')), w('deliver_after', '<', sql<Date>`now() - interval '1 minute'`)]),
      ]))
      .orderBy('deliver_after').limit(500).forUpdate().skipLocked())
    .returning('id').execute();
  for (const { id } of due) {
    try {
      await jobs.send(DELIVER_QUEUE, { id }, { trigger: 'schedule' });
    } catch (err) {
      log.error({ err, id }, 'notify sweep: could not enqueue a delivery; the next sweep tries again');
      await db.updateTable('platform.notification_outbox').set({ dispatched_at: null }).where('id', '=', id).execute();
    }
  }

  const interrupted = await db.selectFrom('platform.notification_outbox').select('id')
    .where('status', '=', 'sending').where('updated_at', '<', sql<Date>`now() - make_interval(mins => ${INTERRUPTED_MINUTES})`)
    .limit(500).execute();
  for (const { id } of interrupted) await deliverer.markInterrupted(id);
  return { dispatched: due.length, interrupted: interrupted.length };
}
