import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucket, isoWeek, selectRetention, type RetentionCandidate } from './gfs.js';

// The worked example of spec operations.md §5.3.
const example: RetentionCandidate[] = [
  ['b8', '2025-06-04T13:00Z'], ['b7', '2025-06-04T02:00Z'], ['b6', '2025-06-03T02:00Z'], ['b5', '2025-06-02T02:00Z'],
  ['b4', '2025-05-31T23:30Z'], ['b3', '2025-05-31T02:00Z'], ['b2', '2025-05-28T02:00Z'], ['b1', '2025-04-30T02:00Z'],
].map(([id, t]) => ({ id, takenAt: new Date(t) }));
const policy = { keepDaily: 3, keepWeekly: 2, keepMonthly: 2, keepYearly: 0, timezone: 'Europe/Paris' };

test('GFS worked example keeps {b8, b6, b5, b4, b3} and deletes {b7, b2, b1}', () => {
  const plan = selectRetention(example, policy);
  assert.deepEqual(plan.keep.map((k) => k.backupId).sort(), ['b3', 'b4', 'b5', 'b6', 'b8']);
  assert.deepEqual(plan.delete.sort(), ['b1', 'b2', 'b7']);
  const reasons = Object.fromEntries(plan.keep.map((k) => [k.backupId, k.reasons]));
  assert.deepEqual(reasons.b8, ['daily', 'weekly', 'monthly', 'newest']);
  assert.deepEqual(reasons.b4, ['weekly']);
  assert.deepEqual(reasons.b3, ['monthly']);
});

test('bucketing in UTC instead of Paris puts b4 in May and wrongly deletes b3', () => {
  assert.equal(bucket('monthly', example[4].takenAt, 'Europe/Paris'), '2025-06');
  assert.equal(bucket('monthly', example[4].takenAt, 'UTC'), '2025-05');
  const plan = selectRetention(example, { ...policy, timezone: 'UTC' });
  assert.ok(plan.delete.includes('b3'));
  assert.notDeepEqual(plan.delete.sort(), ['b1', 'b2', 'b7']);
});

test('pinned and the newest verified backup are always kept', () => {
  const withExtras = example.map((b) => ({ ...b, pinned: b.id === 'b1', restoreVerifyStatus: b.id === 'b2' ? 'passed' as const : 'never' as const }));
  const plan = selectRetention(withExtras, policy);
  assert.deepEqual(plan.delete, ['b7']);
  assert.deepEqual(plan.keep.find((k) => k.backupId === 'b1')!.reasons, ['pinned']);
  assert.deepEqual(plan.keep.find((k) => k.backupId === 'b2')!.reasons, ['newest_verified']);
});

test('counts are of buckets with backups: when backups stop, nothing more is deleted', () => {
  const old = [{ id: 'x1', takenAt: new Date('2020-01-01T03:00Z') }, { id: 'x2', takenAt: new Date('2020-01-02T03:00Z') }];
  assert.deepEqual(selectRetention(old, { ...policy, keepDaily: 2, keepWeekly: 0, keepMonthly: 0 }).delete, []);
});

test('ISO weeks start on Monday and belong to the year of their Thursday', () => {
  assert.equal(isoWeek(2025, 6, 1), '2025-W22');
  assert.equal(isoWeek(2025, 6, 2), '2025-W23');
  assert.equal(isoWeek(2024, 12, 30), '2025-W01');
  assert.equal(isoWeek(2021, 1, 3), '2020-W53');
});
