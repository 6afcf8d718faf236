import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { createSourcingModule } from '../index.js';
import { P, buildWorld } from '../testing.js';

let t: TestApp;
let buyer: TestUser; let manager: TestUser; let manager2: TestUser; let admin: TestUser;
let world: Awaited<ReturnType<typeof buildWorld>>;
let id: string;

before(async () => {
  t = await startTestApp({ modules: [createSourcingModule()] });
  [buyer, manager, manager2, admin] = await Promise.all([t.createUser(['buyer']), t.createUser(['manager']), t.createUser(['manager']), t.createUser(['admin'])]);
  world = await buildWorld(t, buyer, admin);
});
after(() => t.close());

const body = () => ({ title: 'Soybean for Montreal 2026', materialId: world.soy.id, destinationId: world.plant.id, annualQuantity: 120_000, assessmentDate: '2026-06-01', offerIds: [world.offerA.id, world.offerB.id] });

test('create checks offers and weights: another material 422, AHP inconsistent 422 with CR and pair, default weights otherwise', async () => {
  const other = (await t.api('POST', `${P}/materials`, { token: buyer.token, body: { name: 'Corn', unit: 'kg' } })).body;
  const mismatch = await t.api('POST', `${P}/assessments`, { token: buyer.token, body: { ...body(), materialId: other.id } });
  assert.equal(mismatch.body.code, 'offer_material_mismatch');
  const inconsistent = await t.api('POST', `${P}/assessments`, { token: buyer.token, body: { ...body(), weights: { method: 'ahp', matrices: { pillars: [[1, 5, 1 / 3], [1 / 5, 1, 3], [3, 1 / 3, 1]] } } } });
  assert.equal(inconsistent.status, 422);
  assert.equal(inconsistent.body.code, 'ahp_inconsistent');
  assert.match(JSON.stringify(inconsistent.body.errors), /economic\/quality: given 5, implied 1.41, suggested 1/);
  const created = await t.api('POST', `${P}/assessments`, { token: buyer.token, body: body() });
  assert.equal(created.status, 201);
  assert.equal(created.body.status, 'draft');
  assert.deepEqual(created.body.weights.pillars, { economic: 0.4, quality: 0.4, environmental: 0.2 });
  assert.ok(Math.abs(Object.values(created.body.weights.global as Record<string, number>).reduce((s, x) => s + x, 0) - 1) < 1e-9);
  id = created.body.id;
});

test('scoring stores the inputs snapshot and breakdowns and ranks; economic and environmental pillars match the worked examples', async () => {
  const res = await t.api('POST', `${P}/assessments/${id}/score`, { token: buyer.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.assessment.status, 'scored');
  assert.equal(res.body.assessment.engineVersion, '1.0.0');
  const [first, second] = res.body.items;
  const byOffer = Object.fromEntries(res.body.items.map((i: any) => [i.offerId, i]));
  const A = byOffer[world.offerA.id];
  const B = byOffer[world.offerB.id];
  // Offer A's supplier has 3 deliveries (lead times 11, 14, 17: σ 3 as in §5.2.4) and all are on time: OTIF 100 instead of 95, so TCO differs only in the expedite part.
  assert.equal(A.economic.breakdown.carrying, 0.007594);
  assert.equal(A.economic.breakdown.quality, 0.0011);
  assert.equal(A.environmental.kgCo2ePerUnit, 0.121956);
  assert.equal(B.environmental.kgCo2ePerUnit, 0.159449);
  assert.equal(A.pillars.environmental, 72.24);
  assert.equal(B.pillars.environmental, 51.74);
  assert.equal(A.subScores.certification, 100);
  assert.equal(A.subScores.defects, 80);
  assert.equal(A.subScores.audit, 88);
  assert.deepEqual(B.missing.includes('audit'), true);
  assert.ok(B.warnings.includes('insufficient_capacity'), 'B covers 100,000 of 120,000');
  assert.equal(B.capacityCoveragePct, 83.33);
  assert.deepEqual([first.rank, second.rank], [1, 2]);
  assert.ok(first.closeness > second.closeness);
  const items = await t.db.db.selectFrom('sourcing.assessment_items' as any).selectAll().where('assessment_id', '=', id).execute() as any[];
  assert.equal(items.length, 2);
  assert.equal(items.find((i) => i.offer_id === world.offerB.id).inputs.offer.fxRateToBase, 0.92);
  assert.equal(items[0].inputs.factorSet.year, 2025);
  const again = await t.api('POST', `${P}/assessments/${id}/score`, { token: buyer.token });
  assert.deepEqual(again.body.items, res.body.items, 're-scoring an unchanged draft gives identical results');
});

test('comparison gives twelve computed axes with nulls for missing data; trade-off gives sensitivity, Pareto front and abatement cost', async () => {
  const cmp = await t.api('GET', `${P}/assessments/${id}/comparison?offerIds=${world.offerA.id},${world.offerB.id}`, { token: buyer.token });
  assert.equal(cmp.status, 200);
  assert.equal(cmp.body.axes.length, 12);
  const B = cmp.body.offers.find((o: any) => o.offerId === world.offerB.id);
  assert.equal(B.values.audit, null);
  assert.equal(B.values.capacityCoverage, 83.33);
  const tr = await t.api('POST', `${P}/assessments/${id}/tradeoff`, { token: buyer.token, body: {} });
  assert.equal(tr.status, 200);
  assert.equal(tr.body.ranking.length, 2);
  for (const k of ['economic', 'quality', 'environmental']) assert.ok(tr.body.sensitivity[k].stableFrom <= tr.body.sensitivity[k].current);
  assert.deepEqual(tr.body.paretoFront.sort(), [world.offerA.id, world.offerB.id].sort());
  const pair = tr.body.pairs[0];
  assert.deepEqual([pair.a, pair.b], [world.offerA.id, world.offerB.id], 'read as choosing the greener, costlier A over B');
  assert.ok(pair.deltaTcoPerUnit > 0 && pair.deltaKgCo2ePerUnit < 0);
  assert.ok(Math.abs(pair.abatementCostPerTonneCo2e - pair.deltaTcoPerUnit / (-pair.deltaKgCo2ePerUnit / 1000)) < 0.5);
  const what = await t.api('POST', `${P}/assessments/${id}/tradeoff`, { token: buyer.token, body: { weights: { method: 'direct', pillars: { economic: 1, quality: 0, environmental: 0 } } } });
  assert.equal(what.body.ranking[0].offerId, world.offerB.id, 'on cost alone the import wins');
});

test('submit, self-approval forbidden, return needs a comment, approval by another manager locks the assessment', async () => {
  assert.equal((await t.api('POST', `${P}/assessments/${id}/approve`, { token: manager.token })).body.code, 'invalid_transition');
  assert.equal((await t.api('POST', `${P}/assessments/${id}/submit`, { token: buyer.token })).body.status, 'submitted');
  assert.equal((await t.api('POST', `${P}/assessments/${id}/approve`, { token: buyer.token })).status, 403);
  assert.equal((await t.api('POST', `${P}/assessments/${id}/return`, { token: manager.token, body: { comment: ' ' } })).body.code, 'comment_required');
  assert.equal((await t.api('POST', `${P}/assessments/${id}/return`, { token: manager.token, body: { comment: 'Check B freight' } })).body.status, 'scored');
  await t.api('POST', `${P}/assessments/${id}/submit`, { token: buyer.token });
  const own = (await t.api('POST', `${P}/assessments`, { token: manager.token, body: body() })).body;
  await t.api('POST', `${P}/assessments/${own.id}/score`, { token: manager.token });
  await t.api('POST', `${P}/assessments/${own.id}/submit`, { token: manager.token });
  assert.equal((await t.api('POST', `${P}/assessments/${own.id}/approve`, { token: manager.token })).body.code, 'self_approval_forbidden');
  const ok = await t.api('POST', `${P}/assessments/${id}/approve`, { token: manager2.token });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.status, 'approved');
  assert.equal(ok.body.approvedBy, manager2.id);
  assert.equal((await t.api('POST', `${P}/assessments/${id}/score`, { token: manager.token })).body.code, 'assessment_locked');
  assert.equal((await t.api('PATCH', `${P}/assessments/${id}`, { token: manager.token, body: { title: 'x', version: ok.body.version } })).body.code, 'assessment_locked');
  assert.equal((await t.api('DELETE', `${P}/assessments/${id}`, { token: manager.token })).body.code, 'assessment_not_draft');
  const listed = await t.api('GET', `${P}/suppliers?q=Ferme`, { token: buyer.token });
  assert.equal(listed.body.items[0].latestScores.assessmentId, id);
});

test('activating a factor set marks draft and scored assessments stale, not approved ones; a stale assessment cannot be submitted', async () => {
  const draft = (await t.api('POST', `${P}/assessments`, { token: buyer.token, body: body() })).body;
  await t.api('POST', `${P}/assessments/${draft.id}/score`, { token: buyer.token });
  const set = await t.api('POST', `${P}/emission-factor-sets`, { token: admin.token, body: {
    name: 'Test set', source: 'test', publicationYear: 2026, version: '1', basis: 'kg CO2e per tonne-km', factors: [{ mode: 'road', kgCo2ePerTkm: 0.1 }],
  } });
  const missing = await t.api('POST', `${P}/emission-factor-sets/${set.body.id}/activate`, { token: admin.token });
  assert.equal(missing.body.code, 'emission_factor_missing');
  assert.match(missing.body.detail, /sea_container/);
  await t.api('PUT', `${P}/emission-factor-sets/${set.body.id}/factors`, { token: admin.token, body: { factors: [{ mode: 'road', kgCo2ePerTkm: 0.1 }, { mode: 'sea_container', kgCo2ePerTkm: 0.02 }] } });
  assert.equal((await t.api('POST', `${P}/emission-factor-sets/${set.body.id}/activate`, { token: admin.token })).body.status, 'active');
  assert.equal((await t.api('PUT', `${P}/emission-factor-sets/${set.body.id}/factors`, { token: admin.token, body: { factors: [] } })).body.code, 'factor_set_locked');
  assert.equal((await t.api('GET', `${P}/assessments/${draft.id}`, { token: buyer.token })).body.stale, true);
  assert.equal((await t.api('GET', `${P}/assessments/${id}`, { token: buyer.token })).body.stale, false);
  assert.equal((await t.api('POST', `${P}/assessments/${draft.id}/submit`, { token: buyer.token })).body.code, 'assessment_stale');
  const rescored = await t.api('POST', `${P}/assessments/${draft.id}/score`, { token: buyer.token });
  assert.equal(rescored.body.assessment.factorSetId, set.body.id);
  assert.equal(rescored.body.assessment.stale, false);
});

test('an offer expired on the assessment date and a missing FX rate are excluded with a reason; none includable → 422 no_scorable_offers', async () => {
  const gbp = (await t.api('POST', `${P}/offers`, { token: buyer.token, body: { supplierId: world.b.id, siteId: world.siteB, materialId: world.soy.id, destinationId: world.plant.id, currency: 'GBP', price: 0.4, leadTimeDays: 20, capacityPerYear: 500_000, legs: [{ mode: 'rail', distanceKm: 900 }], validFrom: '2026-01-01' } })).body;
  const old = (await t.api('POST', `${P}/offers`, { token: buyer.token, body: { supplierId: world.a.id, siteId: world.siteA, materialId: world.soy.id, destinationId: world.plant.id, currency: 'EUR', price: 0.4, leadTimeDays: 20, capacityPerYear: 500_000, legs: [{ mode: 'road', distanceKm: 50 }], validFrom: '2026-01-01', validUntil: '2026-03-01' } })).body;
  const a = (await t.api('POST', `${P}/assessments`, { token: buyer.token, body: { ...body(), offerIds: [gbp.id, old.id, world.offerA.id] } })).body;
  await t.api('POST', `${P}/assessments/${a.id}/score`, { token: buyer.token });
  const all = await t.api('GET', `${P}/assessments/${a.id}/results?include=excluded`, { token: buyer.token });
  const reasons = Object.fromEntries(all.body.items.map((i: any) => [i.offerId, i.exclusionReason]));
  assert.deepEqual(reasons, { [gbp.id]: 'fx_rate_missing', [old.id]: 'offer_expired', [world.offerA.id]: null });
  assert.equal(all.body.items.find((i: any) => i.offerId === world.offerA.id).pillars.economic, 100, 'alone, it scores 100');
  const none = (await t.api('POST', `${P}/assessments`, { token: buyer.token, body: { ...body(), offerIds: [gbp.id, old.id] } })).body;
  const res = await t.api('POST', `${P}/assessments/${none.id}/score`, { token: buyer.token });
  assert.equal(res.status, 422);
  assert.equal(res.body.code, 'no_scorable_offers');
  assert.equal((await t.api('GET', `${P}/assessments/${none.id}`, { token: buyer.token })).body.status, 'draft');
});

test('export.csv has one row per offer with sub-scores and the TCO breakdown', async () => {
  const res = await t.api('GET', `${P}/assessments/${id}/export.csv`, { token: buyer.token });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/csv/);
  const lines = (res.body as string).trim().split('\n');
  assert.equal(lines.length, 3);
  assert.ok(lines[0]!.includes('sub.leadTimeStability') && lines[0]!.includes('tco.carrying'));
  assert.ok(lines.some((l) => l.includes('Ferme Laval') && l.includes('0.007594')));
});

test('submission notifies the other managers, approval notifies the creator, through the outbox', async () => {
  const rows = await t.db.db.selectFrom('platform.notification_outbox').select(['user_id', 'dedup_key']).where('dedup_key', 'like', `src:asmt:${id}:%`).execute();
  const submitted = rows.filter((r) => r.dedup_key.includes(':submitted:'));
  assert.ok(submitted.some((r) => r.user_id === manager.id) && submitted.some((r) => r.user_id === manager2.id));
  assert.ok(!submitted.some((r) => r.user_id === buyer.id));
  assert.ok(rows.some((r) => r.dedup_key.includes(':approved:') && r.user_id === buyer.id));
  assert.ok(rows.some((r) => r.dedup_key.includes(':scored:') && r.user_id === buyer.id), 'returned (back to scored) tells the creator');
});
