import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../db/test-database.js';
import type { App, AtriumModule } from '../types.js';
import { jobsOf, startAppOn, waitFor } from './testing.js';

const handled: { process: string; id: string }[] = [];
const moduleFor = (process: string): AtriumModule => ({
  name: 'mp',
  routes: async () => {},
  jobs: [{
    queue: 'mp.work', batchSize: 10,
    handler: async (job) => {
      handled.push({ process, id: job.id });
      await new Promise((r) => setTimeout(r, 2));
      return { n: job.data.n };
    },
  }],
});

let db: TestDatabase;
let a: App;
let b: App;
let api: App;
before(async () => {
  db = await createTestDatabase();
  [a, b, api] = await Promise.all([
    startAppOn(db.url, { modules: [moduleFor('a')], role: 'all' }),
    startAppOn(db.url, { modules: [moduleFor('b')], role: 'worker' }),
    startAppOn(db.url, { modules: [moduleFor('api')], role: 'api' }),
  ]);
});
after(async () => {
  await Promise.all([a, b, api].map((app) => app?.close()));
  await db.drop();
});

test('two worker processes on one database share the work: each of 300 jobs is done exactly once', async () => {
  const ids = await jobsOf(api).boss.insert('mp.work', Array.from({ length: 300 }, (_, n) => ({ data: { n } })), { returnId: true });
  assert.equal(ids?.length, 300);
  await waitFor('300 finished runs', async () => {
    const { n } = await db.db.selectFrom('platform.operation_run').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('queue', '=', 'mp.work').where('status', '=', 'succeeded').executeTakeFirstOrThrow();
    return Number(n) === 300;
  }, 30_000);
  assert.equal(handled.length, 300);
  assert.deepEqual(new Set(handled.map((h) => h.id)), new Set(ids));
  assert.equal(handled.filter((h) => h.process === 'api').length, 0, 'an api process only sends');
  const runs = await db.db.selectFrom('platform.operation_run').select('job_id').where('queue', '=', 'mp.work').execute();
  assert.equal(new Set(runs.map((r) => r.job_id)).size, 300);
});

test('a pause switched in one process stops fetching in every process; resume restarts them', async () => {
  assert.ok(jobsOf(a).isWorking('mp.work') && jobsOf(b).isWorking('mp.work'));
  assert.equal(jobsOf(api).isWorking('mp.work'), false);
  await db.db.insertInto('platform.queue_control').values({ queue: 'mp.work', paused: true, reason: 'maintenance' }).execute();
  await waitFor('both workers to stop fetching', () => !jobsOf(a).isWorking('mp.work') && !jobsOf(b).isWorking('mp.work'));
  const before = handled.length;
  const id = await jobsOf(api).send('mp.work', { n: -1 });
  // Several polling intervals pass with the job waiting.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(handled.length, before);
  assert.equal((await jobsOf(api).boss.findJobs('mp.work', { id: id! }))[0].state, 'created');

  await db.db.updateTable('platform.queue_control').set({ paused: false }).where('queue', '=', 'mp.work').execute();
  await waitFor('the waiting job to run', () => handled.some((h) => h.id === id));
  assert.ok(jobsOf(a).isWorking('mp.work') && jobsOf(b).isWorking('mp.work'));
});
