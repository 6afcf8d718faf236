import { sql } from 'kysely';
import type { Db } from '../../../platform/db/pool.js';
import { inTransaction } from '../../../platform/db/transaction.js';
import type { GlucoseServices } from '../services.js';
import { patientZone } from '../patients/zone.js';
import { ZoneClock, DAY_MS, type Series } from './grid.js';
import { daySums } from './metrics.js';
import { loadReadings } from './load.js';

export const STATS_ROLLUP_QUEUE = 'glucose.stats.rollup';

const dayNumber = (d: Date | string) => Math.floor(new Date(typeof d === 'string' ? `${d}T00:00:00Z` : d).getTime() / DAY_MS);
const dayText = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

function slice(s: Series, fromMs: number, toMs: number): Series {
  let a = 0, b = s.t.length;
  while (a < b && s.t[a] < fromMs) a++;
  let e = a;
  while (e < b && s.t[e] < toMs) e++;
  return { t: s.t.subarray(a, e), v: s.v.subarray(a, e) };
}

/**
 * Recomputes dirty `daily_stats` rows (§3.2, job `glucose.stats.rollup`). The claim, the computation and the
 * write are one transaction: the claimed rows stay locked, so a reading ingested meanwhile waits, then finds its
 * day clean and marks it dirty again for the next run; a failure leaves the rows dirty.
 */
export async function rollupDirtyDays(db: Db, options: { patientId?: string; limit?: number } = {}): Promise<{ days: number }> {
  const limit = options.limit ?? 2000;
  return inTransaction(db, async (tx) => {
    const { rows: claimed } = await sql<{ patient_id: string; local_date: Date | string; basis: 'cgm' | 'all' }>`
      update glucose.daily_stats s set dirty = false
      from (select patient_id, local_date, basis from glucose.daily_stats
            where dirty ${options.patientId ? sql`and patient_id = ${options.patientId}` : sql``}
            order by patient_id, local_date limit ${limit} for update skip locked) d
      where s.patient_id = d.patient_id and s.local_date = d.local_date and s.basis = d.basis
      returning s.patient_id, s.local_date::text as local_date, s.basis`.execute(tx);
    const byPatient = new Map<string, typeof claimed>();
    for (const row of claimed) {
      const list = byPatient.get(row.patient_id) ?? [];
      list.push(row);
      byPatient.set(row.patient_id, list);
    }
    for (const [patientId, keys] of byPatient) {
      const clock = new ZoneClock(await patientZone(tx, patientId));
      const days = keys.map((k) => dayNumber(k.local_date));
      const first = Math.min(...days), last = Math.max(...days);
      const input = await loadReadings(tx, patientId, clock.dayStart(first), clock.dayStart(last + 1));
      const values: unknown[] = [];
      for (const key of keys) {
        const day = dayNumber(key.local_date);
        const start = clock.dayStart(day), end = clock.dayStart(day + 1);
        const s = daySums(slice(key.basis === 'cgm' ? input.cgm : input.all, start, end), start, end);
        values.push({
          local_date: dayText(day), basis: key.basis, n: s.n, sum: s.sum, sum_sq: s.sumSq, min: s.min, max: s.max,
          n_lt54: s.lt54, n_lt70: s.lt70, n_70_180: s.in70to180, n_gt180: s.gt180, n_gt250: s.gt250,
          lbgi_sum: s.lbgiSum, hbgi_sum: s.hbgiSum, slots_covered: s.slotsCovered, dt0_min: s.dt0 !== null && s.dt0 <= 1440 ? s.dt0 : null,
          first_at: s.firstAt === null ? null : new Date(s.firstAt).toISOString(), last_at: s.lastAt === null ? null : new Date(s.lastAt).toISOString(),
        });
      }
      await sql`
        update glucose.daily_stats s set n = v.n, sum = v.sum, sum_sq = v.sum_sq, min = v.min, max = v.max,
          n_lt54 = v.n_lt54, n_lt70 = v.n_lt70, n_70_180 = v.n_70_180, n_gt180 = v.n_gt180, n_gt250 = v.n_gt250,
          lbgi_sum = v.lbgi_sum, hbgi_sum = v.hbgi_sum, slots_covered = v.slots_covered, dt0_min = v.dt0_min,
          first_at = v.first_at, last_at = v.last_at, updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v(local_date date, basis text, n int, sum float8, sum_sq float8,
          min numeric, max numeric, n_lt54 int, n_lt70 int, n_70_180 int, n_gt180 int, n_gt250 int, lbgi_sum float8, hbgi_sum float8,
          slots_covered int, dt0_min smallint, first_at timestamptz, last_at timestamptz)
        where s.patient_id = ${patientId} and s.local_date = v.local_date and s.basis = v.basis`.execute(tx);
    }
    return { days: claimed.length };
  });
}

/** Marks every day of a patient in [fromDay, toDay] dirty (both bases), e.g. after readings were loaded directly. */
export async function markDaysDirty(db: Db, patientId: string, fromDay: string, toDay: string) {
  await sql`
    insert into glucose.daily_stats (patient_id, local_date, basis, dirty)
    select ${patientId}::uuid, d::date, b.basis, true
    from generate_series(${fromDay}::date, ${toDay}::date, interval '1 day') d cross join (values ('cgm'), ('all')) b(basis)
    on conflict (patient_id, local_date, basis) do update set dirty = true, updated_at = now()`.execute(db);
}

export function defineRollupJob(svc: GlucoseServices) {
  svc.ctx.jobs.define({
    queue: STATS_ROLLUP_QUEUE,
    policy: 'singleton',
    retryLimit: 3,
    retryDelay: 10,
    handler: async () => {
      let total = 0;
      // bounded batches so one run never holds locks for long; stop when nothing is left
      for (let i = 0; i < 50; i++) {
        const { days } = await rollupDirtyDays(svc.ctx.db);
        total += days;
        if (days === 0) break;
      }
      return { days: total };
    },
    schedules: [{ cron: '*/5 * * * *', timezone: 'UTC', description: 'Recompute dirty per-day glucose aggregates (daily_stats)' }],
  });
}
