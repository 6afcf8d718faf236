import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import type { AtriumModule } from '../../types.js';
import type { PgBoss } from 'pg-boss';
import { jobsOf, waitFor } from '../testing.js';
import { KNOWN_PGBOSS_SCHEMA_VERSION, checkSchemaVersion } from '../schema-version.js';

const module: AtriumModule = {
  name: 'mon',
  routes: async () => {},
  jobs: [
    { queue: 'mon.held', handler: async () => ({ done: true }) },
    { queue: 'mon.fail', retryLimit: 0, handler: async () => { throw Object.assign(new Error('nope'), { code: 'bad_input' }); } },
    {
      queue: 'mon.report', kind: 'export', handler: async (job) => ({ rows: 10, trigger: job.trigger }),
      schedules: [{ key: 'mon.report:weekly', cron: '0 6 * * 1', description: 'Weekly report', data: { format: 'csv' } }],
    },
  ],
};

let t: TestApp;
let manager: TestUser;
let patient: TestUser;
before(async () => {
  t = await startTestApp({ modules: [module] });
  [manager, patient] = await Promise.all([t.createUser(['manager']), t.createUser(['patient'])]);
  await t.db.db.insertInto('platform.queue_control').values({ queue: 'mon.held', paused: true }).execute();
  await waitFor('mon.held to pause', () => !jobsOf(t.app).isWorking('mon.held'));
});
after(async () => { await t.close(); });

const get = (path: string, token = manager.token) => t.api('GET', `/api/v1/jobs${path}`, { token });
const post = (path: string, body?: unknown, token = manager.token) => t.api('POST', `/api/v1/jobs${path}`, { token, body });
const audits = (action: string) => t.db.db.selectFrom('platform.audit_events').selectAll().where('action', '=', action).execute();

test('the monitor is for admins and managers: 401 without a token, 403 for a patient', async () => {
  assert.equal((await t.api('GET', '/api/v1/jobs/queues')).status, 401);
  const res = await get('/queues', patient.token);
  assert.equal(res.status, 403);
  assert.equal(res.body.code, 'role_required');
  assert.equal((await post('/queues/mon.held/pause', {}, patient.token)).status, 403);
});

test('queues list counts by state, the pause switch and the dead-letter queue', async () => {
  await jobsOf(t.app).send('mon.held', { n: 1 });
  const res = await get('/queues');
  assert.equal(res.status, 200);
  const held = res.body.find((q: { name: string }) => q.name === 'mon.held');
  assert.equal(held.module, 'mon');
  assert.equal(held.paused, true);
  assert.equal(held.deadLetter, 'platform.dead-letter');
  assert.equal(held.policy, 'standard');
  assert.ok(held.counts.queued >= 1 && held.counts.ready >= 1);
  assert.equal(typeof held.oldestReadyAgeSeconds, 'number');
  assert.ok(res.body.some((q: { name: string }) => q.name === 'platform.dead-letter'));
  assert.ok(!res.body.some((q: { name: string }) => q.name.startsWith('__pgboss__')));
});

test('jobs of a queue page with a cursor and filter by state; unknown queue and job answer 404 with their codes', async () => {
  const jobs = jobsOf(t.app);
  for (let n = 0; n < 4; n++) await jobs.send('mon.held', { n });
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(`/queues/mon.held/jobs?state=created&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(res.status, 200);
    assert.ok(res.body.items.length <= 2);
    for (const j of res.body.items) assert.equal(j.state, 'created');
    seen.push(...res.body.items.map((j: { id: string }) => j.id));
    cursor = res.body.nextCursor;
  } while (cursor);
  assert.equal(seen.length, 5);
  assert.equal(new Set(seen).size, 5);
  assert.equal((await get('/queues/mon.held/jobs?state=completed')).body.items.length, 0);
  assert.equal((await get('/queues/mon.held/jobs?cursor=garbage')).body.code, 'invalid_cursor');

  const missingQueue = await get('/queues/mon.nothing/jobs');
  assert.equal(missingQueue.status, 404);
  assert.equal(missingQueue.body.code, 'queue_not_found');
  const missingJob = await get('/queues/mon.held/jobs/00000000-0000-4000-8000-000000000000');
  assert.equal(missingJob.status, 404);
  assert.equal(missingJob.body.code, 'job_not_found');
});

test('a job shows its data redacted; cancel, resume and delete follow its state, else 409 job_state_conflict', async () => {
  const id = await jobsOf(t.app).send('mon.held', { invoice: 7, password: 'hunter2' });
  const detail = await get(`/queues/mon.held/jobs/${id}`);
  assert.equal(detail.status, 200);
  assert.deepEqual(detail.body.data, { invoice: 7, password: '***' });
  assert.equal(detail.body.state, 'created');
  assert.deepEqual(detail.body.runs, []);

  const retry = await post(`/queues/mon.held/jobs/${id}/retry`);
  assert.equal(retry.status, 409);
  assert.equal(retry.body.code, 'job_state_conflict');
  assert.equal((await t.api('DELETE', `/api/v1/jobs/queues/mon.held/jobs/${id}`, { token: manager.token })).body.code, 'job_state_conflict');

  assert.deepEqual((await post(`/queues/mon.held/jobs/${id}/cancel`)).body, { id, state: 'cancelled' });
  assert.equal((await post(`/queues/mon.held/jobs/${id}/cancel`)).status, 409);
  assert.deepEqual((await post(`/queues/mon.held/jobs/${id}/resume`)).body, { id, state: 'created' });
  await post(`/queues/mon.held/jobs/${id}/cancel`);
  assert.equal((await t.api('DELETE', `/api/v1/jobs/queues/mon.held/jobs/${id}`, { token: manager.token })).status, 204);
  assert.equal((await get(`/queues/mon.held/jobs/${id}`)).status, 404);
  for (const action of ['job.cancelled', 'job.resumed', 'job.deleted']) {
    const rows = await audits(action);
    assert.ok(rows.some((r) => r.entity_id === id && r.actor_id === manager.id), action);
  }
});

test('a failed job shows its error and runs, and can be retried', async () => {
  const id = await jobsOf(t.app).send('mon.fail', {});
  await waitFor('the job to fail', async () => (await jobsOf(t.app).boss.findJobs('mon.fail', { id: id! }))[0]?.state === 'failed');
  const detail = await get(`/queues/mon.fail/jobs/${id}`);
  assert.equal(detail.body.output.code, 'bad_input');
  assert.equal(detail.body.output.message, 'nope');
  assert.equal(detail.body.runs.length, 1);
  assert.equal(detail.body.runs[0].status, 'failed');
  const failures = await waitFor('the failure snapshot', async () => {
    const res = await get('/failures?queue=mon.fail');
    return res.body.items.length > 0 && res.body;
  });
  assert.equal(failures.items[0].sourceJobId, id);
  assert.equal(failures.items[0].errorMessage, 'nope');
  const dead = await get('/dead-letter?sourceQueue=mon.fail');
  assert.equal(dead.body.items[0].sourceJobId, id);
  assert.equal(dead.body.items[0].errorMessage, 'nope');

  const retry = await post(`/queues/mon.fail/jobs/${id}/retry`);
  assert.equal(retry.status, 200);
  assert.ok((await audits('job.retried')).some((r) => r.entity_id === id));
});

test('pause and resume through the API: the switch, the audit trail, this process\'s workers and the monitor pages follow', async () => {
  const jobs = jobsOf(t.app);
  assert.equal(jobs.isWorking('mon.report'), true);
  const announced: [string, string, unknown][] = [];
  const realtime = t.app.platform.realtime;
  const publish = realtime.publish;
  realtime.publish = async (topic, type, data) => { announced.push([topic, type, data]); };
  const paused = await post('/queues/mon.report/pause', { reason: 'provider maintenance' }).finally(() => { realtime.publish = publish; });
  assert.deepEqual(announced, [['jobs', 'queue.paused', { queue: 'mon.report', reason: 'provider maintenance' }]], 'monitor pages refresh');
  assert.deepEqual(paused.body, { name: 'mon.report', paused: true });
  assert.equal(jobs.isWorking('mon.report'), false);
  const row = await t.db.db.selectFrom('platform.queue_control').selectAll().where('queue', '=', 'mon.report').executeTakeFirstOrThrow();
  assert.equal(row.paused_by, manager.id);
  assert.equal(row.reason, 'provider maintenance');
  assert.deepEqual((await post('/queues/mon.report/resume', {})).body, { name: 'mon.report', paused: false });
  assert.equal(jobs.isWorking('mon.report'), true);
  assert.equal((await audits('queue.paused')).length, 1);
  assert.equal((await audits('queue.resumed')).length, 1);
  assert.equal((await post('/queues/mon.nothing/pause', {})).body.code, 'queue_not_found');
});

test('schedules list managed ones with next run, and pg-boss schedules not declared here as unmanaged', async () => {
  await jobsOf(t.app).boss.schedule('mon.held', '0 5 * * *', {}, { key: 'hand-made' });
  const res = await get('/schedules');
  assert.equal(res.status, 200);
  const weekly = res.body.find((s: { key: string }) => s.key === 'mon.report:weekly');
  assert.equal(weekly.managed, true);
  assert.equal(weekly.enabled, true);
  assert.equal(weekly.queue, 'mon.report');
  assert.equal(weekly.timezone, 'Europe/Paris');
  assert.equal(weekly.catchUp, 'run_once');
  assert.ok(Date.parse(weekly.nextRunAt) > Date.now());
  assert.ok(Date.parse(weekly.previousFireAt) <= Date.now());
  assert.equal(weekly.missed7d, 0);
  const foreign = res.body.find((s: { key: string }) => s.key === 'hand-made');
  assert.equal(foreign.managed, false);
  assert.match(foreign.warning, /no missed-run detection/);
});

test('PATCH a schedule: validation codes, DST refusal unless accepted, disable removes it from pg-boss', async () => {
  const patch = (body: unknown, key = 'mon.report:weekly') => t.api('PATCH', `/api/v1/jobs/schedules/${encodeURIComponent(key)}`, { token: manager.token, body });
  assert.equal((await patch({ cron: '0 6 * *' })).body.code, 'invalid_cron');
  assert.equal((await patch({ timezone: 'Europe/Atlantis' })).body.code, 'invalid_timezone');
  const dst = await patch({ cron: '30 2 * * *' });
  assert.equal(dst.status, 422);
  assert.equal(dst.body.code, 'dst_ambiguous_time');
  assert.ok(dst.body.errors.length >= 2);
  assert.equal((await patch({ enabled: false }, 'mon.nothing')).body.code, 'schedule_not_found');
  assert.equal((await patch({}, 'mon.report:weekly')).status, 400);

  const accepted = await patch({ cron: '30 2 * * *', acceptDstShift: true, graceMinutes: 45 });
  assert.equal(accepted.status, 200);
  assert.equal(accepted.body.cron, '30 2 * * *');
  assert.equal(accepted.body.graceMinutes, 45);
  const [pg] = await jobsOf(t.app).boss.getSchedules('mon.report');
  assert.equal(pg.cron, '30 2 * * *');

  const disabled = await patch({ enabled: false });
  assert.equal(disabled.body.enabled, false);
  assert.equal(disabled.body.nextRunAt, null);
  assert.equal((await jobsOf(t.app).boss.getSchedules('mon.report')).length, 0);
  const audit = await audits('schedule.updated');
  assert.equal(audit.length, 2);
  assert.deepEqual((audit[1].diff as Record<string, unknown>).enabled, [true, false]);
  await patch({ enabled: true });
});

test('run-now enqueues one manual run that records who asked', async () => {
  const res = await post(`/schedules/${encodeURIComponent('mon.report:weekly')}/run-now`);
  assert.equal(res.status, 202);
  const run = await waitFor('the manual run', () => t.db.db.selectFrom('platform.operation_run').selectAll()
    .where('job_id', '=', res.body.jobId).where('status', '=', 'succeeded').executeTakeFirst());
  assert.equal(run.trigger, 'manual');
  assert.equal(run.kind, 'export');
  assert.equal(run.schedule_key, 'mon.report:weekly');
  assert.equal(run.actor_user_id, manager.id);
  assert.deepEqual(run.summary, { rows: 10, trigger: 'manual' });
  assert.equal((await audits('schedule.run_requested')).length, 1);
  const schedules = await get('/schedules');
  const weekly = schedules.body.find((s: { key: string }) => s.key === 'mon.report:weekly');
  assert.equal(weekly.lastRun.status, 'succeeded');
  assert.equal((await post('/schedules/mon.nothing/run-now')).body.code, 'schedule_not_found');
});

test('the monitor routes are documented in OpenAPI under the jobs tag', async () => {
  const spec = (await t.api('GET', '/openapi.json')).body;
  for (const path of ['/api/v1/jobs/queues', '/api/v1/jobs/queues/{name}/jobs/{id}', '/api/v1/jobs/schedules/{key}', '/api/v1/jobs/dead-letter/redrive']) {
    const item = spec.paths[path];
    assert.ok(item, path);
    for (const op of Object.values(item) as { tags: string[] }[]) assert.deepEqual(op.tags, ['jobs']);
  }
});

test('job metrics are exposed on /metrics', async () => {
  const text = (await t.api('GET', '/metrics')).body as string;
  for (const name of ['atrium_job_completed_total', 'atrium_job_failed_total', 'atrium_job_duration_seconds', 'atrium_job_queue_jobs',
    'atrium_dead_letter_jobs', 'atrium_schedule_next_run_timestamp_seconds', 'atrium_schedule_missed_total']) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  assert.match(text, /atrium_job_completed_total\{queue="mon.report",final="true"\} [1-9]/);
  assert.match(text, /atrium_schedule_next_run_timestamp_seconds\{schedule="mon.report:weekly"\} \d+/);
});

test('on a pg-boss schema version it does not know, the monitor answers 503 job_monitor_unavailable', async () => {
  const jobs = jobsOf(t.app);
  const known = jobs.monitor;
  assert.deepEqual(known, { available: true, version: KNOWN_PGBOSS_SCHEMA_VERSION });
  assert.deepEqual(await checkSchemaVersion({ schemaVersion: async () => 44 } as unknown as PgBoss),
    { available: false, reason: 'pg-boss schema version 44 is not the one this monitor knows (43)' });
  jobs.monitor = { available: false, reason: 'pg-boss schema version 44 is not the one this monitor knows (43)' };
  try {
    const res = await get('/queues');
    assert.equal(res.status, 503);
    assert.equal(res.body.code, 'job_monitor_unavailable');
    assert.equal((await get('/queues', patient.token)).status, 403, 'roles are still checked first');
  } finally {
    jobs.monitor = known;
  }
});
