import { badRequest, conflict } from '../../../platform/http/errors.js';
import { refuse } from '../access/problems.js';
import type { DoseStatus, Schedule, StockStatus } from './tables.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
export const INTAKE_WINDOW_MS = 2 * HOUR;
export const LATE_RECORDING_MS = 24 * HOUR;
export const MISSED_AFTER_MS = 2 * HOUR;
export const RESCHEDULE_DELAYS = [15, 30, 60] as const;
export const MAX_RESCHEDULES = 2;

export interface DoseState { status: DoseStatus; scheduledAtMs: number }

export interface IntakeInput { status: 'taken' | 'skipped'; takenAt?: string; delayReason?: string; skipReason?: string; notes?: string }

/** §4.5.2: whether an intake may be recorded, and with which time and window flag. */
export function checkIntake(dose: DoseState, input: IntakeInput, nowMs: number): { takenAtMs: number | null; outOfWindow: boolean } {
  if (dose.status === 'taken' || dose.status === 'skipped') throw conflict('dose_already_recorded', 'This dose is already recorded; undo it first to change it.');
  if (dose.status === 'cancelled') throw conflict('dose_cancelled', 'This dose was cancelled with its plan.');
  if (dose.status === 'missed' && nowMs > dose.scheduledAtMs + LATE_RECORDING_MS) {
    throw refuse('dose_record_too_late', 'A missed dose can be recorded up to 24 hours after its scheduled time.');
  }
  if (input.status === 'skipped') return { takenAtMs: null, outOfWindow: false };
  const takenAtMs = input.takenAt ? Date.parse(input.takenAt) : nowMs;
  if (takenAtMs > nowMs + 5 * MIN) {
    throw badRequest('taken_at_in_future', 'takenAt cannot be more than 5 minutes ahead.', [{ path: 'body.takenAt', message: 'must not be more than 5 minutes in the future' }]);
  }
  const outOfWindow = Math.abs(takenAtMs - dose.scheduledAtMs) > INTAKE_WINDOW_MS;
  if (outOfWindow && !input.delayReason?.trim()) {
    throw badRequest('delay_reason_required', 'The intake is more than 2 hours from the scheduled time: say why (delayReason).',
      [{ path: 'body.delayReason', message: 'is required when the intake is more than 2 hours from the scheduled time' }]);
  }
  return { takenAtMs, outOfWindow };
}

/** §4.5.2 reschedule: 15/30/60 min, only a scheduled dose, at most twice, never at or past the plan's next dose. */
export function checkReschedule(dose: DoseState & { rescheduleCount: number }, delayMinutes: number, nextDoseAtMs: number | null): number {
  if (!(RESCHEDULE_DELAYS as readonly number[]).includes(delayMinutes)) {
    throw badRequest('invalid_delay', 'delayMinutes must be 15, 30 or 60.', [{ path: 'body.delayMinutes', message: 'must be 15, 30 or 60' }]);
  }
  if (dose.status !== 'scheduled') throw conflict('dose_not_scheduled', 'Only a dose that is still scheduled can be moved.');
  if (dose.rescheduleCount >= MAX_RESCHEDULES) throw refuse('reschedule_limit_reached', 'A dose can be moved at most twice.');
  const at = dose.scheduledAtMs + delayMinutes * MIN;
  if (nextDoseAtMs !== null && at >= nextDoseAtMs) {
    throw refuse('reschedule_overlaps_next_dose', 'The new time would reach the next dose of this plan.', { nextDoseAt: new Date(nextDoseAtMs).toISOString() });
  }
  return at;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * §4.5.3 adherence over a window ending now: due = scheduled in [now − W, now − 2 h] and not cancelled, plus those
 * in (now − 2 h, now] already taken or skipped; taken ÷ due, one decimal; null without due doses.
 */
export function adherence(doses: { scheduledAtMs: number; status: DoseStatus }[], nowMs: number, windowMs: number): { due: number; taken: number; pct: number | null } {
  let due = 0; let taken = 0;
  for (const d of doses) {
    const settledWindow = d.scheduledAtMs >= nowMs - windowMs && d.scheduledAtMs <= nowMs - MISSED_AFTER_MS && d.status !== 'cancelled';
    const earlyRecorded = d.scheduledAtMs > nowMs - MISSED_AFTER_MS && d.scheduledAtMs <= nowMs && (d.status === 'taken' || d.status === 'skipped');
    if (!settledWindow && !earlyRecorded) continue;
    due += 1;
    if (d.status === 'taken') taken += 1;
  }
  return { due, taken, pct: due === 0 ? null : round1((100 * taken) / due) };
}

export interface UsageInput {
  schedule: Schedule;
  doseAmount: number;
  /** fixed_times: number of doses in the next 7 days. */
  dosesNext7Days: number;
  /** as_needed: total amount taken over the last 14 days, and whether any was taken. */
  takenLast14Days: number;
  /** insulin plans: units per day of recorded insulin doses of the plan's kind over the last 7 days (only days with doses). */
  insulinDailyTotals?: number[];
}

/** §4.5.4 daily usage in the plan's unit, null when it cannot be known. */
export function dailyUsage(u: UsageInput): number | null {
  if (u.insulinDailyTotals && u.insulinDailyTotals.length >= 3) return u.insulinDailyTotals.reduce((a, b) => a + b, 0) / u.insulinDailyTotals.length;
  if (u.schedule.type === 'fixed_times') return (u.doseAmount * u.dosesNext7Days) / 7;
  if (u.schedule.type === 'interval') return (u.doseAmount * 24) / u.schedule.intervalHours;
  return u.takenLast14Days > 0 ? u.takenLast14Days / 14 : null;
}

/** §4.5.4 days of supply (floored to one decimal), projected depletion and status. */
export function stockOutlook(unitsRemaining: number, usage: number | null, warningDays: number, criticalDays: number, today: string):
  { dailyUsage: number | null; daysOfSupply: number | null; projectedDepletionDate: string | null; status: StockStatus } {
  if (usage === null || usage <= 0) return { dailyUsage: usage, daysOfSupply: null, projectedDepletionDate: null, status: unitsRemaining === 0 ? 'critical' : 'unknown' };
  const days = Math.floor((unitsRemaining / usage) * 10 + 1e-9) / 10;
  const depletion = new Date(Date.parse(`${today}T00:00:00Z`) + Math.floor(days) * 86_400_000).toISOString().slice(0, 10);
  const status: StockStatus = unitsRemaining === 0 || days <= criticalDays ? 'critical' : days <= warningDays ? 'warning' : 'ok';
  return { dailyUsage: Math.round(usage * 1000) / 1000, daysOfSupply: days, projectedDepletionDate: depletion, status };
}
