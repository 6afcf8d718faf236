import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';
import type { AtriumModule } from '../types.js';
import { jobsOf, waitFor } from './testing.js';
import { redactJobData } from './dead-letter.js';

const module: AtriumModule = {
  name: 'dl',
  routes: async () => {},
  jobs: [{
    queue: 'dl.flaky', retryLimit: 1, retryDelay: 1, critical: true,
    handler: async (job) => { throw Object.assign(new Error(`provider down (attempt ${job.attempt})`), { code: 'provider_unavailable' }); },
  }],
};

let t: TestApp;
const failed: { queue: string; jobId: string; error: string; critical: boolean }[] = [];
before(async () => {
  t = await startTestApp({ modules: [module] });
  t.app.platform.events.on('job.failed', (e) => failed.push(e));
});
after(async () => { await t.close(); });

test('a failing job is retried, then dead-lettered: job_failure written and job.failed emitted once', async () => {
  const jobs = jobsOf(t.app);
  const id = await jobs.send('dl.flaky', { customer: 42, apiToken: 'tok-123', nested: { webhookUrl: 'https://hooks.example/x' } });
  const failure = await waitFor('a job_failure row', () =>
    t.db.db.selectFrom('platform.job_failure').selectAll().where('source_job_id', '=', id!).executeTakeFirst(), 20_000);

  const runs = await t.db.db.selectFrom('platform.operation_run').selectAll().where('job_id', '=', id!).orderBy('attempt').execute();
  assert.deepEqual(runs.map((r) => [r.attempt, r.status]), [[1, 'failed'], [2, 'failed']]);
  assert.deepEqual(runs.map((r) => (r.error as { code: string }).code), ['provider_unavailable', 'provider_unavailable']);

  assert.equal(failure.queue, 'dl.flaky');
  assert.equal(failure.retry_count, 1);
  assert.equal(failure.retry_limit, 1);
  assert.equal(failure.error_message, 'provider down (attempt 2)');
  assert.match(failure.error_stack ?? '', /provider down/);
  assert.deepEqual(failure.data, { customer: 42, apiToken: '***', nested: { webhookUrl: '***' } });
  const [dead] = await jobs.boss.findJobs('platform.dead-letter', { id: failure.dead_letter_job_id });
  assert.equal(dead.sourceId, id);

  await waitFor('the job.failed event', () => failed.length > 0);
  assert.deepEqual(failed, [{ queue: 'dl.flaky', jobId: id, error: 'provider down (attempt 2)', critical: true }]);
  // Later scans (this process or another) find it recorded and stay quiet.
  assert.equal(await jobs.deadLetterWatch.scan(), 0);
  assert.equal(failed.length, 1);
});

test('redrive moves dead-letter jobs back to their queue with a fresh retry count and marks the failure redriven', async () => {
  const jobs = jobsOf(t.app);
  const [failure] = await t.db.db.selectFrom('platform.job_failure').selectAll().execute();
  await t.db.db.insertInto('platform.queue_control').values({ queue: 'dl.flaky', paused: true }).execute();
  await waitFor('the queue to pause', () => !jobs.isWorking('dl.flaky'));
  const admin = await t.createUser(['admin']);
  const res = await t.api('POST', '/api/v1/jobs/dead-letter/redrive', { token: admin.token, body: { sourceQueue: 'dl.flaky' } });
  assert.equal(res.status, 200);
  assert.equal(res.body.moved, 1);
  const after = await t.db.db.selectFrom('platform.job_failure').selectAll().where('id', '=', failure.id).executeTakeFirstOrThrow();
  assert.ok(after.redriven_at);
  assert.equal(after.redriven_by, admin.id);
  const queued = await jobs.boss.findJobs('dl.flaky', { queued: true });
  assert.equal(queued.length, 1);
  assert.equal(queued[0].retryCount, 0);
  assert.equal(queued[0].sourceRootId, failure.source_job_id);
  const audit = await t.db.db.selectFrom('platform.audit_events').selectAll().where('action', '=', 'dead_letter.redriven').executeTakeFirst();
  assert.ok(audit);

  await t.db.db.deleteFrom('platform.queue_control').execute();
  const run = await waitFor('the redriven job to run', () => t.db.db.selectFrom('platform.operation_run').selectAll()
    .where('job_id', '=', queued[0].id).where('status', '!=', 'running').executeTakeFirst());
  assert.equal(run.trigger, 'redrive');
  assert.equal(run.attempt, 1);
});

test('job data is redacted on keys that look like secrets, tokens or URLs, at any depth', () => {
  assert.deepEqual(redactJobData({ password: 'x', list: [{ clientSecret: 'y', n: 1 }], callbackURL: 'z', name: 'ok' }),
    { password: '***', list: [{ clientSecret: '***', n: 1 }], callbackURL: '***', name: 'ok' });
});
