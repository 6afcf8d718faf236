import { zoneOffsetMinutes } from '../patients/zone.js';

const DAY_MS = 86_400_000;

/** The instant of local midnight starting the given calendar date in the zone (DST-safe: two offset passes). */
export function localMidnight(zone: string, year: number, month: number, day: number): number {
  const wall = Date.UTC(year, month - 1, day);
  let at = wall - zoneOffsetMinutes(zone, wall) * 60_000;
  at = wall - zoneOffsetMinutes(zone, at) * 60_000;
  return at;
}

/** The local calendar date (y, m, d) of an instant. */
export function localDate(zone: string, atMs: number): { year: number; month: number; day: number } {
  const shifted = new Date(atMs + zoneOffsetMinutes(zone, atMs) * 60_000);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** `YYYY-MM-DD` of an instant in the zone. */
export function localDateKey(zone: string, atMs: number): string {
  const d = localDate(zone, atMs);
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/** `YYYY-MM-DDTHH:mm:ss` wall-clock time of an instant in the zone (the exports' `localTime` column). */
export function localTimeText(zone: string, atMs: number): string {
  const shifted = new Date(atMs + zoneOffsetMinutes(zone, atMs) * 60_000);
  return shifted.toISOString().slice(0, 19);
}

/** Minutes since local midnight of an instant. */
export function localMinuteOfDay(zone: string, atMs: number): number {
  const shifted = atMs + zoneOffsetMinutes(zone, atMs) * 60_000;
  return Math.floor((((shifted % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
}

/** The last `days` complete local days before the local day containing `nowMs`: [from, to). */
export function lastCompleteDays(zone: string, nowMs: number, days: number): { from: number; to: number } {
  const today = localDate(zone, nowMs);
  const to = localMidnight(zone, today.year, today.month, today.day);
  const start = new Date(Date.UTC(today.year, today.month - 1, today.day - days));
  return { from: localMidnight(zone, start.getUTCFullYear(), start.getUTCMonth() + 1, start.getUTCDate()), to };
}

/** The local midnights that start each local day overlapping [from, to). */
export function localDayStarts(zone: string, from: number, to: number): number[] {
  const out: number[] = [];
  const first = localDate(zone, from);
  for (let i = 0; ; i++) {
    const d = new Date(Date.UTC(first.year, first.month - 1, first.day + i));
    const start = localMidnight(zone, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
    if (start >= to) break;
    out.push(start);
  }
  return out;
}
