import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastCompleteDays, localDayStarts, localMidnight, localMinuteOfDay, localTimeText } from './local-time.js';

test('local midnight in Paris follows the DST offset (winter +1 h, summer +2 h)', () => {
  assert.equal(new Date(localMidnight('Europe/Paris', 2026, 1, 15)).toISOString(), '2026-01-14T23:00:00.000Z');
  assert.equal(new Date(localMidnight('Europe/Paris', 2026, 7, 15)).toISOString(), '2026-07-14T22:00:00.000Z');
});

test('the last 14 complete local days end at local midnight today and span a DST change', () => {
  const { from, to } = lastCompleteDays('Europe/Paris', Date.parse('2026-04-05T10:00:00Z'), 14);
  assert.equal(new Date(to).toISOString(), '2026-04-04T22:00:00.000Z');
  assert.equal(new Date(from).toISOString(), '2026-03-21T23:00:00.000Z');
  assert.equal(localDayStarts('Europe/Paris', from, to).length, 14);
});

test('local wall-clock text and minute of day', () => {
  assert.equal(localTimeText('Europe/Paris', Date.parse('2026-07-01T06:30:00Z')), '2026-07-01T08:30:00');
  assert.equal(localMinuteOfDay('America/New_York', Date.parse('2026-01-01T05:10:00Z')), 10);
});
