import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { computeKpis, type DeliveryLine } from '../scoring/kpis.js';
import { DEFAULT_PARAMS, type ScoringParams } from '../scoring/params.js';

/** KPIs of spec §5.1 computed live from the deliveries (material null = all materials). */
export async function supplierKpis(db: DbOrTx, supplierId: string, materialId: string | null, asOf: string, params: ScoringParams = DEFAULT_PARAMS) {
  const { rows } = await sql<{ o: string; p: string; d: string | null; qo: string; qd: string | null; qa: string | null; ui: string | null; du: string | null }>`
    select ordered_on::text as o, promised_on::text as p, delivered_on::text as d, quantity_ordered as qo, quantity_delivered as qd,
           quantity_accepted as qa, units_inspected as ui, defective_units as du
      from sourcing.deliveries
     where supplier_id = ${supplierId} ${materialId ? sql`and material_id = ${materialId}` : sql``}
       and coalesce(delivered_on, promised_on) between ${asOf}::date - ${params.kpi.windowDays}::int and ${asOf}::date`.execute(db);
  const num = (v: string | null) => (v === null ? null : Number(v));
  const lines: DeliveryLine[] = rows.map((r) => ({
    orderedOn: r.o, promisedOn: r.p, deliveredOn: r.d, quantityOrdered: Number(r.qo), quantityDelivered: num(r.qd),
    quantityAccepted: num(r.qa), unitsInspected: num(r.ui), defectiveUnits: num(r.du),
  }));
  return { ...computeKpis(lines, asOf, params), materialId, computedAt: new Date().toISOString() };
}
