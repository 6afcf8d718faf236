import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp, type TestUser } from '../../../../../test/helpers/app.js';
import { P, makeOrganization, officeOnly } from '../testing.js';
import { StreamClient } from '../../../../platform/realtime/testing/stream-client.js';

let t: TestApp;
let staff: TestUser; let staff2: TestUser; let manager: TestUser; let admin: TestUser; let outsider: TestUser; let patient: TestUser;
let org: Awaited<ReturnType<typeof makeOrganization>>;
let other: Awaited<ReturnType<typeof makeOrganization>>;

before(async () => {
  t = await startTestApp({ modules: [officeOnly] });
  [staff, staff2, manager, admin, outsider, patient] = await Promise.all([
    t.createUser(['staff']), t.createUser(['staff']), t.createUser(['manager']), t.createUser(['admin']), t.createUser(['staff']), t.createUser(['patient']),
  ]);
  org = await makeOrganization(t, [staff, staff2, manager], { code: 'LAB', pattern: '{ORG}-{YY}{MM}-{SEQ:3}' });
  other = await makeOrganization(t, [outsider], { code: 'OTH' });
});
after(() => t.close());

const draft = async (user: TestUser, extra: Record<string, unknown> = {}) => {
  const res = await t.api('POST', `${P}/quotes`, { token: user.token, body: { organizationId: org.id, clientId: org.clientId, title: 'Analyses lot 12', amount: '100.00', ...extra } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
};
const move = (user: TestUser, q: { id: string; version: number }, to: string, reason?: string) =>
  t.api('POST', `${P}/quotes/${q.id}/transitions`, { token: user.token, body: { to, version: q.version, ...(reason ? { reason } : {}) } });

test('lines compute the amount; a different amount is 422 amount_mismatch; defaults come from the template', async () => {
  const q = await draft(staff, { amount: undefined, startDate: '2025-06-02', lines: [{ description: 'Analyse', quantity: '5', unitPrice: '250.00' }, { description: 'Frais', quantity: '0.333', unitPrice: '0.15' }] });
  assert.equal(q.amount, '1250.05');
  assert.equal(q.currency, 'EUR');
  assert.equal(q.dueDate, '2025-07-02'); // startDate + defaultPaymentTermDays (30)
  assert.equal(q.responsibleUserId, staff.id);
  assert.equal(q.status, 'draft');
  assert.equal(q.number, null);
  assert.deepEqual(q.lines.map((l: any) => l.total), ['1250.00', '0.05']);
  const mismatch = await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: org.id, clientId: org.clientId, title: 'x', amount: '10.00', lines: [{ description: 'a', quantity: '1', unitPrice: '9.99' }] } });
  assert.equal(mismatch.status, 422);
  assert.equal(mismatch.body.code, 'amount_mismatch');
  const scale = await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: org.id, clientId: org.clientId, title: 'x', amount: '10.001' } });
  assert.equal(scale.body.code, 'amount_scale');
  const currency = await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: org.id, clientId: org.clientId, title: 'x', amount: '1', currency: 'XYZ' } });
  assert.equal(currency.body.code, 'currency_unsupported');
  const dates = await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: org.id, clientId: org.clientId, title: 'x', amount: '1', startDate: '2025-06-02', dueDate: '2025-06-01' } });
  assert.equal(dates.body.code, 'due_before_start');
  const noAmount = await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: org.id, clientId: org.clientId, title: 'x' } });
  assert.equal(noAmount.status, 400);
  assert.equal(noAmount.body.errors[0].path, 'body.amount');
});

test('references must belong to the organisation: client, project and responsible person', async () => {
  const foreignClient = await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: org.id, clientId: other.clientId, title: 'x', amount: '1' } });
  assert.equal(foreignClient.status, 422);
  assert.equal(foreignClient.body.code, 'client_not_in_organization');
  const notMember = await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: org.id, clientId: org.clientId, title: 'x', amount: '1', responsibleUserId: outsider.id } });
  assert.equal(notMember.body.code, 'responsible_not_member');
  const otherOrg = await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: other.id, clientId: other.clientId, title: 'x', amount: '1' } });
  assert.equal(otherOrg.status, 404);
});

test('a retried create with the same Idempotency-Key answers the first quote; another body with it is refused', async () => {
  const body = { organizationId: org.id, clientId: org.clientId, title: 'Idempotent', amount: '42.00' };
  const headers = { 'idempotency-key': 'quote-create-1' };
  const first = await t.api('POST', `${P}/quotes`, { token: staff.token, body, headers });
  const second = await t.api('POST', `${P}/quotes`, { token: staff.token, body, headers });
  assert.equal(first.status, 201);
  assert.equal(second.status, 201);
  assert.equal(second.body.id, first.body.id);
  const count = await t.db.db.selectFrom('operations.quote').select((eb) => eb.fn.countAll<number>().as('n')).where('title', '=', 'Idempotent').executeTakeFirstOrThrow();
  assert.equal(Number(count.n), 1);
  const reused = await t.api('POST', `${P}/quotes`, { token: staff.token, body: { ...body, amount: '43.00' }, headers });
  assert.equal(reused.body.code, 'idempotency_key_reused');
});

test('the state machine: issue assigns the number; refused moves answer 409 invalid_transition; cancel needs a reason', async () => {
  const q = await draft(staff, { startDate: '2025-06-02' });
  const paid = await move(staff, q, 'paid');
  assert.equal(paid.status, 409);
  assert.equal(paid.body.code, 'invalid_transition');
  assert.match(paid.body.detail, /draft quote cannot become paid/);
  const issued = await move(staff, q, 'issued');
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  assert.match(issued.body.number, /^LAB-\d{4}-\d{3}$/);
  assert.ok(issued.body.issuedAt);
  assert.ok(issued.body.templateVersionId);
  const stale = await move(staff, q, 'accepted');
  assert.equal(stale.status, 409);
  assert.equal(stale.body.code, 'version_conflict');
  assert.equal(stale.body.version, issued.body.version);
  const frozen = await t.api('PATCH', `${P}/quotes/${q.id}`, { token: staff.token, body: { version: issued.body.version, amount: '1.00' } });
  assert.equal(frozen.status, 409);
  assert.equal(frozen.body.code, 'quote_not_editable');
  const dates = await t.api('PATCH', `${P}/quotes/${q.id}`, { token: staff.token, body: { version: issued.body.version, dueDate: '2025-08-01', notes: 'relance' } });
  assert.equal(dates.status, 200);
  assert.equal(dates.body.dueDate, '2025-08-01');
  const noReason = await move(staff, dates.body, 'cancelled');
  assert.equal(noReason.status, 422);
  assert.equal(noReason.body.code, 'cancel_reason_required');
  const notResponsible = await move(staff2, dates.body, 'cancelled', 'client left');
  assert.equal(notResponsible.status, 403);
  const accepted = await move(staff, dates.body, 'accepted');
  const done = await move(staff, accepted.body, 'paid');
  assert.equal(done.body.status, 'paid');
  assert.equal((await move(manager, done.body, 'cancelled', 'late')).body.code, 'invalid_transition');
  const del = await t.api('DELETE', `${P}/quotes/${q.id}`, { token: staff.token });
  assert.equal(del.status, 409);
  const d2 = await draft(staff);
  const cancelled = await move(manager, d2, 'cancelled', 'duplicate');
  assert.equal(cancelled.body.status, 'cancelled');
  assert.equal(cancelled.body.cancelReason, 'duplicate');
  const d3 = await draft(staff);
  assert.equal((await t.api('DELETE', `${P}/quotes/${d3.id}`, { token: staff2.token })).status, 403);
  assert.equal((await t.api('DELETE', `${P}/quotes/${d3.id}`, { token: staff.token })).status, 204);
  assert.equal((await t.api('GET', `${P}/quotes/${d3.id}`, { token: staff.token })).status, 404);
  const audit = await t.db.db.selectFrom('platform.audit_events').select('action').where('entity_id', '=', q.id).orderBy('id').execute();
  assert.deepEqual(audit.map((a) => a.action), ['operations.quote.created', 'operations.quote.issued', 'operations.quote.updated', 'operations.quote.accepted', 'operations.quote.paid']);
});

test('numbering under concurrency: 12 simultaneous issues take 12 consecutive numbers, no gap, no duplicate', async () => {
  const n = await makeOrganization(t, [staff], { code: 'CONC', pattern: 'C-{SEQ:4}' });
  const drafts = [];
  for (let i = 0; i < 12; i++) {
    const res = await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: n.id, clientId: n.clientId, title: `q${i}`, amount: '1' } });
    drafts.push(res.body);
  }
  const results = await Promise.all(drafts.map((q) => move(staff, q, 'issued')));
  assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.map((r) => r.body.code)));
  const numbers = results.map((r) => r.body.number).sort();
  assert.deepEqual(numbers, Array.from({ length: 12 }, (_, i) => `C-${String(i + 1).padStart(4, '0')}`));
});

test('a rolled-back issue consumes no number; a manual number that collides is 409 quote_number_taken', async () => {
  const n = await makeOrganization(t, [staff], { code: 'RB', pattern: 'R-{SEQ:3}' });
  const manual = await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: n.id, clientId: n.clientId, title: 'manual', amount: '1', number: 'R-001' } });
  assert.equal(manual.status, 201);
  const dup = await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: n.id, clientId: n.clientId, title: 'dup', amount: '1', number: 'R-001' } });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.code, 'quote_number_taken');
  const q = (await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: n.id, clientId: n.clientId, title: 'auto', amount: '1' } })).body;
  const clash = await move(staff, q, 'issued'); // would take R-001, which the manual quote holds: the transaction rolls back
  assert.equal(clash.status, 409);
  assert.equal(clash.body.code, 'quote_number_taken');
  const counter = await t.db.db.selectFrom('operations.quote_counter').selectAll().where('organization_id', '=', n.id).execute();
  assert.deepEqual(counter, []);
  assert.equal((await t.api('GET', `${P}/quotes/${q.id}`, { token: staff.token })).body.status, 'draft');
});

test('access per route and role: other organisations answer 404, other roles 403, no token 401; admins see all', async () => {
  const q = await draft(staff);
  const foreign = (await t.api('POST', `${P}/quotes`, { token: outsider.token, body: { organizationId: other.id, clientId: other.clientId, title: 'theirs', amount: '5' } })).body;
  const routes: [string, string, unknown?][] = [
    ['GET', `/quotes/${foreign.id}`], ['PATCH', `/quotes/${foreign.id}`, { version: 1, title: 'x' }], ['DELETE', `/quotes/${foreign.id}`],
    ['POST', `/quotes/${foreign.id}/transitions`, { to: 'issued', version: 1 }], ['GET', `/quotes/${foreign.id}/pdf`],
    ['GET', `/quotes?organizationId=${other.id}`], ['GET', `/clients/${other.clientId}`], ['GET', `/organizations/${other.id}`],
  ];
  for (const [method, path, body] of routes) {
    const res = await t.api(method, `${P}${path}`, { token: staff.token, body });
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.equal(res.body.code, 'not_found');
    assert.equal((await t.api(method, `${P}${path}`, { token: patient.token, body })).status, 403, `${method} ${path} patient`);
    assert.equal((await t.api(method, `${P}${path}`, { body })).status, 401, `${method} ${path} anonymous`);
  }
  const mine = await t.api('GET', `${P}/quotes?limit=200`, { token: staff.token });
  assert.ok(mine.body.items.some((i: any) => i.id === q.id));
  assert.ok(!mine.body.items.some((i: any) => i.id === foreign.id));
  const all = await t.api('GET', `${P}/quotes?limit=200`, { token: admin.token });
  assert.ok(all.body.items.some((i: any) => i.id === foreign.id));
  assert.equal((await t.api('GET', `${P}/quotes/${foreign.id}`, { token: admin.token })).status, 200);
});

test('the list filters, sorts and pages with a cursor', async () => {
  const f = await makeOrganization(t, [staff], { code: 'LST' });
  for (let i = 0; i < 5; i++) {
    await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: f.id, clientId: f.clientId, title: `Liste ${i}`, amount: `${10 * (i + 1)}.00`, dueDate: `2025-0${i + 1}-15` } });
  }
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res: any = await t.api('GET', `${P}/quotes?organizationId=${f.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: staff.token });
    seen.push(...res.body.items.map((i: any) => i.title));
    cursor = res.body.nextCursor;
  } while (cursor);
  assert.deepEqual(seen, ['Liste 4', 'Liste 3', 'Liste 2', 'Liste 1', 'Liste 0']);
  const byDue = await t.api('GET', `${P}/quotes?organizationId=${f.id}&sort=dueDate&dueFrom=2025-02-01&dueTo=2025-04-30`, { token: staff.token });
  assert.deepEqual(byDue.body.items.map((i: any) => i.dueDate), ['2025-02-15', '2025-03-15', '2025-04-15']);
  const byAmount = await t.api('GET', `${P}/quotes?organizationId=${f.id}&sort=amount&limit=2`, { token: staff.token });
  assert.deepEqual(byAmount.body.items.map((i: any) => i.amount), ['50.00', '40.00']);
  const next = await t.api('GET', `${P}/quotes?organizationId=${f.id}&sort=amount&limit=2&cursor=${byAmount.body.nextCursor}`, { token: staff.token });
  assert.deepEqual(next.body.items.map((i: any) => i.amount), ['30.00', '20.00']);
  const search = await t.api('GET', `${P}/quotes?organizationId=${f.id}&q=liste%203&status=draft`, { token: staff.token });
  assert.deepEqual(search.body.items.map((i: any) => i.title), ['Liste 3']);
  assert.equal((await t.api('GET', `${P}/quotes?cursor=garbage`, { token: staff.token })).body.code, 'invalid_cursor');
});

test('list items carry the latest delivery state per notification kind (badges)', async () => {
  const q = await draft(staff, { startDate: '2025-06-02', dueDate: '2025-06-20' });
  const issued = (await move(staff, q, 'issued')).body;
  await t.db.db.insertInto('operations.quote_notification' as never).values({
    quote_id: issued.id, organization_id: org.id, kind: 'period_started', event_date: '2025-06-02', resend_no: 0,
    dedup_key: `operations:quote:${issued.id}:period_started:2025-06-02`, status: 'delivered', late_by_days: 0, delivered_at: new Date(),
  } as never).execute();
  const list = await t.api('GET', `${P}/quotes?organizationId=${org.id}&q=${encodeURIComponent(issued.number)}`, { token: staff.token });
  assert.deepEqual(list.body.items[0].notifications, [{ kind: 'period_started', eventDate: '2025-06-02', status: 'delivered' }]);
});

test('members follow their organisation\'s quotes live; another organisation\'s topic is refused', async () => {
  const mine = await StreamClient.open(t.url, { token: staff.token });
  try {
    assert.equal((await mine.subscribe(`operations.quotes:${org.id}`)).type, 'subscribed');
    assert.equal((await mine.subscribe(`operations.quotes:${other.id}`)).type, 'error');
    const q = await draft(staff);
    const created = await mine.next((f) => f.type === 'event' && f.event === 'quote.created');
    assert.deepEqual(created.data, { quoteId: q.id, status: 'draft', version: 1 });
    await move(staff, q, 'issued');
    const moved = await mine.next((f) => f.type === 'event' && f.event === 'quote.transitioned');
    assert.equal(moved.data.status, 'issued');
  } finally { mine.close(); }
});
