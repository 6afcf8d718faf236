import { Type } from 'typebox';
import { fromKysely } from 'pg-boss';
import type { App } from '../../types.js';
import type { PlatformJobs } from '../service.js';
import { problemResponses } from '../../http/problem.js';
import { conflict, notFound } from '../../http/errors.js';
import { Page, PageQuery, decodeCursor, toPage } from '../../http/pagination.js';
import { actorOf, recordAudit } from '../../audit/writer.js';
import { authenticatedUser } from '../../auth/guards.js';
import { listJobs, queueCounts, type JobState } from '../monitor.js';
import { moduleOf } from '../definitions.js';
import { redactJobData } from '../dead-letter.js';
import { JobParams, JobStateSchema, QueueParams, Reason } from './schemas.js';
import { announce, iso, isoOrNull, keysetCursor, toRunDto, monitorGuard } from './dto.js';

const isInternal = (name: string) => name.startsWith('__pgboss__');

/** Which states each action accepts (pg-boss would silently do nothing otherwise). */
const ALLOWED: Record<'retry' | 'cancel' | 'resume' | 'delete', JobState[]> = {
  retry: ['failed'],
  cancel: ['created', 'retry', 'active'],
  resume: ['cancelled'],
  delete: ['completed', 'cancelled', 'failed'],
};

export default async function queueRoutes(app: App, { jobs }: { jobs: PlatformJobs }) {
  const { db } = app.platform;
  const guard = monitorGuard(app, jobs);

  const queueOr404 = async (name: string) => {
    const queue = isInternal(name) ? null : await jobs.boss.getQueue(name);
    if (!queue) throw notFound('queue_not_found', `No queue named ${name}.`);
    return queue;
  };
  const jobOr404 = async (name: string, id: string) => {
    await queueOr404(name);
    const [job] = await jobs.boss.findJobs<Record<string, unknown>>(name, { id });
    if (!job) throw notFound('job_not_found', `No job ${id} in queue ${name}.`);
    return job;
  };

  app.get('/queues', {
    schema: {
      tags: ['jobs'], summary: 'Queues with their counts by state, pause switch and last hour (admin, manager)',
      response: { 200: Type.Array(Type.Ref('JobQueue')), ...problemResponses(401, 403, 503) },
    },
    preHandler: guard,
  }, async () => {
    const [queues, counts, paused] = await Promise.all([
      jobs.boss.getQueues(),
      queueCounts(db, jobs.schema),
      db.selectFrom('platform.queue_control').select('queue').where('paused', '=', true).execute(),
    ]);
    const pausedSet = new Set(paused.map((p) => p.queue));
    return queues.filter((q) => !isInternal(q.name)).sort((a, b) => a.name.localeCompare(b.name)).map((q) => {
      const c = counts.get(q.name);
      return {
        name: q.name, module: moduleOf(q.name), policy: q.policy ?? 'standard', deadLetter: q.deadLetter ?? null, paused: pausedSet.has(q.name),
        counts: { queued: c?.queued ?? 0, deferred: c?.deferred ?? 0, ready: c?.ready ?? 0, active: c?.active ?? 0, failed: c?.failed ?? 0, total: c?.total ?? 0 },
        oldestReadyAgeSeconds: c?.oldestReadyAgeSeconds ?? null,
        completedLastHour: c?.completedLastHour ?? 0,
        failedLastHour: c?.failedLastHour ?? 0,
      };
    });
  });

  app.get('/queues/:name/jobs', {
    schema: {
      tags: ['jobs'], summary: 'Jobs of a queue, newest first (admin, manager)', params: QueueParams,
      querystring: Type.Intersect([PageQuery, Type.Object({ state: Type.Optional(JobStateSchema) })]),
      response: { 200: Page(Type.Ref('JobSummary')), ...problemResponses(400, 401, 403, 404, 503) },
    },
    preHandler: guard,
  }, async (req) => {
    await queueOr404(req.params.name);
    const rows = await listJobs(db, jobs.schema, req.params.name, req.query.state, keysetCursor(decodeCursor(req.query.cursor)), req.query.limit);
    return toPage(rows, req.query.limit, (r) => [iso(r.createdOn), r.id], (r) => ({
      ...r, createdOn: iso(r.createdOn), startedOn: isoOrNull(r.startedOn), completedOn: isoOrNull(r.completedOn),
    }));
  });

  app.get('/queues/:name/jobs/:id', {
    schema: {
      tags: ['jobs'], summary: 'One job: metadata, data (redacted), output or error, and its recorded runs (admin, manager)', params: JobParams,
      response: { 200: Type.Ref('JobDetail'), ...problemResponses(401, 403, 404, 503) },
    },
    preHandler: guard,
  }, async (req) => {
    const job = await jobOr404(req.params.name, req.params.id);
    const runs = await db.selectFrom('platform.operation_run').selectAll().where('job_id', '=', job.id).orderBy('attempt').execute();
    return {
      id: job.id, queue: job.name, state: job.state, priority: job.priority, retryCount: job.retryCount, retryLimit: job.retryLimit,
      retryDelay: job.retryDelay, retryBackoff: job.retryBackoff, expireInSeconds: job.expireInSeconds,
      createdOn: iso(job.createdOn), startAfter: iso(job.startAfter), startedOn: isoOrNull(job.startedOn), completedOn: isoOrNull(job.completedOn),
      singletonKey: job.singletonKey, deadLetter: job.deadLetter ?? null, sourceQueue: job.sourceName, sourceJobId: job.sourceId,
      data: redactJobData(job.data), output: job.output ?? null, runs: runs.map(toRunDto),
    };
  });

  const act = (action: 'retry' | 'cancel' | 'resume', past: string) => app.post(`/queues/:name/jobs/:id/${action}`, {
    schema: {
      tags: ['jobs'], summary: `${action[0].toUpperCase()}${action.slice(1)} a ${ALLOWED[action].join('/')} job (admin, manager)`, params: JobParams,
      response: { 200: Type.Object({ id: Type.String(), state: JobStateSchema }), ...problemResponses(401, 403, 404, 409, 503) },
    },
    preHandler: guard,
  }, async (req) => {
    const job = await jobOr404(req.params.name, req.params.id);
    if (!ALLOWED[action].includes(job.state)) {
      throw conflict('job_state_conflict', `Cannot ${action} a ${job.state} job; only ${ALLOWED[action].join(', ')} jobs.`);
    }
    await db.transaction().execute(async (tx) => {
      await jobs.boss[action](req.params.name, job.id, { db: fromKysely(tx) });
      if (action === 'cancel') {
        await tx.updateTable('platform.operation_run').set({ status: 'cancelled', finished_at: new Date() })
          .where('job_id', '=', job.id).where('status', '=', 'running').execute();
      }
      await recordAudit(tx, actorOf(req), { action: `job.${past}`, entity: 'job', entityId: job.id, diff: { queue: req.params.name, from: job.state } });
    });
    const [after] = await jobs.boss.findJobs(req.params.name, { id: job.id });
    announce(app, `job.${past}`, { queue: req.params.name, id: job.id });
    return { id: job.id, state: after?.state ?? job.state };
  });
  act('retry', 'retried');
  act('cancel', 'cancelled');
  act('resume', 'resumed');

  app.delete('/queues/:name/jobs/:id', {
    schema: {
      tags: ['jobs'], summary: 'Delete a completed, cancelled or failed job (admin, manager)', params: JobParams,
      response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409, 503) },
    },
    preHandler: guard,
  }, async (req, reply) => {
    const job = await jobOr404(req.params.name, req.params.id);
    if (!ALLOWED.delete.includes(job.state)) throw conflict('job_state_conflict', `Cannot delete a ${job.state} job; cancel it first.`);
    await db.transaction().execute(async (tx) => {
      await jobs.boss.deleteJob(req.params.name, job.id, { db: fromKysely(tx) });
      await recordAudit(tx, actorOf(req), { action: 'job.deleted', entity: 'job', entityId: job.id, diff: { queue: req.params.name, state: job.state } });
    });
    announce(app, 'job.deleted', { queue: req.params.name, id: job.id });
    return reply.code(204).send(null);
  });

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/queues/:name/${action}`, {
      schema: {
        tags: ['jobs'],
        summary: action === 'pause'
          ? 'Pause a queue: every process stops fetching from it; jobs keep accumulating and running ones finish (admin, manager)'
          : 'Resume a paused queue (admin, manager)',
        params: QueueParams, body: Reason,
        response: { 200: Type.Object({ name: Type.String(), paused: Type.Boolean() }), ...problemResponses(400, 401, 403, 404, 503) },
      },
      preHandler: guard,
    }, async (req) => {
      await queueOr404(req.params.name);
      const me = authenticatedUser(req);
      const paused = action === 'pause';
      const reason = req.body?.reason ?? null;
      await db.transaction().execute(async (tx) => {
        const values = { paused, paused_by: paused ? me.id : null, paused_at: paused ? new Date() : null, reason, updated_at: new Date() };
        await tx.insertInto('platform.queue_control').values({ queue: req.params.name, ...values })
          .onConflict((oc) => oc.column('queue').doUpdateSet(values)).execute();
        await recordAudit(tx, actorOf(req), { action: `queue.${paused ? 'paused' : 'resumed'}`, entity: 'queue', entityId: req.params.name, diff: { reason } });
      });
      await jobs.refreshPauses();
      announce(app, `queue.${paused ? 'paused' : 'resumed'}`, { queue: req.params.name, reason });
      return { name: req.params.name, paused };
    });
  }
}
