/**
 * Health score (§4.4), integer 0..100: round(0.4·G + 0.2·A + 0.2·N + 0.2·P), half up, where
 * G = % of readings 70–180 in 24 h (50 without readings), A = 7-day adherence % (100 when no dose was due),
 * N = 100 − min(100, 100·|kcal − goal| / goal) (50 without a meal in 24 h), P = 100·min(1, steps / goal) (50
 * without step data today).
 */
export interface HealthInputs {
  inRangePct: number | null;
  adherencePct: number | null;
  kcal24h: number | null;
  kcalGoal: number;
  stepsToday: number | null;
  stepsGoal: number;
}

export function healthScore(x: HealthInputs) {
  const glycemia = x.inRangePct ?? 50;
  const adherence = x.adherencePct ?? 100;
  const nutrition = x.kcal24h === null ? 50 : 100 - Math.min(100, (100 * Math.abs(x.kcal24h - x.kcalGoal)) / x.kcalGoal);
  const activity = x.stepsToday === null ? 50 : 100 * Math.min(1, x.stepsToday / x.stepsGoal);
  const raw = 0.4 * glycemia + 0.2 * adherence + 0.2 * nutrition + 0.2 * activity;
  // half up, with a guard against binary noise just under .5 (e.g. 78.49999999)
  const score = Math.floor(raw + 0.5 + 1e-9);
  return { score: Math.max(0, Math.min(100, score)), components: { glycemia, adherence, nutrition, activity } };
}
