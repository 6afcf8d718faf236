import type { EconomicOffer } from './economic.js';
import type { QualitySupplier } from './quality.js';
import type { EnvironmentalOffer } from './environmental.js';

/** Offers A (local) and B (import) of spec §5.2.4, §5.3 and §5.4.6: the worked examples, shared by tests, seed and benchmarks. */
export const Q_EXAMPLE = 120_000;
export const AS_OF_EXAMPLE = '2026-06-01';

export const economicA: EconomicOffer = {
  id: 'A', price: 0.50, currency: 'EUR', fxRateToBase: 1, moq: 5000, leadTimeDays: 14, leadTimeSdDays: 3,
  freightCostPerUnit: 0.05, dutyRatePct: 0, otifPct: 95, ppm: 2000,
};
export const economicB: EconomicOffer = {
  id: 'B', price: 0.52, currency: 'USD', fxRateToBase: 0.92, moq: 20_000, leadTimeDays: 35, leadTimeSdDays: 10,
  freightCostPerUnit: 0.03, dutyRatePct: 2, otifPct: 90, ppm: 500,
};

export const qualityA: QualitySupplier = {
  id: 'A',
  certifications: [
    { code: 'fssc_22000', validFrom: '2025-01-01', validUntil: '2027-12-31' },
    { code: 'iso_9001', validFrom: '2025-01-01', validUntil: '2027-12-31' },
  ],
  otifPct: 95, ppm: 2000, leadTimesDays: [11, 14, 17],
  audit: { scorePct: 88, auditedOn: '2026-02-10', criticalFindings: 0, openMajorFindings: 0 },
};
export const qualityB: QualitySupplier = {
  id: 'B',
  certifications: [{ code: 'brcgs_food', grade: 'A', validFrom: '2025-06-01', validUntil: '2027-06-01' }],
  otifPct: 90, ppm: 500, leadTime: { meanDays: 35, sdDays: 10, n: 12 }, audit: null,
};

export const environmentalA: EnvironmentalOffer = {
  id: 'A', massTonnesPerUnit: 0.001, legs: [{ mode: 'road', distanceKm: 1200 }],
  certifications: [{ code: 'iso_14001', validFrom: '2025-01-01', validUntil: '2027-12-31' }],
  packaging: { recyclablePct: 80, reusable: false }, originRisk: 'low', renewableEnergyPct: 30,
};
export const environmentalB: EnvironmentalOffer = {
  id: 'B', massTonnesPerUnit: 0.001, legs: [{ mode: 'road', distanceKm: 300 }, { mode: 'sea_container', distanceKm: 8000 }],
  certifications: [
    { code: 'iso_14001', validFrom: '2025-01-01', validUntil: '2027-12-31' },
    { code: 'iso_50001', validFrom: '2025-01-01', validUntil: '2027-12-31' },
  ],
  packaging: { recyclablePct: 50, reusable: false }, originRisk: 'high', renewableEnergyPct: 10,
};
