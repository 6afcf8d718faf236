import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daysBetween, dueEvents, localDate, type DueEvent, type RuleSettings } from './catch-up.js';

const settings: RuleSettings = { notifyStatuses: ['issued', 'accepted'], enabledFrom: '2025-01-01', channels: ['webhook', 'email'] };
const Q = { id: 'q1', status: 'issued', startDate: '2025-06-02', dueDate: '2025-06-04' };
const PARIS = 'Europe/Paris';

/** Runs the rule on the given 08:00 Paris run days, keeping what was sent like the unique dedup key does. */
function simulate(runDays: string[], quote = Q, rule = settings) {
  const sent = new Set<string>();
  const perRun: DueEvent[][] = [];
  for (const day of runDays) {
    const today = localDate(new Date(`${day}T06:00:00Z`), PARIS);
    const inserted = dueEvents(quote, rule, today).filter((e) => !sent.has(e.dedupKey));
    inserted.forEach((e) => sent.add(e.dedupKey));
    perRun.push(inserted);
  }
  return perRun;
}

test('worked example: one run a day sends the start on 06-02 and the deadline on 06-04, each on time', () => {
  const [d2, d3, d4, d5] = simulate(['2025-06-02', '2025-06-03', '2025-06-04', '2025-06-05']);
  assert.deepEqual(d2.map((e) => [e.kind, e.lateByDays]), [['period_started', 0]]);
  assert.deepEqual(d3, []);
  assert.deepEqual(d4.map((e) => [e.kind, e.lateByDays]), [['deadline_reached', 0]]);
  assert.deepEqual(d5, [], 're-running sends nothing new');
});

test('platform down on 06-03: the 06-04 run still sends the deadline, nothing is lost', () => {
  const [d2, d4] = simulate(['2025-06-02', '2025-06-04']);
  assert.equal(d2.length, 1);
  assert.deepEqual(d4.map((e) => e.kind), ['deadline_reached']);
});

test('platform down 06-02 and 06-03: the first run on 06-04 sends both, the start two days late, start first', () => {
  const [d4, again] = simulate(['2025-06-04', '2025-06-04']);
  assert.deepEqual(d4.map((e) => [e.kind, e.eventDate, e.lateByDays]), [
    ['period_started', '2025-06-02', 2], ['deadline_reached', '2025-06-04', 0]]);
  assert.deepEqual(again, [], 'the same run repeated sends nothing');
});

test('one outbox message per enabled channel, keyed by event and channel', () => {
  const [e] = dueEvents(Q, settings, '2025-06-02');
  assert.equal(e!.dedupKey, 'operations:quote:q1:period_started:2025-06-02');
  assert.deepEqual(e!.messages, [
    { channel: 'webhook', dedupKey: 'operations:quote:q1:period_started:2025-06-02:webhook' },
    { channel: 'email', dedupKey: 'operations:quote:q1:period_started:2025-06-02:email' }]);
  assert.deepEqual(dueEvents(Q, { ...settings, channels: ['email'] }, '2025-06-02')[0]!.messages.map((m) => m.channel), ['email']);
});

test('a paid, draft or cancelled quote gets nothing; a future date is not due', () => {
  for (const status of ['paid', 'draft', 'cancelled', 'rejected']) assert.deepEqual(dueEvents({ ...Q, status }, settings, '2025-06-10'), []);
  assert.deepEqual(dueEvents(Q, settings, '2025-06-01'), []);
  assert.deepEqual(dueEvents({ ...Q, startDate: null, dueDate: null }, settings, '2025-06-10'), []);
});

test('events dated before the enable date are recorded as skipped and send nothing', () => {
  const events = dueEvents(Q, { ...settings, enabledFrom: '2025-06-03' }, '2025-06-04');
  assert.deepEqual(events.map((e) => [e.kind, e.status, e.skipReason, e.messages.length]), [
    ['period_started', 'skipped', 'before_enable_date', 0], ['deadline_reached', 'queued', null, 2]]);
});

test('a changed date is a new event with a new key; changing it back reuses the old key (sent once)', () => {
  const sent = new Set(dueEvents(Q, settings, '2025-06-04').map((e) => e.dedupKey));
  const moved = dueEvents({ ...Q, dueDate: '2025-06-05' }, settings, '2025-06-06').filter((e) => !sent.has(e.dedupKey));
  assert.deepEqual(moved.map((e) => [e.kind, e.eventDate, e.lateByDays]), [['deadline_reached', '2025-06-05', 1]]);
  moved.forEach((e) => sent.add(e.dedupKey));
  assert.deepEqual(dueEvents(Q, settings, '2025-06-06').filter((e) => !sent.has(e.dedupKey)), []);
});

test('today is the organisation date: 23:30 UTC on 06-01 is already 06-02 in Paris (CEST), still 06-01 in UTC', () => {
  const at = new Date('2025-06-01T23:30:00Z');
  assert.equal(localDate(at, PARIS), '2025-06-02');
  assert.equal(localDate(at, 'UTC'), '2025-06-01');
  assert.equal(dueEvents(Q, settings, localDate(at, PARIS)).length, 1);
  assert.equal(dueEvents(Q, settings, localDate(at, 'UTC')).length, 0);
  // In winter (CET, UTC+1) the boundary is 23:00 UTC.
  assert.equal(localDate(new Date('2025-01-14T22:59:00Z'), PARIS), '2025-01-14');
  assert.equal(localDate(new Date('2025-01-14T23:00:00Z'), PARIS), '2025-01-15');
});

test('days late are whole calendar days across daylight-saving changes (23 h and 25 h days)', () => {
  assert.equal(daysBetween('2025-03-29', '2025-03-31'), 2); // spring forward on 03-30
  assert.equal(daysBetween('2025-10-25', '2025-10-27'), 2); // fall back on 10-26
  const q = { ...Q, startDate: '2025-03-30', dueDate: '2025-10-26' };
  assert.equal(localDate(new Date('2025-03-30T06:00:00Z'), PARIS), '2025-03-30');
  assert.deepEqual(dueEvents(q, settings, '2025-03-31').map((e) => e.lateByDays), [1]);
  assert.deepEqual(dueEvents(q, settings, '2025-10-26').map((e) => e.lateByDays), [210, 0]);
});

test('a quote missed for N days is caught up with lateByDays = N', () => {
  for (const n of [1, 7, 40]) {
    const today = new Date(Date.parse('2025-06-02T00:00:00Z') + n * 86_400_000).toISOString().slice(0, 10);
    assert.equal(dueEvents({ ...Q, dueDate: null }, settings, today)[0]!.lateByDays, n);
  }
});
