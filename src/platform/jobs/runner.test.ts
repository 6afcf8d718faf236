import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';
import type { AtriumModule } from '../types.js';
import { jobsOf, waitFor } from './testing.js';
import { JobSkipped } from './types.js';

const module: AtriumModule = {
  name: 'jt',
  routes: async () => {},
  jobs: [
    { queue: 'jt.echo', batchSize: 10, handler: async (job) => ({ echoed: job.data.n }) },
    {
      queue: 'jt.mixed', batchSize: 10,
      handler: async (job) => {
        if (job.data.fail) throw new Error('bad input');
        if (job.data.skip) throw new JobSkipped('nothing to do');
        return { ok: true };
      },
    },
  ],
};

let t: TestApp;
before(async () => { t = await startTestApp({ modules: [module] }); });
after(async () => { await t.close(); });

const runsOf = (queue: string) => t.db.db.selectFrom('platform.operation_run').selectAll().where('queue', '=', queue).orderBy('started_at').execute();

test('every attempt is recorded in operation_run with its trigger, timings and the handler\'s summary', async () => {
  const jobs = jobsOf(t.app);
  const ids = await Promise.all([1, 2, 3].map((n) => jobs.send('jt.echo', { n })));
  const runs = await waitFor('three finished runs', async () => {
    const rows = await runsOf('jt.echo');
    return rows.filter((r) => r.status === 'succeeded').length === 3 && rows;
  });
  assert.deepEqual(new Set(runs.map((r) => r.job_id)), new Set(ids));
  for (const r of runs) {
    assert.equal(r.kind, 'module_job');
    assert.equal(r.attempt, 1);
    assert.equal(r.trigger, 'event');
    assert.equal(r.schedule_key, null);
    assert.ok(r.finished_at && r.heartbeat_at);
    assert.equal(typeof r.duration_ms, 'number');
    assert.equal(r.error, null);
  }
  assert.deepEqual(runs.map((r) => (r.summary as { echoed: number }).echoed).sort(), [1, 2, 3]);
});

test('a batch settles each job on its own: one failing job does not fail its neighbours', async () => {
  const jobs = jobsOf(t.app);
  const bad = await jobs.send('jt.mixed', { fail: true });
  const good = await Promise.all([1, 2, 3].map(() => jobs.send('jt.mixed', {})));
  const runs = await waitFor('four finished runs', async () => {
    const rows = await runsOf('jt.mixed');
    return rows.filter((r) => r.status !== 'running').length === 4 && rows;
  });
  const failed = runs.find((r) => r.job_id === bad)!;
  assert.equal(failed.status, 'failed');
  assert.equal((failed.error as { code: string }).code, 'unhandled');
  assert.equal((failed.error as { message: string }).message, 'bad input');
  assert.match((failed.error as { stack: string }).stack, /bad input/);
  assert.deepEqual(runs.filter((r) => r.status === 'succeeded').map((r) => r.job_id).sort(), [...good].sort());
  const [job] = await jobs.boss.findJobs('jt.mixed', { id: bad! });
  assert.equal(job.state, 'retry');
  for (const id of good) assert.equal((await jobs.boss.findJobs('jt.mixed', { id: id! }))[0].state, 'completed');
});

test('the registry gives every queue the dead-letter queue, exponential backoff and the default policy', async () => {
  const queue = await jobsOf(t.app).boss.getQueue('jt.echo');
  assert.equal(queue?.deadLetter, 'platform.dead-letter');
  assert.equal(queue?.retryBackoff, true);
  assert.equal(queue?.retryLimit, 5);
  assert.equal(queue?.retryDelay, 30);
  assert.equal(queue?.retryDelayMax, 3600);
  assert.equal(queue?.expireInSeconds, 900);
  assert.equal(queue?.heartbeatSeconds, 60);
  assert.equal(queue?.retentionSeconds, 30 * 24 * 3600);
  assert.ok(await jobsOf(t.app).boss.getQueue('platform.dead-letter'));
});

test('a job sent inside a transaction exists only if the transaction commits', async () => {
  const jobs = jobsOf(t.app);
  let rolledBack: string | null = null;
  await assert.rejects(t.db.db.transaction().execute(async (tx) => {
    rolledBack = await jobs.send('jt.echo', { n: 100 }, { db: tx });
    throw new Error('abort');
  }));
  assert.ok(rolledBack);
  assert.equal((await jobs.boss.findJobs('jt.echo', { id: rolledBack! })).length, 0);
  const committed = await t.db.db.transaction().execute((tx) => jobs.send('jt.echo', { n: 101 }, { db: tx }));
  await waitFor('the committed job to run', async () => (await runsOf('jt.echo')).some((r) => r.job_id === committed && r.status === 'succeeded'));
});

test('a handler throwing JobSkipped records a skipped run and completes the job', async () => {
  const jobs = jobsOf(t.app);
  const id = await jobs.send('jt.mixed', { skip: true });
  const run = await waitFor('the skipped run', async () => (await runsOf('jt.mixed')).find((r) => r.job_id === id && r.status !== 'running'));
  assert.equal(run.status, 'skipped');
  assert.deepEqual(run.summary, { reason: 'nothing to do' });
  assert.equal((await jobs.boss.findJobs('jt.mixed', { id: id! }))[0].state, 'completed');
});
