import { leadTimeStats } from './quality.js';
import type { ScoringParams } from './params.js';

export interface DeliveryLine {
  orderedOn: string; promisedOn: string; deliveredOn: string | null;
  quantityOrdered: number; quantityDelivered: number | null; quantityAccepted: number | null;
  unitsInspected: number | null; defectiveUnits: number | null;
}

const day = (iso: string) => Math.round(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`) / 86_400_000);

/** Supplier KPIs of spec §5.1 over [asOf − window, asOf]; open lines past their promise count as late and not in full. */
export function computeKpis(lines: DeliveryLine[], asOf: string, p: ScoringParams) {
  const k = p.kpi;
  const to = day(asOf);
  const from = to - k.windowDays;
  let deliveries = 0;
  let onTime = 0;
  let otif = 0;
  let inspected = 0;
  let defective = 0;
  const leadTimes: number[] = [];
  for (const l of lines) {
    const ref = day(l.deliveredOn ?? l.promisedOn);
    if (ref < from || ref > to) continue;
    const promised = day(l.promisedOn);
    if (l.deliveredOn === null || day(l.deliveredOn) > to) {
      if (promised < to) deliveries++;
      continue;
    }
    deliveries++;
    const delivered = day(l.deliveredOn);
    const timely = delivered >= promised - k.earlyToleranceDays && delivered <= promised + k.lateToleranceDays;
    const accepted = l.quantityAccepted ?? l.quantityDelivered ?? 0;
    const full = accepted >= l.quantityOrdered * (1 - k.inFullTolerancePct / 100);
    if (timely) onTime++;
    if (timely && full) otif++;
    if ((l.unitsInspected ?? 0) > 0) { inspected += l.unitsInspected!; defective += l.defectiveUnits ?? 0; }
    leadTimes.push(delivered - day(l.orderedOn));
  }
  const lt = leadTimeStats(leadTimes, k.minDeliveries);
  return {
    window: { from: new Date(from * 86_400_000).toISOString().slice(0, 10), to: asOf.slice(0, 10) },
    deliveriesCount: deliveries,
    otdPct: deliveries ? (100 * onTime) / deliveries : null,
    otifPct: deliveries ? (100 * otif) / deliveries : null,
    ppm: inspected > 0 ? (defective / inspected) * 1e6 : null,
    leadTime: { meanDays: lt?.meanDays ?? null, sdDays: lt?.sdDays ?? null, cv: lt?.cv ?? null, n: leadTimes.length },
  };
}
