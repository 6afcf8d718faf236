import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import type { AuthUser } from '../../../platform/types.js';
import { badRequest } from '../../../platform/http/errors.js';
import { decodeCursor, encodeCursor } from '../../../platform/http/pagination.js';
import { roundHalfAway } from './metrics.js';

export type PatientSort = 'risk' | 'name' | 'lastReading';

export interface PatientListQuery {
  sort: PatientSort;
  search?: string;
  cursor?: string;
  limit: number;
  sufficient?: boolean;
  diabetesType?: string;
}

/** 14 complete local days at 5-minute slots, for days that have no daily_stats row. */
const DAYS = 14;
const SLOTS_PER_DAY = 288;

const r1 = (x: number | null) => (x === null ? null : roundHalfAway(x, 1));
const r2 = (x: number | null) => (x === null ? null : roundHalfAway(x, 2));

/**
 * §4.4 patient list with the last 14 complete local days from `daily_stats` (CGM basis), open alerts and the latest
 * reading; `sort=risk` orders by open critical alerts (desc), GRI (desc, nulls last), % < 54 (desc), active % (asc),
 * then name. One SQL statement over all visible patients; pages are positions in that order.
 */
export async function patientList(db: DbOrTx, me: AuthUser, q: PatientListQuery) {
  const position = decodeCursor(q.cursor);
  if (position && (position[0] !== q.sort || typeof position[1] !== 'number')) {
    throw badRequest('invalid_cursor', 'The cursor is not one this API returned for this sort; start again without it.');
  }
  const offset = position ? (position[1] as number) : 0;
  const admin = me.roles.includes('admin');
  const order = q.sort === 'risk'
    ? sql`critical desc, gri desc nulls last, below54 desc nulls last, active_pct asc, display_name, id`
    : q.sort === 'lastReading' ? sql`measured_at desc nulls last, display_name, id` : sql`display_name, id`;
  const { rows } = await sql<{
    id: string; display_name: string; relation: string; diabetes_type: string | null; value: number | null; direction: string | null;
    source: string | null; measured_at: Date | null; critical: number; warning: number; n: number; mean: number | null;
    tir: number | null; below54: number | null; below70: number | null; gri: number | null; cv: number | null; active_pct: number;
    total: number;
  }>`
    with visible as (
      ${admin
        ? sql`select r.user_id as id, case when r.user_id = ${me.id} then 'self' else 'admin' end as relation from platform.user_roles r where r.role = 'patient'`
        : sql`select l.patient_id as id, l.relation from glucose.care_links l
              where l.member_id = ${me.id} and l.ended_at is null and l.relation = any(${me.roles.filter((r) => r === 'caregiver' || r === 'clinician')}::text[])
              union select ${me.id}::uuid, 'self' where ${me.roles.includes('patient')}`}
    ),
    people as (
      select u.id, u.display_name, v.relation, s.diabetes_type,
        (now() at time zone coalesce(s.timezone, u.time_zone, 'UTC'))::date as today
      from visible v join platform.users u on u.id = v.id
      left join glucose.patient_settings s on s.patient_id = u.id
      where true ${q.search ? sql`and u.display_name ilike ${`%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}` : sql``}
        ${q.diabetesType ? sql`and coalesce(s.diabetes_type, 'unknown') = ${q.diabetesType}` : sql``}
    ),
    stats as (
      select p.id, sum(d.n)::int as n, sum(d.sum) as sum, sum(d.sum_sq) as sum_sq, sum(d.n_lt54)::int as lt54, sum(d.n_lt70)::int as lt70,
        sum(d.n_70_180)::int as tir, sum(d.n_gt180)::int as gt180, sum(d.n_gt250)::int as gt250, sum(d.slots_covered)::int as covered,
        sum(1440 / coalesce(nullif(d.dt0_min, 0), 5))::int + (${DAYS}::int - count(*)::int) * ${SLOTS_PER_DAY}::int as slots
      from people p join glucose.daily_stats d on d.patient_id = p.id and d.basis = 'cgm'
        and d.local_date >= p.today - ${DAYS}::int and d.local_date < p.today
      group by p.id
    ),
    open_alerts as (
      select a.patient_id, count(*) filter (where a.severity = 'critical')::int as critical, count(*) filter (where a.severity = 'warning')::int as warning
      from glucose.alerts a where a.status <> 'resolved' and a.patient_id in (select id from people)
      group by a.patient_id
    ),
    listed as (
      select p.id, p.display_name, p.relation, p.diabetes_type, l.value_mgdl::float8 as value, l.direction, l.source, l.measured_at,
        coalesce(o.critical, 0) as critical, coalesce(o.warning, 0) as warning, coalesce(st.n, 0) as n,
        case when st.n > 0 then st.sum / st.n end as mean,
        case when st.n > 1 then sqrt(greatest(0, (st.sum_sq - st.sum * st.sum / st.n) / (st.n - 1))) end as sd,
        case when st.n > 0 then (100.0 * st.tir / st.n)::float8 end as tir,
        case when st.n > 0 then (100.0 * st.lt54 / st.n)::float8 end as below54,
        case when st.n > 0 then (100.0 * st.lt70 / st.n)::float8 end as below70,
        case when st.n > 0 then least(100, (3.0 * st.lt54 + 2.4 * (st.lt70 - st.lt54) + 1.6 * st.gt250 + 0.8 * (st.gt180 - st.gt250)) * 100.0 / st.n)::float8 end as gri,
        least(100, coalesce(100.0 * st.covered / nullif(st.slots, 0), 0))::float8 as active_pct -- least() would skip a null
      from people p
      left join stats st on st.id = p.id
      left join open_alerts o on o.patient_id = p.id
      left join glucose.latest_readings l on l.patient_id = p.id
    )
    select *, case when mean > 0 then 100 * sd / mean end as cv, count(*) over () as total from listed
    where true ${q.sufficient === undefined ? sql`` : q.sufficient ? sql`and active_pct >= 70` : sql`and active_pct < 70`}
    order by ${order}
    limit ${q.limit + 1}::int offset ${offset}::int`.execute(db);
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => ({
      patientId: r.id, displayName: r.display_name, relation: r.relation, diabetesType: r.diabetes_type ?? 'unknown',
      latest: r.measured_at ? { value: r.value!, direction: r.direction, source: r.source!, measuredAt: new Date(r.measured_at).toISOString() } : null,
      openAlerts: { critical: r.critical, warning: r.warning },
      last14d: {
        n: r.n, tirPct: r1(r.tir), tbr54Pct: r1(r.below54), tbr70Pct: r1(r.below70), gri: r1(r.gri),
        griZone: r.gri === null ? null : r.gri <= 20 ? 'A' : r.gri <= 40 ? 'B' : r.gri <= 60 ? 'C' : r.gri <= 80 ? 'D' : 'E',
        activePct: roundHalfAway(Number(r.active_pct), 1), sufficient: Number(r.active_pct) >= 70,
        gmi: r.mean === null ? null : r2(3.31 + 0.02392 * r.mean), meanMgdl: r1(r.mean), cvPct: r1(r.cv),
      },
    })),
    total: rows[0] ? Number(rows[0].total) : 0,
    nextCursor: rows.length > q.limit ? encodeCursor([q.sort, offset + q.limit]) : null,
  };
}
