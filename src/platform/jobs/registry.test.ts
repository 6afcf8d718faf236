import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../db/test-database.js';
import type { AtriumModule } from '../types.js';
import type { JobSchedule } from './types.js';
import { jobsOf, startAppOn } from './testing.js';

const moduleWith = (schedules: JobSchedule[]): AtriumModule => ({
  name: 'rg',
  routes: async () => {},
  jobs: [{ queue: 'rg.report', handler: async () => undefined, schedules }],
});

let db: TestDatabase;
before(async () => { db = await createTestDatabase(); });
after(async () => { await db.drop(); });

const definition = (key: string) => db.db.selectFrom('platform.schedule_definition').selectAll().where('key', '=', key).executeTakeFirst();

/** Starts a process with these declarations, reads what pg-boss holds, stops it. */
async function startWith(schedules: JobSchedule[], foreign = false) {
  const app = await startAppOn(db.url, { modules: foreign ? [] : [moduleWith(schedules)], foreignModules: foreign ? ['rg'] : [] });
  const bossSchedules = await jobsOf(app).boss.getSchedules('rg.report');
  await app.close();
  return bossSchedules;
}

test('declarations are applied at start, idempotently, and mirrored to pg-boss with the schedule key in the data', async () => {
  const declared = [{ key: 'rg.report:daily', cron: '0 5 * * *', description: 'Daily report' }];
  await startWith(declared);
  const pg = await startWith(declared);
  const row = await definition('rg.report:daily');
  assert.equal(row?.cron, '0 5 * * *');
  assert.equal(row?.timezone, 'Europe/Paris');
  assert.equal(row?.module, 'rg');
  assert.equal(row?.catch_up, 'run_once');
  assert.equal(row?.grace_minutes, 10);
  assert.equal(pg.length, 1);
  assert.equal(pg[0].cron, '0 5 * * *');
  assert.equal(pg[0].timezone, 'Europe/Paris');
  assert.deepEqual(pg[0].data, { __scheduleKey: 'rg.report:daily' });
});

test('an admin change wins over the code default until the code default itself changes', async () => {
  await db.db.updateTable('platform.schedule_definition').set({ cron: '0 6 * * *', enabled: false }).where('key', '=', 'rg.report:daily').execute();
  let pg = await startWith([{ key: 'rg.report:daily', cron: '0 5 * * *', description: 'Daily report' }]);
  assert.equal((await definition('rg.report:daily'))?.cron, '0 6 * * *');
  assert.equal((await definition('rg.report:daily'))?.enabled, false);
  assert.equal(pg.length, 0, 'a disabled schedule is not in pg-boss');

  pg = await startWith([{ key: 'rg.report:daily', cron: '0 7 * * *', description: 'Daily report' }]);
  const row = await definition('rg.report:daily');
  assert.equal(row?.cron, '0 7 * * *');
  assert.equal(row?.enabled, true);
  assert.equal(pg[0].cron, '0 7 * * *');
});

test('a process that does not run the module leaves its schedules alone; removing the declaration removes the schedule', async () => {
  await startWith([], true);
  assert.ok(await definition('rg.report:daily'), 'a process without rg (ENABLED_MODULES) keeps its schedule');
  const pg = await startWith([]);
  assert.equal(await definition('rg.report:daily'), undefined);
  assert.equal(pg.length, 0);
});
