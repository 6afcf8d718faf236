import { api, type ApiResult } from '../../api/client';

export type Metrics = ApiResult<'/api/v1/glucose/patients/{patientId}/analytics/metrics', 'get'>;
export type Agp = ApiResult<'/api/v1/glucose/patients/{patientId}/analytics/agp', 'get'>;
export type Aggregates = ApiResult<'/api/v1/glucose/patients/{patientId}/analytics/aggregates', 'get'>;
export type Episodes = ApiResult<'/api/v1/glucose/patients/{patientId}/analytics/episodes', 'get'>;
export type Insights = ApiResult<'/api/v1/glucose/patients/{patientId}/analytics/insights', 'get'>;
export type Period = 'day' | 'week' | 'month';

export const analyticsKeys = {
  agp: (id: string, days: number) => ['glucose', 'patient', id, 'analytics', 'agp', days] as const,
  aggregates: (id: string, period: Period) => ['glucose', 'patient', id, 'analytics', 'aggregates', period] as const,
  episodes: (id: string, days: number) => ['glucose', 'patient', id, 'analytics', 'episodes', days] as const,
  insights: (id: string, days: number) => ['glucose', 'patient', id, 'analytics', 'insights', days] as const,
  riskList: (filters: object) => ['glucose', 'patients', 'risk', filters] as const,
};

/** [from, to) of the last `days` days up to the next whole minute (stable within a minute for caching). */
export function lastDays(days: number) {
  const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
  return { from: new Date(to.getTime() - days * 86_400_000).toISOString(), to: to.toISOString() };
}

export const fetchAgp = (patientId: string, days: number, signal?: AbortSignal) =>
  api.get('/api/v1/glucose/patients/{patientId}/analytics/agp', { params: { patientId }, query: lastDays(days), signal });
export const fetchEpisodes = (patientId: string, days: number, signal?: AbortSignal) =>
  api.get('/api/v1/glucose/patients/{patientId}/analytics/episodes', { params: { patientId }, query: lastDays(days), signal });
export const fetchInsights = (patientId: string, days: number, signal?: AbortSignal) =>
  api.get('/api/v1/glucose/patients/{patientId}/analytics/insights', { params: { patientId }, query: lastDays(days), signal });
export const fetchAggregates = (patientId: string, period: Period, signal?: AbortSignal) =>
  api.get('/api/v1/glucose/patients/{patientId}/analytics/aggregates', { params: { patientId }, query: { period, compare: true }, signal });

/** GRI zone colours of the published GRI grid (A best … E worst). */
export const GRI_TONE: Record<string, 'success' | 'info' | 'warning' | 'danger' | 'neutral'> = { A: 'success', B: 'info', C: 'warning', D: 'danger', E: 'danger' };
