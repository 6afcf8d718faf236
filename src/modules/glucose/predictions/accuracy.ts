/** Prediction accuracy over (predicted, actual) pairs in mg/dL (§5.11). */

export type ClarkeZone = 'A' | 'B' | 'C' | 'D' | 'E';

/** Clarke error grid zone of prediction p against reference y, rules tested in the spec's order. */
export function clarkeZone(y: number, p: number): ClarkeZone {
  if ((y <= 70 && p <= 70) || (p >= 0.8 * y && p <= 1.2 * y)) return 'A';
  if ((y >= 180 && p <= 70) || (y <= 70 && p >= 180)) return 'E';
  if ((y >= 70 && y <= 290 && p >= y + 110) || (y >= 130 && y <= 180 && p <= 1.4 * y - 182)) return 'C';
  if ((y >= 240 && p >= 70 && p <= 180) || (y <= 175 / 3 && p >= 70 && p <= 180) || (y >= 175 / 3 && y <= 70 && p >= 1.2 * y)) return 'D';
  return 'B';
}

/** Running sums that add up across days and patients (the shape of prediction_accuracy_daily). */
export interface AccuracySums {
  n: number; sumSqErr: number; sumAbsErr: number; sumAbsRelErr: number; sumErr: number;
  zones: Record<ClarkeZone, number>;
}

export const emptySums = (): AccuracySums => ({ n: 0, sumSqErr: 0, sumAbsErr: 0, sumAbsRelErr: 0, sumErr: 0, zones: { A: 0, B: 0, C: 0, D: 0, E: 0 } });

export function addPair(s: AccuracySums, predicted: number, actual: number): AccuracySums {
  const e = predicted - actual;
  s.n += 1; s.sumSqErr += e * e; s.sumAbsErr += Math.abs(e); s.sumAbsRelErr += Math.abs(e) / actual; s.sumErr += e;
  s.zones[clarkeZone(actual, predicted)] += 1;
  return s;
}

export interface AccuracyMetrics {
  n: number; rmse: number | null; mae: number | null; mardPct: number | null; bias: number | null;
  clarke: { aPct: number | null; bPct: number | null; cPct: number | null; dPct: number | null; ePct: number | null };
}

export function metricsOf(s: AccuracySums): AccuracyMetrics {
  const pct = (k: number) => (s.n === 0 ? null : (100 * k) / s.n);
  return {
    n: s.n,
    rmse: s.n === 0 ? null : Math.sqrt(s.sumSqErr / s.n),
    mae: s.n === 0 ? null : s.sumAbsErr / s.n,
    mardPct: s.n === 0 ? null : (100 * s.sumAbsRelErr) / s.n,
    bias: s.n === 0 ? null : s.sumErr / s.n,
    clarke: { aPct: pct(s.zones.A), bPct: pct(s.zones.B), cPct: pct(s.zones.C), dPct: pct(s.zones.D), ePct: pct(s.zones.E) },
  };
}

/** Metrics of paired lists directly (for tests and one-off use). */
export const accuracy = (predicted: number[], actual: number[]) => metricsOf(predicted.reduce((s, p, i) => addPair(s, p, actual[i]), emptySums()));
