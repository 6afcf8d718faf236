import { zoneOffsetMinutes } from '../patients/zone.js';
import type { Schedule } from './tables.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
export const GENERATE_AHEAD_DAYS = 30;

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date (YYYY-MM-DD) of an instant in an IANA zone. */
export function localDate(zone: string, atMs: number): string {
  let f = dayFormatters.get(zone);
  if (!f) { f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }); dayFormatters.set(zone, f); }
  return f.format(new Date(atMs));
}

/** Local wall time HH:mm of an instant. */
export function localClock(zone: string, atMs: number): string {
  const off = zoneOffsetMinutes(zone, atMs);
  return new Date(atMs + off * 60_000).toISOString().slice(11, 16);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** ISO weekday 1 (Monday) .. 7 (Sunday) of a calendar date. */
export function isoWeekday(date: string): number {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

/**
 * The instant of a local wall time (§4.5.1): a time that does not exist on a spring-forward day moves forward by
 * the gap (02:30 → 03:30); a time that occurs twice on a fall-back day is its first occurrence.
 */
export function localToUtc(zone: string, date: string, time: string): number {
  const [h, m] = time.split(':').map(Number);
  const wall = Date.parse(`${date}T00:00:00Z`) + h * HOUR_MS + m * 60_000;
  const before = zoneOffsetMinutes(zone, wall - 12 * HOUR_MS);
  const after = zoneOffsetMinutes(zone, wall + 12 * HOUR_MS);
  const candidates = [...new Set([before, after])]
    .map((off) => wall - off * 60_000)
    .filter((utc) => wall - zoneOffsetMinutes(zone, utc) * 60_000 === utc)
    .sort((a, b) => a - b);
  if (candidates.length) return candidates[0];
  // In the gap: the offset in force before the change puts the instant after it, shifted by the gap.
  return wall - before * 60_000;
}

export interface GenerationWindow {
  zone: string;
  startDate: string;
  endDate: string | null;
  /** The patient's local today. */
  today: string;
  /** Occurrences before this instant are not created (they are in the past when the plan is made or edited). */
  notBeforeMs: number;
  aheadDays?: number;
}

/** Dose instants of a schedule over [max(startDate, today), min(endDate, today + 30 days)] (local dates, inclusive). */
export function occurrences(schedule: Schedule, w: GenerationWindow): number[] {
  if (schedule.type === 'as_needed') return [];
  const first = w.startDate > w.today ? w.startDate : w.today;
  const horizon = addDays(w.today, w.aheadDays ?? GENERATE_AHEAD_DAYS);
  const last = w.endDate && w.endDate < horizon ? w.endDate : horizon;
  if (last < first) return [];
  const out: number[] = [];
  if (schedule.type === 'fixed_times') {
    const days = schedule.daysOfWeek?.length ? new Set(schedule.daysOfWeek) : undefined;
    const times = [...new Set(schedule.times)].sort();
    for (let d = first; d <= last; d = addDays(d, 1)) {
      if (days && !days.has(isoWeekday(d))) continue;
      for (const t of times) {
        const at = localToUtc(w.zone, d, t);
        if (at >= w.notBeforeMs) out.push(at);
      }
    }
  } else {
    const step = schedule.intervalHours * HOUR_MS;
    const startMs = localToUtc(w.zone, first, '00:00');
    const endMs = localToUtc(w.zone, addDays(last, 1), '00:00');
    let at = Date.parse(schedule.firstDoseAt);
    if (at < startMs) at += Math.ceil((startMs - at) / step) * step;
    for (; at < endMs; at += step) if (at >= w.notBeforeMs) out.push(at);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

export type OverdueLevel = 'none' | 'minor' | 'critical';

/** Derived fields of a dose (§4.5.1). */
export function doseTiming(status: string, scheduledAtMs: number, nowMs: number): { countdownSeconds: number; isDelayed: boolean; overdueLevel: OverdueLevel } {
  const late = nowMs - scheduledAtMs;
  const pending = status === 'scheduled';
  return {
    countdownSeconds: Math.round((scheduledAtMs - nowMs) / 1000),
    isDelayed: pending && late > 30 * 60_000,
    overdueLevel: !pending || late <= 30 * 60_000 ? 'none' : late <= 120 * 60_000 ? 'minor' : 'critical',
  };
}
