import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quietHoursEnd } from './quiet-hours.js';

const paris = (start: string, end: string) => ({ start, end, timeZone: 'Europe/Paris' });

test('a time inside a window that spans midnight ends at the next morning, local time', () => {
  // 23:30 in Paris (winter, UTC+1) is 22:30Z; the window ends at 07:00 Paris = 06:00Z the next day.
  assert.equal(quietHoursEnd(new Date('2025-01-15T22:30:00Z'), paris('22:00', '07:00'))?.toISOString(), '2025-01-16T06:00:00.000Z');
  // 03:00 Paris: ends the same day.
  assert.equal(quietHoursEnd(new Date('2025-01-16T02:00:00Z'), paris('22:00', '07:00'))?.toISOString(), '2025-01-16T06:00:00.000Z');
});

test('outside the window there is nothing to wait for', () => {
  assert.equal(quietHoursEnd(new Date('2025-01-16T06:00:00Z'), paris('22:00', '07:00')), null);
  assert.equal(quietHoursEnd(new Date('2025-01-16T12:00:00Z'), paris('22:00', '07:00')), null);
  assert.equal(quietHoursEnd(new Date('2025-01-16T12:00:00Z'), paris('08:00', '08:00')), null);
});

test('a window within one day uses the zone of the profile and its summer offset', () => {
  // 13:30 in New York in July (UTC-4) is 17:30Z; a 13:00–14:00 window ends at 18:00Z.
  const end = quietHoursEnd(new Date('2025-07-01T17:30:00Z'), { start: '13:00:00', end: '14:00:00', timeZone: 'America/New_York' });
  assert.equal(end?.toISOString(), '2025-07-01T18:00:00.000Z');
});

test('the end is computed with the offset in force after a DST change during the night', () => {
  // Night of 29–30 March 2025 in Paris: clocks go from UTC+1 to UTC+2 at 02:00. 07:00 local = 05:00Z.
  assert.equal(quietHoursEnd(new Date('2025-03-29T22:00:00Z'), paris('22:00', '07:00'))?.toISOString(), '2025-03-30T05:00:00.000Z');
});
