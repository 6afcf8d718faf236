import { Type } from 'typebox';
import type { App } from '../../types.js';
import type { PlatformJobs } from '../service.js';
import { problemResponses } from '../../http/problem.js';
import { Page, PageQuery, decodeCursor, idCursor, toPage } from '../../http/pagination.js';
import { actorOf, recordAudit } from '../../audit/writer.js';
import { authenticatedUser } from '../../auth/guards.js';
import { listDeadLetters } from '../monitor.js';
import { DEAD_LETTER_QUEUE } from '../definitions.js';
import { outputError, redriveDeadLetters } from '../dead-letter.js';
import { QueueName } from './schemas.js';
import { announce, iso, isoOrNull, keysetCursor, monitorGuard } from './dto.js';

export default async function deadLetterRoutes(app: App, { jobs }: { jobs: PlatformJobs }) {
  const { db } = app.platform;
  const guard = monitorGuard(app, jobs);

  app.get('/failures', {
    schema: {
      tags: ['jobs'], summary: 'Jobs that exhausted their retries: error, stack, retries, redrive (admin, manager)',
      querystring: Type.Intersect([PageQuery, Type.Object({
        queue: Type.Optional(QueueName),
        from: Type.Optional(Type.String({ format: 'date-time' })),
        to: Type.Optional(Type.String({ format: 'date-time' })),
      })]),
      response: { 200: Page(Type.Ref('JobFailure')), ...problemResponses(400, 401, 403, 503) },
    },
    preHandler: guard,
  }, async (req) => {
    const { queue, from, to, limit } = req.query;
    const after = idCursor(req.query.cursor);
    let q = db.selectFrom('platform.job_failure').selectAll().orderBy('id', 'desc').limit(limit + 1);
    if (after) q = q.where('id', '<', after);
    if (queue) q = q.where('queue', '=', queue);
    if (from) q = q.where('failed_at', '>=', new Date(from));
    if (to) q = q.where('failed_at', '<', new Date(to));
    return toPage(await q.execute(), limit, (r) => [r.id], (r) => ({
      id: r.id, queue: r.queue, sourceJobId: r.source_job_id, deadLetterJobId: r.dead_letter_job_id, retryCount: r.retry_count,
      retryLimit: r.retry_limit, errorMessage: r.error_message, errorStack: r.error_stack, data: r.data, failedAt: iso(r.failed_at),
      redrivenAt: isoOrNull(r.redriven_at), redrivenBy: r.redriven_by,
    }));
  });

  app.get('/dead-letter', {
    schema: {
      tags: ['jobs'], summary: 'Jobs waiting in the dead-letter queue, newest first (admin, manager)',
      querystring: Type.Intersect([PageQuery, Type.Object({ sourceQueue: Type.Optional(QueueName) })]),
      response: { 200: Page(Type.Ref('DeadLetterJob')), ...problemResponses(400, 401, 403, 503) },
    },
    preHandler: guard,
  }, async (req) => {
    const { sourceQueue, limit } = req.query;
    const rows = await listDeadLetters(db, jobs.schema, DEAD_LETTER_QUEUE, sourceQueue, keysetCursor(decodeCursor(req.query.cursor)), limit);
    const now = Date.now();
    return toPage(rows, limit, (r) => [iso(r.createdOn), r.id], (r) => ({
      id: r.id, sourceQueue: r.sourceQueue, sourceJobId: r.sourceJobId, retryCount: r.retryCount, deadLetteredOn: iso(r.createdOn),
      ageSeconds: Math.round((now - new Date(r.sourceCreatedOn ?? r.createdOn).getTime()) / 1000),
      errorMessage: outputError(r.output).message,
    }));
  });

  app.post('/dead-letter/redrive', {
    schema: {
      tags: ['jobs'], summary: 'Move dead-letter jobs back to their source queue, oldest first, with a fresh retry count (admin, manager)',
      body: Type.Object({
        sourceQueue: Type.Optional(QueueName),
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ moved: Type.Integer() }), ...problemResponses(400, 401, 403, 503) },
    },
    preHandler: guard,
  }, async (req) => {
    const me = authenticatedUser(req);
    const moved = await redriveDeadLetters(jobs.boss, db, jobs.schema, { sourceQueue: req.body.sourceQueue, limit: req.body.limit, actorId: me.id });
    await recordAudit(db, actorOf(req), {
      action: 'dead_letter.redriven', entity: 'queue', entityId: req.body.sourceQueue ?? DEAD_LETTER_QUEUE, diff: { limit: req.body.limit, moved },
    });
    announce(app, 'dead_letter.redriven', { sourceQueue: req.body.sourceQueue ?? null, moved });
    return { moved };
  });
}
