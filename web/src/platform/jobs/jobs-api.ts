import { useQueryClient } from '@tanstack/react-query';
import type { ApiResult } from '../../api/client';
import { useStreamStatus, useTopic } from '../realtime/stream';

export type Queue = ApiResult<'/api/v1/jobs/queues', 'get'>[number];
export type JobSummary = ApiResult<'/api/v1/jobs/queues/{name}/jobs', 'get'>['items'][number];
export type JobDetail = ApiResult<'/api/v1/jobs/queues/{name}/jobs/{id}', 'get'>;
export type JobState = JobSummary['state'];
export type Failure = ApiResult<'/api/v1/jobs/failures', 'get'>['items'][number];
export type Schedule = ApiResult<'/api/v1/jobs/schedules', 'get'>[number];

export const jobKeys = { all: ['jobs'] as const };

/**
 * The monitor stays current on its own: an event on the `jobs` topic refreshes it at once, and a
 * 5-second poll catches what no event announces (job state changes inside pg-boss are not events).
 */
export function useLiveJobs(): { refetchInterval: number; live: boolean } {
  const queryClient = useQueryClient();
  const status = useStreamStatus();
  useTopic('jobs', () => { void queryClient.invalidateQueries({ queryKey: jobKeys.all }); });
  return { refetchInterval: 5_000, live: status === 'open' };
}

export const STATE_TONE: Record<JobState, 'neutral' | 'success' | 'warning' | 'danger' | 'info' | 'primary'> = {
  created: 'info', retry: 'warning', active: 'primary', completed: 'success', cancelled: 'neutral', failed: 'danger',
};

/** `{message, stack, code}` from a failed job's output, whatever shape the handler threw. */
export function errorOf(output: unknown): { message?: string; stack?: string; code?: string } {
  if (!output || typeof output !== 'object') return typeof output === 'string' ? { message: output } : {};
  const o = output as Record<string, unknown>;
  const inner = (o.error && typeof o.error === 'object' ? o.error : o) as Record<string, unknown>;
  return {
    message: typeof inner.message === 'string' ? inner.message : undefined,
    stack: typeof inner.stack === 'string' ? inner.stack : undefined,
    code: typeof inner.code === 'string' ? inner.code : undefined,
  };
}

export function formatAge(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}
