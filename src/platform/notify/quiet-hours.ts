export interface QuietHours {
  /** `HH:MM` or `HH:MM:SS`, local time in `timeZone`. */
  start: string;
  end: string;
  timeZone: string;
}

const minutesOf = (time: string) => {
  const [h, m] = time.split(':').map(Number);
  return h * 60 + m;
};

interface LocalParts { year: number; month: number; day: number; hour: number; minute: number; second: number }

function localParts(at: Date, timeZone: string): LocalParts {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** Milliseconds the zone's wall clock is ahead of UTC at that instant. */
function zoneOffset(at: number, timeZone: string): number {
  const p = localParts(new Date(at), timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at / 1000) * 1000;
}

/** The instant a wall-clock time happens in a zone (a time in a DST gap lands just after the gap). */
export function zonedTime(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): Date {
  const asUtc = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  const first = asUtc - zoneOffset(asUtc, timeZone);
  const second = asUtc - zoneOffset(first, timeZone);
  return new Date(second);
}

/**
 * When quiet hours end, if `now` falls within them; null otherwise. A window whose end is before its
 * start spans midnight (22:00–07:00); equal start and end means no quiet hours.
 */
export function quietHoursEnd(now: Date, quiet: QuietHours): Date | null {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return null;
  const local = localParts(now, quiet.timeZone);
  const t = local.hour * 60 + local.minute;
  const inside = start < end ? t >= start && t < end : t >= start || t < end;
  if (!inside) return null;
  const endsTomorrow = start > end && t >= start;
  const day = new Date(Date.UTC(local.year, local.month - 1, local.day + (endsTomorrow ? 1 : 0)));
  return zonedTime(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), end, quiet.timeZone);
}
