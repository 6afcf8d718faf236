/** Pure rules of §4.5: schedule generation across DST, dose timing, intake window, reschedule, adherence, stock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpError } from '../../../platform/http/errors.js';
import { doseTiming, localToUtc, occurrences } from './schedule.js';
import { adherence, checkIntake, checkReschedule, dailyUsage, stockOutlook } from './rules.js';

const H = 3_600_000;
const code = (fn: () => unknown) => { try { fn(); } catch (e) { return `${(e as HttpError).status} ${(e as HttpError).code}`; } return 'ok'; };

test('local wall times: a spring-forward gap moves forward by the gap, a repeated time takes its first occurrence', () => {
  assert.equal(new Date(localToUtc('Europe/Paris', '2026-03-29', '02:30')).toISOString(), '2026-03-29T01:30:00.000Z', '02:30 does not exist → 03:30 CEST');
  assert.equal(new Date(localToUtc('Europe/Paris', '2026-10-25', '02:30')).toISOString(), '2026-10-25T00:30:00.000Z', 'first 02:30 (CEST)');
  assert.equal(new Date(localToUtc('Europe/Paris', '2026-01-10', '08:00')).toISOString(), '2026-01-10T07:00:00.000Z');
  assert.equal(new Date(localToUtc('America/New_York', '2026-03-08', '02:15')).toISOString(), '2026-03-08T07:15:00.000Z', '02:15 EST gap → 03:15 EDT');
});

test('fixed times are generated 30 days ahead across a DST change, weekdays respected, past instants skipped', () => {
  const now = Date.parse('2026-03-20T12:00:00Z');
  const doses = occurrences({ type: 'fixed_times', times: ['20:00', '08:00'] }, { zone: 'Europe/Paris', startDate: '2026-03-01', endDate: null, today: '2026-03-20', notBeforeMs: now });
  assert.equal(doses.length, 30 * 2 + 1, 'today 20:00 plus 30 more days × 2');
  assert.equal(new Date(doses[0]).toISOString(), '2026-03-20T19:00:00.000Z', 'today 08:00 is past');
  const after = doses.filter((d) => d > Date.parse('2026-03-29T12:00:00Z'));
  assert.equal(new Date(after[0]).toISOString(), '2026-03-29T18:00:00.000Z', '20:00 CEST after the change');
  const weekly = occurrences({ type: 'fixed_times', times: ['09:00'], daysOfWeek: [1] }, { zone: 'UTC', startDate: '2026-03-20', endDate: '2026-04-05', today: '2026-03-20', notBeforeMs: 0 });
  assert.deepEqual(weekly.map((d) => new Date(d).toISOString().slice(0, 10)), ['2026-03-23', '2026-03-30'], 'Mondays until the end date');
  const interval = occurrences({ type: 'interval', firstDoseAt: '2026-03-19T06:00:00Z', intervalHours: 12 }, { zone: 'UTC', startDate: '2026-03-19', endDate: '2026-03-21', today: '2026-03-20', notBeforeMs: 0 });
  assert.deepEqual(interval.map((d) => new Date(d).toISOString()), ['2026-03-20T06:00:00.000Z', '2026-03-20T18:00:00.000Z', '2026-03-21T06:00:00.000Z', '2026-03-21T18:00:00.000Z']);
  assert.deepEqual(occurrences({ type: 'as_needed' }, { zone: 'UTC', startDate: '2026-03-19', endDate: null, today: '2026-03-20', notBeforeMs: 0 }), []);
});

test('dose timing: countdown, delayed after 30 min, overdue minor up to 120 min then critical', () => {
  const at = Date.parse('2026-03-20T08:00:00Z');
  assert.deepEqual(doseTiming('scheduled', at, at - 600_000), { countdownSeconds: 600, isDelayed: false, overdueLevel: 'none' });
  assert.deepEqual(doseTiming('scheduled', at, at + 30 * 60_000), { countdownSeconds: -1800, isDelayed: false, overdueLevel: 'none' });
  assert.equal(doseTiming('scheduled', at, at + 31 * 60_000).overdueLevel, 'minor');
  assert.equal(doseTiming('scheduled', at, at + 121 * 60_000).overdueLevel, 'critical');
  assert.equal(doseTiming('taken', at, at + 121 * 60_000).overdueLevel, 'none');
});

test('intake: ±2 h window needs a delay reason outside it; recorded → 409; missed only within 24 h → 422', () => {
  const at = Date.parse('2026-03-20T08:00:00Z');
  const dose = { status: 'scheduled' as const, scheduledAtMs: at };
  assert.deepEqual(checkIntake(dose, { status: 'taken', takenAt: '2026-03-20T09:59:00Z' }, at + 3 * H), { takenAtMs: at + 119 * 60_000, outOfWindow: false });
  assert.equal(code(() => checkIntake(dose, { status: 'taken', takenAt: '2026-03-20T10:01:00Z' }, at + 3 * H)), '400 delay_reason_required');
  assert.equal(checkIntake(dose, { status: 'taken', takenAt: '2026-03-20T10:01:00Z', delayReason: 'slept in' }, at + 3 * H).outOfWindow, true);
  assert.equal(code(() => checkIntake(dose, { status: 'taken', takenAt: '2026-03-20T08:06:00Z' }, at)), '400 taken_at_in_future');
  assert.equal(code(() => checkIntake({ status: 'taken', scheduledAtMs: at }, { status: 'skipped' }, at)), '409 dose_already_recorded');
  assert.equal(code(() => checkIntake({ status: 'missed', scheduledAtMs: at }, { status: 'skipped' }, at + 23 * H)), 'ok');
  assert.equal(code(() => checkIntake({ status: 'missed', scheduledAtMs: at }, { status: 'skipped' }, at + 25 * H)), '422 dose_record_too_late');
});

test('reschedule: 15/30/60 only, scheduled only, at most twice, never reaching the next dose', () => {
  const at = Date.parse('2026-03-20T08:00:00Z');
  const dose = { status: 'scheduled' as const, scheduledAtMs: at, rescheduleCount: 0 };
  assert.equal(checkReschedule(dose, 30, at + 12 * H), at + 30 * 60_000);
  assert.equal(code(() => checkReschedule(dose, 45, null)), '400 invalid_delay');
  assert.equal(code(() => checkReschedule({ ...dose, status: 'taken' }, 15, null)), '409 dose_not_scheduled');
  assert.equal(code(() => checkReschedule({ ...dose, rescheduleCount: 2 }, 15, null)), '422 reschedule_limit_reached');
  assert.equal(code(() => checkReschedule(dose, 60, at + 60 * 60_000)), '422 reschedule_overlaps_next_dose');
});

test('adherence worked examples: 14 due / 12 taken over 7 days → 85.7 %; 2 due / 1 taken over 24 h → 50.0 %', () => {
  const now = Date.parse('2026-03-20T22:30:00Z');
  const doses: { scheduledAtMs: number; status: 'taken' | 'missed' | 'skipped' | 'scheduled' | 'cancelled' }[] = [];
  for (let day = 14; day <= 20; day += 1) {
    for (const h of ['08', '20']) doses.push({ scheduledAtMs: Date.parse(`2026-03-${day}T${h}:00:00Z`), status: 'taken' });
  }
  doses.find((d) => d.scheduledAtMs === Date.parse('2026-03-16T08:00:00Z'))!.status = 'skipped';
  doses.find((d) => d.scheduledAtMs === Date.parse('2026-03-20T20:00:00Z'))!.status = 'missed';
  doses.push({ scheduledAtMs: Date.parse('2026-03-18T12:00:00Z'), status: 'cancelled' });
  doses.push({ scheduledAtMs: Date.parse('2026-03-13T20:00:00Z'), status: 'missed' }); // before the 7-day window
  doses.push({ scheduledAtMs: now - 3_600_000, status: 'scheduled' }); // within the last 2 h, not recorded: not due yet
  assert.deepEqual(adherence(doses, now, 7 * 24 * H), { due: 14, taken: 12, pct: 85.7 });
  assert.deepEqual(adherence(doses, now, 24 * H), { due: 2, taken: 1, pct: 50.0 });
  assert.equal(adherence([], now, 24 * H).pct, null);
  assert.deepEqual(adherence([{ scheduledAtMs: now - H, status: 'taken' }], now, 24 * H), { due: 1, taken: 1, pct: 100 }, 'recorded within the last 2 h counts');
});

test('stock worked examples: 45 tablets at 1 twice daily → 22.5 d ok; 19 → 9.5 d warning; 14 → 7.0 d critical', () => {
  const usage = dailyUsage({ schedule: { type: 'fixed_times', times: ['08:00', '20:00'] }, doseAmount: 1, dosesNext7Days: 14, takenLast14Days: 0 });
  assert.equal(usage, 2);
  assert.deepEqual(stockOutlook(45, usage, 10, 7, '2026-03-20'), { dailyUsage: 2, daysOfSupply: 22.5, projectedDepletionDate: '2026-04-11', status: 'ok' });
  assert.equal(stockOutlook(19, usage, 10, 7, '2026-03-20').status, 'warning');
  assert.equal(stockOutlook(19, usage, 10, 7, '2026-03-20').daysOfSupply, 9.5);
  assert.deepEqual(stockOutlook(14, usage, 10, 7, '2026-03-20').status, 'critical');
  assert.equal(stockOutlook(0, null, 10, 7, '2026-03-20').status, 'critical');
  assert.equal(stockOutlook(5, null, 10, 7, '2026-03-20').status, 'unknown');
  assert.equal(dailyUsage({ schedule: { type: 'interval', firstDoseAt: '2026-03-20T00:00:00Z', intervalHours: 8 }, doseAmount: 2, dosesNext7Days: 0, takenLast14Days: 0 }), 6);
  assert.equal(dailyUsage({ schedule: { type: 'as_needed' }, doseAmount: 1, dosesNext7Days: 0, takenLast14Days: 7 }), 0.5);
  assert.equal(dailyUsage({ schedule: { type: 'as_needed' }, doseAmount: 1, dosesNext7Days: 0, takenLast14Days: 0 }), null);
  assert.equal(dailyUsage({ schedule: { type: 'fixed_times', times: ['08:00'] }, doseAmount: 10, dosesNext7Days: 7, takenLast14Days: 0, insulinDailyTotals: [30, 34, 32] }), 32, 'insulin: recorded use on ≥ 3 days wins');
  assert.equal(stockOutlook(10, 3, 10, 7, '2026-03-20').daysOfSupply, 3.3, 'floored to one decimal');
});
