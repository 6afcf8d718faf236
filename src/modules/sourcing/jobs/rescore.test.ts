import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { createSourcingModule, engineOf } from '../index.js';
import { P, buildWorld } from '../testing.js';
import { rescoreStale } from './rescore.js';

let t: TestApp;
let buyer: TestUser; let admin: TestUser;
let world: Awaited<ReturnType<typeof buildWorld>>;

before(async () => {
  t = await startTestApp({ modules: [createSourcingModule()] });
  [buyer, admin] = await Promise.all([t.createUser(['buyer']), t.createUser(['admin'])]);
  world = await buildWorld(t, buyer, admin);
});
after(() => t.close());

test('new scoring parameters mark drafts stale and queue sourcing.rescore-stale, which re-scores with the new version; a second run skips', async () => {
  const a = await world.call('POST', '/assessments', { title: 'Soy', materialId: world.soy.id, destinationId: world.plant.id, annualQuantity: 120_000, assessmentDate: '2026-06-30', offerIds: [world.offerA.id, world.offerB.id] });
  await world.call('POST', `/assessments/${a.id}/score`, {});
  const res = await t.api('POST', `${P}/scoring-parameters`, { token: admin.token, body: { params: { bands: { high: 85, medium: 65 } } } });
  assert.equal(res.status, 201);
  const stale = (await t.api('GET', `${P}/assessments/${a.id}`, { token: buyer.token })).body;
  assert.equal(stale.stale, true);
  const queued = await sql<{ n: string }>`select count(*) as n from pgboss.job where name = 'sourcing.rescore-stale' and data->>'assessmentId' = ${a.id}`.execute(t.db.db);
  assert.ok(Number(queued.rows[0]!.n) >= 1);

  const ctx = { ...t.app.platform, log: t.app.log } as never;
  const engine = engineOf(t.app.platform)!;
  assert.deepEqual(await rescoreStale(ctx, engine, a.id), { rescored: true, items: 2 });
  const after = (await t.api('GET', `${P}/assessments/${a.id}`, { token: buyer.token })).body;
  assert.equal(after.stale, false);
  assert.equal(after.status, 'scored');
  assert.equal(after.parametersVersion, stale.parametersVersion + 1);
  assert.deepEqual(await rescoreStale(ctx, engine, a.id), { skipped: true });
  const audit = await sql<{ n: string }>`select count(*) as n from platform.audit_events where action = 'sourcing.assessment.rescored' and entity_id = ${a.id}`.execute(t.db.db);
  assert.equal(Number(audit.rows[0]!.n), 1);
});
