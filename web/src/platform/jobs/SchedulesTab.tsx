import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useI18n, useT } from '../i18n';
import { Button } from '../ui/Button';
import { EmptyState, ProblemAlert, TableSkeleton } from '../ui/feedback';
import { Badge } from '../ui/layout';
import { useToast } from '../ui/toast';
import { jobKeys, type Schedule } from './jobs-api';

export function SchedulesTab({ refetchInterval }: { refetchInterval: number }) {
  const t = useT();
  const { formatDate } = useI18n();
  const toast = useToast();
  const queryClient = useQueryClient();
  const schedules = useQuery({ queryKey: [...jobKeys.all, 'schedules'], queryFn: () => api.get('/api/v1/jobs/schedules'), refetchInterval });
  const toggle = useMutation({
    mutationFn: (s: Schedule) => api.patch('/api/v1/jobs/schedules/{key}', { params: { key: s.key }, body: { enabled: !s.enabled } }),
    onSuccess: (_r, s) => { toast(s.enabled ? t('jobs.schedulePaused', { key: s.key }) : t('jobs.scheduleResumed', { key: s.key })); return queryClient.invalidateQueries({ queryKey: jobKeys.all }); },
  });
  const runNow = useMutation({
    mutationFn: (s: Schedule) => api.post('/api/v1/jobs/schedules/{key}/run-now', { params: { key: s.key } }),
    onSuccess: (_r, s) => { toast(t('jobs.ranNow', { key: s.key })); return queryClient.invalidateQueries({ queryKey: jobKeys.all }); },
  });
  if (schedules.isPending) return <TableSkeleton rows={4} columns={5} />;
  if (schedules.error) return <ProblemAlert error={schedules.error} onRetry={() => void schedules.refetch()} />;
  if (!schedules.data?.length) return <EmptyState icon="clock" title={t('jobs.noSchedules')}>{t('jobs.noSchedulesHint')}</EmptyState>;
  return (
    <>
      <ProblemAlert error={toggle.error ?? runNow.error} />
      <div className="table-wrap">
        <table className="table responsive" data-testid="schedules">
          <thead><tr><th>{t('jobs.schedule')}</th><th>{t('jobs.when')}</th><th>{t('jobs.nextRun')}</th><th>{t('jobs.lastRun')}</th><th aria-label={t('jobs.actions')} /></tr></thead>
          <tbody>
            {schedules.data.map((s) => (
              <tr key={s.key}>
                <td data-label={t('jobs.schedule')}>
                  <strong>{s.key}</strong>
                  <div className="muted small">{s.description ?? s.queue}</div>
                  <div className="badges">
                    {!s.enabled ? <Badge tone="warning">{t('jobs.paused')}</Badge> : null}
                    {s.missed7d ? <Badge tone="danger">{t('jobs.missed', { n: s.missed7d })}</Badge> : null}
                    {!s.managed ? <Badge title={s.warning}>{t('jobs.unmanaged')}</Badge> : null}
                  </div>
                </td>
                <td data-label={t('jobs.when')}><code>{s.cron}</code><div className="muted small">{s.timezone}</div></td>
                <td data-label={t('jobs.nextRun')}>{s.enabled && s.nextRunAt ? <>{formatDate(s.nextRunAt, 'relative')}<div className="muted small">{formatDate(s.nextRunAt)}</div></> : '—'}</td>
                <td data-label={t('jobs.lastRun')}>
                  {s.lastRun ? <>
                    <Badge tone={s.lastRun.status === 'succeeded' || s.lastRun.status === 'completed' ? 'success' : s.lastRun.status === 'failed' ? 'danger' : 'neutral'}>{s.lastRun.status}</Badge>
                    <div className="muted small">{formatDate(s.lastRun.startedAt, 'relative')}{s.lastRun.durationMs !== null ? ` · ${(s.lastRun.durationMs / 1000).toFixed(1)} s` : ''}</div>
                  </> : <span className="muted">{t('jobs.never')}</span>}
                </td>
                <td className="right">
                  <div className="button-row end">
                    <Button size="sm" icon="play" busy={runNow.isPending && runNow.variables?.key === s.key} onClick={() => runNow.mutate(s)}>{t('jobs.runNow')}</Button>
                    <Button size="sm" variant="ghost" icon={s.enabled ? 'pause' : 'play'} busy={toggle.isPending && toggle.variables?.key === s.key} onClick={() => toggle.mutate(s)}>
                      {s.enabled ? t('jobs.pause') : t('jobs.resume')}
                    </Button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
