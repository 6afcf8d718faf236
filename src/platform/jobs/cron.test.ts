import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronError, DstAmbiguityError, dstConflicts, fireTimesBetween, previousFire, validateSchedule } from './cron.js';
import { missedFireTimes, planWatch } from './watchdog.js';

const backup = (over: Partial<Parameters<typeof planWatch>[0]> = {}) => ({
  key: 'operations.backup:cfg1', cron: '0 4 * * *', timezone: 'Europe/Paris', grace_minutes: 30,
  watermark: new Date('2025-06-03T01:45:00Z'), enabled_at: new Date('2025-01-01T00:00:00Z'), last_started_at: null, ...over,
});

test('worked example: down 03:50–04:40 CEST on 2025-06-03, the start pass at 04:40 finds the 04:00 fire time (02:00Z)', () => {
  const plan = planWatch(backup(), new Date('2025-06-03T02:40:00Z'));
  assert.equal(plan.mode, 'fire_times');
  assert.equal(plan.end.toISOString(), '2025-06-03T02:10:00.000Z');
  assert.deepEqual(plan.mode === 'fire_times' && plan.candidates.map((d) => d.toISOString()), ['2025-06-03T02:00:00.000Z']);
  assert.deepEqual(missedFireTimes(plan.mode === 'fire_times' ? plan.candidates : [], [], []).map((d) => d.toISOString()), ['2025-06-03T02:00:00.000Z']);
});

test('worked example: down for three days, the pass lists three fire times (one catch-up serves the newest)', () => {
  const plan = planWatch(backup(), new Date('2025-06-05T02:40:00Z'));
  const missed = missedFireTimes(plan.mode === 'fire_times' ? plan.candidates : [], [], []);
  assert.deepEqual(missed.map((d) => d.toISOString()), ['2025-06-03T02:00:00.000Z', '2025-06-04T02:00:00.000Z', '2025-06-05T02:00:00.000Z']);
});

test('a fire time with a run, or with a queued job created within 90 s after it, is not missed', () => {
  const t = [new Date('2025-06-03T02:00:00Z'), new Date('2025-06-04T02:00:00Z'), new Date('2025-06-05T02:00:00Z')];
  const missed = missedFireTimes(t, [t[0]], [new Date('2025-06-04T02:00:45Z'), new Date('2025-06-05T02:02:00Z')]);
  assert.deepEqual(missed, [t[2]]);
});

test('nothing before the watermark or before the schedule was enabled is looked at', () => {
  const enabledLate = planWatch(backup({ enabled_at: new Date('2025-06-04T12:00:00Z') }), new Date('2025-06-05T02:40:00Z'));
  assert.deepEqual(enabledLate.mode === 'fire_times' && enabledLate.candidates.map((d) => d.toISOString()), ['2025-06-05T02:00:00.000Z']);
  const within = planWatch(backup(), new Date('2025-06-03T02:20:00Z'));
  assert.deepEqual(within.mode === 'fire_times' && within.candidates, [], 'still inside the grace period');
});

test('a schedule firing more often than hourly is judged by staleness: no start for three intervals', () => {
  const frequent = { ...backup(), cron: '*/10 * * * *', grace_minutes: 0 };
  const now = new Date('2025-06-03T12:00:00Z');
  const stale = planWatch({ ...frequent, last_started_at: new Date('2025-06-03T11:29:00Z') }, now);
  assert.equal(stale.mode, 'staleness');
  assert.equal(stale.mode === 'staleness' && stale.staleSince?.toISOString(), '2025-06-03T11:30:00.000Z');
  const fresh = planWatch({ ...frequent, last_started_at: new Date('2025-06-03T11:31:00Z') }, now);
  assert.equal(fresh.mode === 'staleness' && fresh.staleSince, null);
});

test('fire times are read in the schedule\'s zone: 04:00 Paris is 02:00Z in summer and 03:00Z in winter', () => {
  assert.deepEqual(fireTimesBetween('0 4 * * *', 'Europe/Paris', new Date('2025-10-25T00:00:00Z'), new Date('2025-10-27T12:00:00Z')).map((d) => d.toISOString()),
    ['2025-10-25T02:00:00.000Z', '2025-10-26T03:00:00.000Z', '2025-10-27T03:00:00.000Z']);
  assert.equal(previousFire('0 4 * * *', 'Europe/Paris', new Date('2025-06-03T02:00:00Z')).toISOString(), '2025-06-03T02:00:00.000Z');
});

const from = new Date('2025-06-01T00:00:00Z');

test('a daily run at 02:30 Paris is refused: the spring change skips it and the autumn change repeats it', () => {
  assert.deepEqual(dstConflicts('30 2 * * *', 'Europe/Paris', from), [
    { localTime: '2025-10-26T02:30', kind: 'ambiguous' },
    { localTime: '2026-03-29T02:30', kind: 'nonexistent' },
  ]);
  assert.throws(() => validateSchedule({ cron: '30 2 * * *', timezone: 'Europe/Paris' }, from),
    (err: unknown) => err instanceof DstAmbiguityError && err.code === 'dst_ambiguous_time');
});

test('acceptDstShift, a zone without DST, another hour, or a frequent schedule pass the DST check', () => {
  validateSchedule({ cron: '30 2 * * *', timezone: 'Europe/Paris', acceptDstShift: true }, from);
  validateSchedule({ cron: '30 2 * * *', timezone: 'UTC' }, from);
  validateSchedule({ cron: '30 2 * * *', timezone: 'Asia/Tokyo' }, from);
  validateSchedule({ cron: '0 4 * * 1', timezone: 'Europe/Paris' }, from);
  validateSchedule({ cron: '*/15 * * * *', timezone: 'Europe/Paris' }, from);
  assert.throws(() => validateSchedule({ cron: '30 1 * * 0', timezone: 'America/New_York' }, from), DstAmbiguityError, 'New York repeats 01:00–01:59 on 2 November 2025');
});

test('a cron without exactly five valid fields, or an unknown zone, is refused with its own code', () => {
  for (const cron of ['* * * *', '0 0 * * * *', '61 * * * *', 'every day', '0 0 31 2 *']) {
    assert.throws(() => validateSchedule({ cron, timezone: 'UTC' }), (err: unknown) => err instanceof CronError && err.code === 'invalid_cron', cron);
  }
  for (const timezone of ['Mars/Olympus_Mons', '+01:00', 'Europe/Paris; drop']) {
    assert.throws(() => validateSchedule({ cron: '0 4 * * *', timezone }), (err: unknown) => err instanceof CronError && err.code === 'invalid_timezone', timezone);
  }
});
