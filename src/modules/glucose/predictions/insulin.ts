/**
 * The exponential insulin activity curve of oref0 and Loop (§4.10.2), per unit of insulin: activity (U/min) and
 * insulin on board (fraction still to act) `t` minutes after the dose.
 */

/** Default peak of activity, minutes after the dose, by insulin kind. */
export const PEAK_MINUTES = { rapid: 75, ultra_rapid: 55 } as const;

export interface InsulinCurve { tau: number; a: number; S: number; end: number }

/** The curve's constants from the duration of action (minutes) and the peak (minutes). */
export function insulinCurve(diaMinutes: number, peakMinutes: number): InsulinCurve {
  const end = diaMinutes;
  const tp = peakMinutes;
  const tau = (tp * (1 - tp / end)) / (1 - (2 * tp) / end);
  const a = (2 * tau) / end;
  const S = 1 / (1 - a + (1 + a) * Math.exp(-end / tau));
  return { tau, a, S, end };
}

/** Units per minute acting `t` minutes after one unit. */
export function activity(c: InsulinCurve, t: number): number {
  if (t < 0 || t >= c.end) return 0;
  return (c.S / c.tau ** 2) * t * (1 - t / c.end) * Math.exp(-t / c.tau);
}

/** Fraction of one unit still on board `t` minutes after the dose (1 before it, 0 after the duration of action). */
export function iobFraction(c: InsulinCurve, t: number): number {
  if (t < 0) return 1;
  if (t >= c.end) return 0;
  const { tau, a, S, end } = c;
  return 1 - S * (1 - a) * ((t ** 2 / (tau * end * (1 - a)) - t / tau - 1) * Math.exp(-t / tau) + 1);
}
