import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { createSourcingModule } from '../index.js';
import { buildWorld } from '../testing.js';
import { announceReviewsDue } from './reviews.js';

let t: TestApp;
let buyer: TestUser; let admin: TestUser; let manager: TestUser;
let world: Awaited<ReturnType<typeof buildWorld>>;

before(async () => {
  t = await startTestApp({ modules: [createSourcingModule()] });
  [buyer, admin, manager] = await Promise.all([t.createUser(['buyer']), t.createUser(['admin']), t.createUser(['manager'])]);
  world = await buildWorld(t, buyer, admin);
});
after(() => t.close());

test('review-due notifies managers of supplier reviews within 30 days and of approved assessments at their review date, once per date', async () => {
  const today = '2026-06-01';
  await world.call('PATCH', `/suppliers/${world.a.id}`, { nextReviewOn: '2026-06-25', version: 1 });
  await world.call('PATCH', `/suppliers/${world.b.id}`, { nextReviewOn: '2026-08-01', version: 1 });
  const a = await world.call('POST', '/assessments', { title: 'Soy 2025', materialId: world.soy.id, annualQuantity: 120_000, assessmentDate: '2026-05-01', offerIds: [world.offerA.id] });
  // Data set-up only: an approved assessment whose review date has passed (the approval flow is tested elsewhere).
  await sql`update sourcing.assessments set status = 'approved', approved_at = now(), approved_by = ${manager.id}, next_review_on = '2026-05-31' where id = ${a.id}`.execute(t.db.db);

  const ctx = t.app.platform as never;
  const first = await announceReviewsDue(ctx, today);
  assert.deepEqual({ suppliers: first.suppliers, assessments: first.assessments }, { suppliers: 1, assessments: 1 });
  assert.equal(first.messages, 4, 'one manager, two items, in-app and email');
  const again = await announceReviewsDue(ctx, today);
  assert.equal(again.messages, 0, 'deduplicated by src:review:{id}:{date}');
  // A new review date is a new reminder.
  await world.call('PATCH', `/suppliers/${world.a.id}`, { nextReviewOn: '2026-06-20', version: 2 });
  assert.equal((await announceReviewsDue(ctx, today)).messages, 2);
});
