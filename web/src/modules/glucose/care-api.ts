import { useQueryClient } from '@tanstack/react-query';
import type { ApiResult } from '../../api/client';
import { useTopic } from '../../platform/realtime/stream';

export type Plan = ApiResult<'/api/v1/glucose/patients/{patientId}/medication-plans', 'get'>['items'][number];
export type Dose = ApiResult<'/api/v1/glucose/patients/{patientId}/medication-doses', 'get'>['items'][number];
export type Adherence = ApiResult<'/api/v1/glucose/patients/{patientId}/medications/adherence', 'get'>;
export type Stock = ApiResult<'/api/v1/glucose/patients/{patientId}/medications/stock', 'get'>['items'][number];
export type Meal = ApiResult<'/api/v1/glucose/patients/{patientId}/meals', 'get'>['items'][number];
export type MealDetail = ApiResult<'/api/v1/glucose/patients/{patientId}/meals/{mealId}', 'get'>;
export type NutritionDaily = ApiResult<'/api/v1/glucose/patients/{patientId}/nutrition/daily', 'get'>;
export type ActivityDaily = ApiResult<'/api/v1/glucose/patients/{patientId}/activity/daily', 'get'>;
export type Goals = ApiResult<'/api/v1/glucose/patients/{patientId}/goals', 'get'>;
export type FoodItem = ApiResult<'/api/v1/glucose/food-items', 'get'>['items'][number];

export const careKeys = {
  all: (patientId: string) => ['glucose', 'care', patientId] as const,
  plans: (patientId: string) => ['glucose', 'care', patientId, 'plans'] as const,
  doses: (patientId: string) => ['glucose', 'care', patientId, 'doses'] as const,
  adherence: (patientId: string) => ['glucose', 'care', patientId, 'adherence'] as const,
  stock: (patientId: string) => ['glucose', 'care', patientId, 'stock'] as const,
  meals: (patientId: string) => ['glucose', 'care', patientId, 'meals'] as const,
  nutrition: (patientId: string) => ['glucose', 'care', patientId, 'nutrition'] as const,
  activity: (patientId: string) => ['glucose', 'care', patientId, 'activity'] as const,
  goals: (patientId: string) => ['glucose', 'care', patientId, 'goals'] as const,
  insulin: (patientId: string) => ['glucose', 'care', patientId, 'insulin'] as const,
  recommendations: (patientId: string) => ['glucose', 'care', patientId, 'recommendations'] as const,
  foods: (q: string) => ['glucose', 'food-items', q] as const,
};

/** Anything logged for this patient (by anyone, on any device) refreshes what is on screen: topic glucose.logs:<id>. */
export function useLiveLogs(patientId: string | undefined) {
  const queryClient = useQueryClient();
  useTopic(patientId ? `glucose.logs:${patientId}` : null, () => {
    if (patientId) void queryClient.invalidateQueries({ queryKey: careKeys.all(patientId) });
  });
}

/** Signed minutes until (positive) or since (negative) an instant, for countdowns. */
export const minutesUntil = (iso: string, now = Date.now()) => Math.round((Date.parse(iso) - now) / 60_000);

/** datetime-local value (local wall time of the browser) ↔ ISO instant. */
export const toLocalInput = (ms = Date.now()) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};
export const fromLocalInput = (value: string) => new Date(value).toISOString();
