import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';
import type { AtriumModule } from '../types.js';
import type { ScheduleMissedEvent } from '../events.js';
import type { JobRun } from './types.js';
import { jobsOf, waitFor } from './testing.js';

const runs: JobRun[] = [];
const module: AtriumModule = {
  name: 'wd',
  routes: async () => {},
  jobs: [
    {
      queue: 'wd.backup', kind: 'backup',
      handler: async (job) => { runs.push(job); return { files: 3 }; },
      schedules: [{ key: 'wd.backup:cfg1', cron: '0 4 * * *', timezone: 'Europe/Paris', graceMinutes: 30, catchUp: 'run_once', data: { config: 'cfg1' } }],
    },
    { queue: 'wd.sweep', handler: async () => undefined, schedules: [{ cron: '*/10 * * * *', catchUp: 'none' }] },
  ],
};

let t: TestApp;
const missed: ScheduleMissedEvent[] = [];
before(async () => {
  t = await startTestApp({ modules: [module] });
  t.app.platform.events.on('schedule.missed', (e) => missed.push(e));
  await jobsOf(t.app).watchdog.pass(); // the pass the process runs at start
});
after(async () => { await t.close(); });

const setSchedule = (key: string, values: Record<string, Date | null>) =>
  t.db.db.updateTable('platform.schedule_definition').set(values).where('key', '=', key).execute();
const missesOf = (key: string) => t.db.db.selectFrom('platform.schedule_miss').selectAll().where('schedule_key', '=', key).orderBy('fire_time').execute();

test('the watchdog records every fire time missed while nothing ran, raises one event and enqueues exactly one catch-up', async () => {
  const jobs = jobsOf(t.app);
  assert.equal(missed.length, 0, 'nothing is missed right after the schedule was declared');
  // The platform was down from 2025-06-03 03:50 CEST (the last pass) until 2025-06-05 04:40 CEST.
  await setSchedule('wd.backup:cfg1', { watermark: new Date('2025-06-03T01:45:00Z'), enabled_at: new Date('2025-06-01T00:00:00Z') });
  await jobs.watchdog.pass(new Date('2025-06-05T02:40:00Z'));

  const misses = await missesOf('wd.backup:cfg1');
  assert.deepEqual(misses.map((m) => m.fire_time.toISOString()), ['2025-06-03T02:00:00.000Z', '2025-06-04T02:00:00.000Z', '2025-06-05T02:00:00.000Z']);
  assert.equal(missed.length, 1);
  assert.deepEqual(missed[0].fireTimes, misses.map((m) => m.fire_time.toISOString()));
  assert.equal(missed[0].reason, 'missed');
  assert.equal(missed[0].dedupKey, 'ops:miss:wd.backup:cfg1:2025-06-05T02:00:00.000Z');
  const catchUp = misses[2].catch_up_job_id;
  assert.ok(catchUp);
  assert.equal(missed[0].catchUpJobId, catchUp);
  assert.equal(misses[0].catch_up_job_id, null);

  const run = await waitFor('the catch-up run', () => t.db.db.selectFrom('platform.operation_run').selectAll()
    .where('job_id', '=', catchUp).where('status', '=', 'succeeded').executeTakeFirst());
  assert.equal(run.trigger, 'catch_up');
  assert.equal(run.kind, 'backup');
  assert.equal(run.schedule_key, 'wd.backup:cfg1');
  assert.equal(run.scheduled_for?.toISOString(), '2025-06-05T02:00:00.000Z');
  assert.deepEqual(runs.map((r) => [r.trigger, r.data]), [['catch_up', { config: 'cfg1' }]]);

  // Another pass over the same period (this process or another) adds nothing and sends nothing.
  await setSchedule('wd.backup:cfg1', { watermark: new Date('2025-06-03T01:45:00Z') });
  await jobs.watchdog.pass(new Date('2025-06-05T02:40:00Z'));
  assert.equal(missed.length, 1);
  assert.equal((await missesOf('wd.backup:cfg1')).length, 3);
  const sent = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = 'wd.backup'`.execute(t.db.db);
  assert.equal(sent.rows[0].n, 1);
});

test('a fire time served by a run, or by a job still queued (busy or paused queue), is not missed', async () => {
  const jobs = jobsOf(t.app);
  const key = 'wd.backup:cfg1';
  await t.db.db.insertInto('platform.operation_run').values({
    kind: 'backup', queue: 'wd.backup', job_id: '00000000-0000-4000-8000-000000000001', attempt: 1, schedule_key: key,
    scheduled_for: new Date('2025-06-06T02:00:00Z'), trigger: 'schedule', status: 'succeeded', finished_at: new Date(),
  }).execute();
  await t.db.db.insertInto('platform.queue_control').values({ queue: 'wd.backup', paused: true }).execute();
  await waitFor('the queue to pause', () => !jobs.isWorking('wd.backup'));
  const queued = await jobs.send('wd.backup', { __scheduleKey: key });
  await sql`update pgboss.job set created_on = '2025-06-07T02:00:40Z' where id = ${queued}`.execute(t.db.db);

  await jobs.watchdog.pass(new Date('2025-06-08T02:40:00Z'));
  const misses = (await missesOf(key)).map((m) => m.fire_time.toISOString());
  assert.deepEqual(misses.slice(3), ['2025-06-08T02:00:00.000Z']);
  assert.equal(missed.length, 2);
  await t.db.db.deleteFrom('platform.queue_control').execute();
});

test('a schedule firing every 10 minutes that has not started for 30 minutes is reported stale once, without catch-up', async () => {
  const jobs = jobsOf(t.app);
  const key = 'wd.sweep';
  const now = new Date();
  await t.db.db.updateTable('platform.schedule_definition').set({ enabled: false }).where('key', '=', 'wd.backup:cfg1').execute();
  await setSchedule(key, { last_started_at: new Date(now.getTime() - 45 * 60_000), enabled_at: new Date(now.getTime() - 24 * 3600_000) });
  const before = missed.length;
  await jobs.watchdog.pass(now);
  await jobs.watchdog.pass(new Date(now.getTime() + 60_000));
  const stale = await missesOf(key);
  assert.equal(stale.length, 1);
  assert.equal(stale[0].reason, 'stale');
  assert.equal(stale[0].catch_up_job_id, null);
  assert.equal(missed.length, before + 1);
  assert.equal(missed.at(-1)!.reason, 'stale');
});

test('a running attempt whose process stopped sending heartbeats is marked failed by the watchdog', async () => {
  const id = '00000000-0000-4000-8000-000000000002';
  await t.db.db.insertInto('platform.operation_run').values({
    kind: 'module_job', queue: 'wd.sweep', job_id: id, attempt: 1, trigger: 'event', status: 'running',
    started_at: new Date(Date.now() - 3600_000), heartbeat_at: new Date(Date.now() - 3600_000),
  }).execute();
  await jobsOf(t.app).watchdog.pass();
  const row = await t.db.db.selectFrom('platform.operation_run').selectAll().where('job_id', '=', id).executeTakeFirstOrThrow();
  assert.equal(row.status, 'failed');
  assert.equal((row.error as { code: string }).code, 'lost_heartbeat');
});
