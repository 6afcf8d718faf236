/** Hypo/hyper probabilities and the recommendation level of a forecast (§4.10.3). */

export const DEFAULT_SIGMA = { 30: 20, 60: 35 } as const;
export interface Sigmas { 30: number; 60: number }

/** Forecast uncertainty (SD, mg/dL) h minutes ahead: linear from 0 to σ30, then from σ30 to σ60. */
export function sigmaAt(h: number, s: Sigmas = DEFAULT_SIGMA): number {
  return h <= 30 ? (s[30] * h) / 30 : s[30] + ((s[60] - s[30]) * (h - 30)) / 30;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf; error < 1.5e-7). */
export function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

const round3 = (p: number) => Math.round(p * 1000) / 1000;

export interface Probabilities { hypo30: number; hyper30: number; hypo60: number; hyper60: number }

/**
 * `values[k]` is the unrounded forecast `minutesAhead[k]` minutes ahead (default 5(k+1)); thresholds are the
 * patient's low and high.
 */
export function probabilities(values: number[], low: number, high: number, sigmas: Sigmas = DEFAULT_SIGMA, minutesAhead?: number[]): Probabilities {
  const window = (h: number, f: (v: number, s: number) => number) => {
    let p = 0;
    values.forEach((v, i) => { const minutes = minutesAhead?.[i] ?? 5 * (i + 1); if (minutes <= h) p = Math.max(p, f(v, sigmaAt(minutes, sigmas))); });
    return round3(p);
  };
  const hypo = (v: number, s: number) => phi((low - v) / s);
  const hyper = (v: number, s: number) => phi((v - high) / s);
  return { hypo30: window(30, hypo), hyper30: window(30, hyper), hypo60: window(60, hypo), hyper60: window(60, hyper) };
}

export type RecommendationLevel = 'none' | 'watch' | 'warning' | 'alert' | 'critical';
export type Recommendation = { type: 'carbs'; grams: number; reason: 'predicted_low' } | { type: 'review_plan'; reason: 'predicted_high' };

/** From the 30-minute hypo probability; never an insulin amount. */
export function recommendationLevel(pHypo30: number): RecommendationLevel {
  if (pHypo30 < 0.1) return 'none';
  if (pHypo30 < 0.3) return 'watch';
  if (pHypo30 <= 0.7) return 'warning';
  if (pHypo30 <= 0.9) return 'alert';
  return 'critical';
}

export function recommendations(p: Probabilities): Recommendation[] {
  const out: Recommendation[] = [];
  if (p.hypo30 >= 0.3) out.push({ type: 'carbs', grams: 15, reason: 'predicted_low' });
  if (p.hyper60 >= 0.7) out.push({ type: 'review_plan', reason: 'predicted_high' });
  return out;
}
