import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';

/** The patient's IANA zone for local days: their glucose setting, else their profile's zone. */
export async function patientZone(db: DbOrTx, patientId: string): Promise<string> {
  const { rows } = await sql<{ zone: string }>`
    select coalesce((select timezone from glucose.patient_settings where patient_id = ${patientId}),
                    (select time_zone from platform.users where id = ${patientId}), 'UTC') as zone`.execute(db);
  return rows[0]?.zone ?? 'UTC';
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC in minutes at an instant (e.g. 60 for Europe/Paris in winter). */
export function zoneOffsetMinutes(zone: string, atMs: number): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, f);
  }
  const at = Math.floor(atMs / 1000) * 1000;
  const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return Math.round((local - at) / 60_000);
}
