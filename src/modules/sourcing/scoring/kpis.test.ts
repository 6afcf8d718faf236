import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PARAMS as P } from './params.js';
import { computeKpis, type DeliveryLine } from './kpis.js';

const line = (o: Partial<DeliveryLine>): DeliveryLine => ({
  orderedOn: '2026-03-01', promisedOn: '2026-03-15', deliveredOn: '2026-03-15', quantityOrdered: 100, quantityDelivered: 100,
  quantityAccepted: null, unitsInspected: null, defectiveUnits: null, ...o,
});

test('KPI examples of §5.1: 19 of 20 on time and in full → OTIF 95.00 %; 1,000 defective of 500,000 → 2,000 PPM', () => {
  const lines = Array.from({ length: 20 }, (_, i) => line({ deliveredOn: i === 0 ? '2026-03-17' : '2026-03-14', unitsInspected: 25_000, defectiveUnits: 50 }));
  const k = computeKpis(lines, '2026-06-01', P);
  assert.equal(k.deliveriesCount, 20);
  assert.equal(k.otifPct, 95); assert.equal(k.otdPct, 95);
  assert.equal(k.ppm, 2000);
});

test('an open order past its promise is a late delivery; short acceptance is not in full; early within 2 days is on time', () => {
  const k = computeKpis([
    line({ deliveredOn: null, quantityDelivered: null }),
    line({ quantityAccepted: 90 }),
    line({ deliveredOn: '2026-03-13' }),
    line({ deliveredOn: '2026-03-12' }),
    line({ deliveredOn: null, promisedOn: '2026-07-01' }),
  ], '2026-06-01', P);
  assert.equal(k.deliveriesCount, 4);
  assert.equal(k.otdPct, 50);
  assert.equal(k.otifPct, 25);
});

test('lead-time CV needs n ≥ 3: [11, 14, 17] → μ 14, σ 3; two lines → missing', () => {
  const three = computeKpis(['2026-03-12', '2026-03-15', '2026-03-18'].map((d) => line({ deliveredOn: d })), '2026-06-01', P);
  assert.deepEqual([three.leadTime.meanDays, three.leadTime.sdDays], [14, 3]);
  assert.ok(Math.abs(three.leadTime.cv! - 0.2143) < 1e-4);
  const two = computeKpis(['2026-03-12', '2026-03-15'].map((d) => line({ deliveredOn: d })), '2026-06-01', P);
  assert.equal(two.leadTime.cv, null);
});
