import { Type } from 'typebox';
import { sql, type Selectable } from 'kysely';
import { fromKysely } from 'pg-boss';
import type { App } from '../../types.js';
import type { PlatformJobs } from '../service.js';
import type { ScheduleDefinitionTable } from '../tables.js';
import { problemResponses } from '../../http/problem.js';
import { conflict, notFound, unprocessable } from '../../http/errors.js';
import { actorOf, changes, recordAudit } from '../../audit/writer.js';
import { authenticatedUser } from '../../auth/guards.js';
import { CronError, DstAmbiguityError, nextFire, previousFire, validateSchedule } from '../cron.js';
import { bossScheduleKey, moduleOf } from '../definitions.js';
import { SCHEDULE_KEY_FIELD, mirrorSchedule } from '../registry.js';
import { ACTOR_FIELD, TRIGGER_FIELD } from '../runner.js';
import { ScheduleParams, SchedulePatch } from './schemas.js';
import { announce, iso, monitorGuard } from './dto.js';

type Row = Selectable<ScheduleDefinitionTable>;

function toDto(r: Row, missed7d: number, now: Date) {
  const started = r.last_started_at ? new Date(r.last_started_at) : null;
  const finished = r.last_finished_at ? new Date(r.last_finished_at) : null;
  return {
    key: r.key, module: r.module, queue: r.queue, cron: r.cron, timezone: r.timezone, enabled: r.enabled,
    nextRunAt: r.enabled ? iso(nextFire(r.cron, r.timezone, now)) : null,
    previousFireAt: iso(previousFire(r.cron, r.timezone, now)),
    lastRun: started && r.last_status
      ? { status: r.last_status, startedAt: iso(started), durationMs: finished && finished >= started ? finished.getTime() - started.getTime() : null }
      : null,
    missed7d, catchUp: r.catch_up, graceMinutes: r.grace_minutes, description: r.description, managed: true,
  };
}

export default async function scheduleRoutes(app: App, { jobs }: { jobs: PlatformJobs }) {
  const { db } = app.platform;
  const guard = monitorGuard(app, jobs);

  const missedSince = async (keys: string[]) => {
    if (!keys.length) return new Map<string, number>();
    const rows = await db.selectFrom('platform.schedule_miss').select(['schedule_key', sql<number>`count(*)::int`.as('n')])
      .where('schedule_key', 'in', keys).where('fire_time', '>', new Date(Date.now() - 7 * 24 * 3600_000)).groupBy('schedule_key').execute();
    return new Map(rows.map((r) => [r.schedule_key, r.n]));
  };
  const scheduleOr404 = async (key: string) => {
    const row = await db.selectFrom('platform.schedule_definition').selectAll().where('key', '=', key).executeTakeFirst();
    if (!row) throw notFound('schedule_not_found', `No schedule ${key} declared through the registry.`);
    return row;
  };

  app.get('/schedules', {
    schema: {
      tags: ['jobs'], summary: 'Schedules with their next run, last run and misses of the last 7 days (admin, manager)',
      response: { 200: Type.Array(Type.Ref('Schedule')), ...problemResponses(401, 403, 503) },
    },
    preHandler: guard,
  }, async () => {
    const now = new Date();
    const rows = await db.selectFrom('platform.schedule_definition').selectAll().orderBy('key').execute();
    const missed = await missedSince(rows.map((r) => r.key));
    const managedKeys = new Set(rows.map((r) => `${r.queue}\u0000${bossScheduleKey(r.key)}`));
    const foreign = (await jobs.boss.getSchedules()).filter((s) => !managedKeys.has(`${s.name}\u0000${s.key}`));
    return [
      ...rows.map((r) => toDto(r, missed.get(r.key) ?? 0, now)),
      ...foreign.map((s) => ({
        key: s.key, module: s.name.includes('.') ? moduleOf(s.name) : '', queue: s.name, cron: s.cron, timezone: s.timezone, enabled: true,
        nextRunAt: null, previousFireAt: null, lastRun: null, missed7d: 0, catchUp: 'none' as const, graceMinutes: null, description: null,
        managed: false, warning: 'Not declared through the registry: no missed-run detection.',
      })),
    ];
  });

  app.patch('/schedules/:key', {
    schema: {
      tags: ['jobs'], summary: 'Change a schedule\'s cron, zone, switch or catch-up; wins over the code default until that default changes (admin, manager)',
      params: ScheduleParams, body: SchedulePatch,
      response: { 200: Type.Ref('Schedule'), ...problemResponses(400, 401, 403, 404, 422, 503) },
    },
    preHandler: guard,
  }, async (req) => {
    const row = await scheduleOr404(req.params.key);
    const me = authenticatedUser(req);
    const b = req.body;
    const next = {
      cron: b.cron?.trim().replace(/\s+/g, ' ') ?? row.cron,
      timezone: b.timezone ?? row.timezone,
      enabled: b.enabled ?? row.enabled,
      catch_up: b.catchUp ?? row.catch_up,
      grace_minutes: b.graceMinutes ?? row.grace_minutes,
      accept_dst_shift: b.acceptDstShift ?? row.accept_dst_shift,
    };
    try {
      validateSchedule({ cron: next.cron, timezone: next.timezone, acceptDstShift: next.accept_dst_shift });
    } catch (err) {
      if (err instanceof CronError) throw unprocessable(err.code, err.message, [{ path: err.code === 'invalid_cron' ? 'body.cron' : 'body.timezone', message: err.message }]);
      if (err instanceof DstAmbiguityError) {
        throw unprocessable(err.code, err.message, err.conflicts.slice(0, 10).map((c) => ({ path: 'body.cron', message: `fires at ${c.localTime} local, which is ${c.kind}` })));
      }
      throw err;
    }
    // Fire times before a change of timing, or while disabled, are never counted as missed.
    const restarts = next.cron !== row.cron || next.timezone !== row.timezone || (next.enabled && !row.enabled);
    const updated = await db.transaction().execute(async (tx) => {
      const after = await tx.updateTable('platform.schedule_definition')
        .set({ ...next, updated_by: me.id, updated_at: new Date(), ...(restarts ? { enabled_at: new Date() } : {}) })
        .where('key', '=', row.key).returningAll().executeTakeFirstOrThrow();
      await recordAudit(tx, actorOf(req), {
        action: 'schedule.updated', entity: 'schedule', entityId: row.key,
        diff: changes({ ...row, data: undefined } as Record<string, unknown>, { ...next }),
      });
      return after;
    });
    await mirrorSchedule(jobs.boss, updated);
    announce(app, 'schedule.updated', { key: updated.key });
    const missed = await missedSince([updated.key]);
    return toDto(updated, missed.get(updated.key) ?? 0, new Date());
  });

  app.post('/schedules/:key/run-now', {
    schema: {
      tags: ['jobs'], summary: 'Enqueue one run of the schedule now (trigger manual); answers the job id (admin, manager)',
      params: ScheduleParams,
      response: { 202: Type.Object({ jobId: Type.String({ format: 'uuid' }) }), ...problemResponses(401, 403, 404, 409, 503) },
    },
    preHandler: guard,
  }, async (req, reply) => {
    const row = await scheduleOr404(req.params.key);
    const me = authenticatedUser(req);
    const jobId = await db.transaction().execute(async (tx) => {
      const data = { ...(row.data ?? {}), [SCHEDULE_KEY_FIELD]: row.key, [TRIGGER_FIELD]: 'manual', [ACTOR_FIELD]: me.id };
      const id = await jobs.boss.send(row.queue, data, { db: fromKysely(tx) });
      if (!id) throw conflict('job_state_conflict', `Queue ${row.queue} already holds a job its policy allows only once; wait for it to run.`);
      await recordAudit(tx, actorOf(req), { action: 'schedule.run_requested', entity: 'schedule', entityId: row.key, diff: { jobId: id } });
      return id;
    });
    announce(app, 'schedule.run_requested', { key: row.key, jobId });
    return reply.code(202).send({ jobId });
  });
}
