import type { TestApp, TestUser } from '../../../test/helpers/app.js';

export const P = '/api/v1/sourcing';

/** A small world for API tests: two suppliers (local A, import B) offering one material to one plant. */
export async function buildWorld(t: TestApp, buyer: TestUser, admin: TestUser) {
  const call = async (method: string, path: string, body?: unknown, user = buyer) => {
    const res = await t.api(method, `${P}${path}`, { token: user.token, body });
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  await call('POST', '/fx-rates', { items: [{ currency: 'USD', asOf: '2026-01-01', rateToBase: 0.92, source: 'test' }] }, admin);
  const plant = await call('POST', '/destinations', { name: 'Montreal plant', country: 'CA', latitude: 45.5017, longitude: -73.5673, coldStorage: false });
  const soy = await call('POST', '/materials', { name: 'Soybean', category: 'oilseeds', unit: 'kg' });
  const a = await call('POST', '/suppliers', { name: 'Ferme Laval', country: 'CA', sites: [{ name: 'Laval', country: 'CA', latitude: 45.6066, longitude: -73.7124, originRisk: 'low', renewableEnergyPct: 30 }] });
  const b = await call('POST', '/suppliers', { name: 'Prairie Export', country: 'US', sites: [{ name: 'Chicago', country: 'US', latitude: 41.8781, longitude: -87.6298, originRisk: 'high', renewableEnergyPct: 10 }] });
  const siteA = a.sites[0].id;
  const siteB = b.sites[0].id;
  for (const [s, code, grade] of [[a, 'fssc_22000'], [a, 'iso_9001'], [a, 'iso_14001'], [b, 'brcgs_food', 'A'], [b, 'iso_14001'], [b, 'iso_50001']] as const) {
    await call('POST', `/suppliers/${s.id}/certifications`, { code, grade, validFrom: '2025-01-01', validUntil: '2027-12-31' });
  }
  await call('POST', `/suppliers/${a.id}/audits`, { auditedOn: '2026-02-10', kind: 'second_party', scorePct: 88 });
  for (const [i, delivered] of ['2026-03-12', '2026-03-15', '2026-03-18'].entries()) {
    await call('POST', `/suppliers/${a.id}/deliveries`, { materialId: soy.id, poNumber: `PO-A-${i}`, orderedOn: '2026-03-01', promisedOn: '2026-03-18', deliveredOn: delivered, quantityOrdered: 10_000, quantityDelivered: 10_000, unitsInspected: 500_000, defectiveUnits: 1000 });
  }
  const offerA = await call('POST', '/offers', { supplierId: a.id, siteId: siteA, materialId: soy.id, destinationId: plant.id, currency: 'EUR', price: 0.50, moq: 5000, leadTimeDays: 14, capacityPerYear: 200_000, freightCostPerUnit: 0.05, packaging: { recyclablePct: 80 }, legs: [{ mode: 'road', distanceKm: 1200 }], validFrom: '2026-01-01' });
  const offerB = await call('POST', '/offers', { supplierId: b.id, siteId: siteB, materialId: soy.id, destinationId: plant.id, currency: 'USD', price: 0.52, moq: 20_000, leadTimeDays: 35, capacityPerYear: 100_000, freightCostPerUnit: 0.03, dutyRatePct: 2, packaging: { recyclablePct: 50 }, legs: [{ mode: 'road', distanceKm: 300 }, { mode: 'sea_container', distanceKm: 8000 }], validFrom: '2026-01-01' });
  return { plant, soy, a, b, siteA, siteB, offerA, offerB, call };
}
