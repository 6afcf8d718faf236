/**
 * Fire-time math for schedules, with cron-parser: the library pg-boss itself evaluates cron with, so
 * the fire times the watchdog expects are the ones pg-boss produces.
 */
import { CronExpressionParser } from 'cron-parser';

export class CronError extends Error {
  constructor(readonly code: 'invalid_cron' | 'invalid_timezone', message: string) {
    super(message);
    this.name = 'CronError';
  }
}

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** An IANA zone name the runtime knows (`Europe/Paris`, `UTC`); offsets like `+01:00` are refused. */
export function assertTimezone(timezone: string): void {
  if (!ZONE_NAME.test(timezone)) throw new CronError('invalid_timezone', `"${timezone}" is not an IANA time zone name (e.g. Europe/Paris).`);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new CronError('invalid_timezone', `Unknown time zone "${timezone}".`);
  }
}

/** Five fields (minute hour day-of-month month day-of-week); pg-boss checks schedules every 30 s, so no seconds. */
export function assertCron(cron: string): void {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw new CronError('invalid_cron', `A schedule needs 5 cron fields (minute hour day month weekday); "${cron}" has ${fields.length}.`);
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: new Date(0) }).next();
  } catch (err) {
    throw new CronError('invalid_cron', `"${cron}" is not a valid cron expression: ${(err as Error).message}.`);
  }
}

const iterator = (cron: string, timezone: string, currentDate: Date) =>
  CronExpressionParser.parse(cron, { tz: timezone, currentDate });

/** The first fire time strictly after `after`. */
export function nextFire(cron: string, timezone: string, after: Date): Date {
  return iterator(cron, timezone, after).next().toDate();
}

/** The most recent fire time at or before `at`. */
export function previousFire(cron: string, timezone: string, at: Date): Date {
  return iterator(cron, timezone, new Date(at.getTime() + 1)).prev().toDate();
}

/** Fire times in `(start, end]`, oldest first; at most the `max` most recent ones. */
export function fireTimesBetween(cron: string, timezone: string, start: Date, end: Date, max = 100): Date[] {
  if (end <= start) return [];
  const it = iterator(cron, timezone, new Date(end.getTime() + 1));
  const out: Date[] = [];
  while (out.length < max) {
    const t = it.prev().toDate();
    if (t <= start) break;
    out.push(t);
  }
  return out.reverse();
}

/** The shortest gap between consecutive fire times over the next few firings, in seconds. */
export function shortestIntervalSeconds(cron: string, timezone: string, from: Date): number {
  const it = iterator(cron, timezone, from);
  let previous = it.next().toDate().getTime();
  let shortest = Infinity;
  for (let i = 0; i < 8; i++) {
    const t = it.next().toDate().getTime();
    shortest = Math.min(shortest, (t - previous) / 1000);
    previous = t;
  }
  return shortest;
}

/** UTC offset of `zone` at `instant`, in minutes. */
export function offsetMinutes(zone: string, instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60_000);
}

export interface DstTransition { at: Date; offsetBefore: number; offsetAfter: number }

/** Offset changes of `zone` in `[from, from + days)`, each located to the minute. */
export function dstTransitions(zone: string, from: Date, days = 366): DstTransition[] {
  const out: DstTransition[] = [];
  const step = 24 * 3600_000;
  let t = Math.floor(from.getTime() / 60_000) * 60_000;
  const end = t + days * step;
  let offset = offsetMinutes(zone, t);
  while (t < end) {
    const next = Math.min(t + step, end);
    const nextOffset = offsetMinutes(zone, next);
    if (nextOffset !== offset) {
      let lo = t;
      let hi = next;
      while (hi - lo > 60_000) {
        const mid = lo + Math.max(1, Math.floor((hi - lo) / 120_000)) * 60_000;
        if (offsetMinutes(zone, mid) === offset) lo = mid; else hi = mid;
      }
      out.push({ at: new Date(hi), offsetBefore: offset, offsetAfter: nextOffset });
    }
    t = next;
    offset = nextOffset;
  }
  return out;
}

export interface DstConflict {
  /** Local wall time of the fire time, `YYYY-MM-DDTHH:mm`. */
  localTime: string;
  kind: 'nonexistent' | 'ambiguous';
}

/**
 * Fire times over the next `days` that fall in a local time skipped by a spring change (it runs at
 * another hour) or repeated by an autumn change. Checked on the wall clock: the cron's matches inside
 * each transition's skipped or repeated window.
 */
export function dstConflicts(cron: string, timezone: string, from: Date, days = 366): DstConflict[] {
  const out: DstConflict[] = [];
  for (const tr of dstTransitions(timezone, from, days)) {
    const gap = tr.offsetAfter > tr.offsetBefore;
    // The window on the naive local clock (local wall time written as if it were UTC).
    const start = tr.at.getTime() + Math.min(tr.offsetBefore, tr.offsetAfter) * 60_000;
    const end = tr.at.getTime() + Math.max(tr.offsetBefore, tr.offsetAfter) * 60_000;
    const it = iterator(cron, 'UTC', new Date(start - 1000));
    for (let local = it.next().toDate(); local.getTime() < end; local = it.next().toDate()) {
      out.push({ localTime: local.toISOString().slice(0, 16), kind: gap ? 'nonexistent' : 'ambiguous' });
    }
  }
  return out;
}

export interface ScheduleTiming { cron: string; timezone: string; acceptDstShift?: boolean }

export class DstAmbiguityError extends Error {
  readonly code = 'dst_ambiguous_time';
  constructor(readonly conflicts: DstConflict[]) {
    super(`The schedule fires at local times that a daylight-saving change skips or repeats (${conflicts.slice(0, 3)
      .map((c) => `${c.localTime} ${c.kind}`).join(', ')}${conflicts.length > 3 ? ', …' : ''}); pick another hour or set acceptDstShift.`);
    this.name = 'DstAmbiguityError';
  }
}

/**
 * §6.2: a valid 5-field cron, an IANA zone, and no DST-shifted fire time in the next 366 days unless
 * accepted. Schedules firing hourly or more often are exempt: "every N minutes" has no local hour to
 * keep, and pg-boss and the watchdog read such fire times with the same library.
 */
export function validateSchedule(schedule: ScheduleTiming, now = new Date()): void {
  assertCron(schedule.cron);
  assertTimezone(schedule.timezone);
  if (schedule.acceptDstShift || shortestIntervalSeconds(schedule.cron, schedule.timezone, now) <= 3600) return;
  const conflicts = dstConflicts(schedule.cron, schedule.timezone, now);
  if (conflicts.length) throw new DstAmbiguityError(conflicts);
}
