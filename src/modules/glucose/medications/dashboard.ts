import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { adherenceOf } from './service.js';
import { doseTiming } from './schedule.js';

/**
 * The dashboard's medication block (§4.4): the next dose still to record (the oldest open one of the last 2 h, else
 * the next scheduled), the 7-day adherence that feeds the health score, and the stocks in warning or critical.
 */
export async function medicationBlock(db: DbOrTx, patientId: string, nowMs = Date.now()) {
  const now = new Date(nowMs).toISOString();
  const next = await sql<{ id: string; name: string; scheduled_at: Date; status: 'scheduled' }>`
    select d.id, p.name, d.scheduled_at, d.status from glucose.medication_doses d join glucose.medication_plans p on p.id = d.plan_id
    where d.patient_id = ${patientId} and d.status = 'scheduled' and p.deleted_at is null and d.scheduled_at >= ${now}::timestamptz - interval '2 hours'
    order by d.scheduled_at limit 1`.execute(db);
  const stocks = await sql<{ id: string; name: string; status: string; units_remaining: string }>`
    select s.id, p.name, s.status, s.units_remaining from glucose.medication_stock s join glucose.medication_plans p on p.id = s.plan_id
    where s.patient_id = ${patientId} and p.deleted_at is null and p.stock_tracking and s.status in ('warning', 'critical') order by s.status desc, p.name`.execute(db);
  const adherence = await adherenceOf(db, patientId, nowMs);
  const d = next.rows[0];
  return {
    adherence7dPct: adherence.adherence7dPct,
    block: {
      nextDose: d ? { doseId: d.id, name: d.name, scheduledAt: new Date(d.scheduled_at).toISOString(), status: d.status, ...(({ countdownSeconds, isDelayed }) => ({ countdownSeconds, isDelayed }))(doseTiming(d.status, new Date(d.scheduled_at).getTime(), nowMs)) } : null,
      adherence24hPct: adherence.adherence24hPct,
      adherence7dPct: adherence.adherence7dPct,
      lowStock: stocks.rows.map((s) => ({ stockId: s.id, name: s.name, status: s.status, unitsRemaining: Number(s.units_remaining) })),
    },
  };
}
