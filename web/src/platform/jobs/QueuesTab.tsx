import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useT } from '../i18n';
import { Button } from '../ui/Button';
import { TextAreaField } from '../ui/Field';
import { Dialog } from '../ui/Dialog';
import { EmptyState, ProblemAlert, TableSkeleton } from '../ui/feedback';
import { Badge, Card } from '../ui/layout';
import { Chart } from '../ui/Chart';
import { useToast } from '../ui/toast';
import { formatAge, jobKeys, type Queue } from './jobs-api';

export function usePauseQueue() {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ name, pause, reason }: { name: string; pause: boolean; reason?: string }) => pause
      ? api.post('/api/v1/jobs/queues/{name}/pause', { params: { name }, body: reason ? { reason } : {} })
      : api.post('/api/v1/jobs/queues/{name}/resume', { params: { name }, body: {} }),
    onSuccess: (r) => {
      toast(r.paused ? t('jobs.pausedToast', { name: r.name }) : t('jobs.resumedToast', { name: r.name }));
      return queryClient.invalidateQueries({ queryKey: jobKeys.all });
    },
  });
}

export function PauseDialog({ queue, onClose }: { queue: string | null; onClose: () => void }) {
  const t = useT();
  const [reason, setReason] = useState('');
  const pause = usePauseQueue();
  return (
    <Dialog open={queue !== null} title={t('jobs.pauseTitle', { name: queue ?? '' })} onClose={onClose}
      footer={<>
        <Button variant="ghost" onClick={onClose}>{t('action.cancel')}</Button>
        <Button variant="danger" icon="pause" busy={pause.isPending}
          onClick={() => queue && pause.mutate({ name: queue, pause: true, reason: reason.trim() || undefined }, { onSuccess: () => { setReason(''); onClose(); } })}>
          {t('jobs.pause')}
        </Button>
      </>}>
      <p>{t('jobs.pauseText')}</p>
      <TextAreaField label={t('jobs.reason')} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} rows={2} />
      <ProblemAlert error={pause.error} />
    </Dialog>
  );
}

export function QueuesTab({ queues }: { queues: UseQueryResult<Queue[]> }) {
  const t = useT();
  const navigate = useNavigate();
  const [pausing, setPausing] = useState<string | null>(null);
  const resume = usePauseQueue();
  if (queues.isPending) return <TableSkeleton rows={5} columns={7} />;
  if (queues.error) return <ProblemAlert error={queues.error} onRetry={() => void queues.refetch()} />;
  if (!queues.data?.length) return <EmptyState icon="cpu" title={t('jobs.noQueues')}>{t('jobs.noQueuesHint')}</EmptyState>;
  return (
    <>
      <ProblemAlert error={resume.error} />
      <LastHourChart queues={queues.data} />
      <div className="table-wrap">
        <table className="table responsive cells-grid" data-testid="queues-table">
          <thead>
            <tr>
              <th>{t('jobs.queue')}</th><th className="num">{t('jobs.ready')}</th><th className="num">{t('jobs.deferred')}</th>
              <th className="num">{t('jobs.active')}</th><th className="num">{t('jobs.failed')}</th><th className="num">{t('jobs.lastHour')}</th>
              <th className="num">{t('jobs.oldestReady')}</th><th aria-label={t('jobs.actions')} />
            </tr>
          </thead>
          <tbody>
            {queues.data.map((q) => (
              <tr key={q.name} className="clickable" onClick={() => navigate(`/admin/jobs/queues/${encodeURIComponent(q.name)}`)}>
                <td data-label={t('jobs.queue')}>
                  <Link to={`/admin/jobs/queues/${encodeURIComponent(q.name)}`} className="cell-title" onClick={(e) => e.stopPropagation()}>{q.name}</Link>
                  <div className="cell-meta">
                    <span className="muted small">{q.module}</span>
                    {q.policy !== 'standard' ? <Badge>{q.policy}</Badge> : null}
                    {q.paused ? <Badge tone="warning">{t('jobs.paused')}</Badge> : null}
                  </div>
                </td>
                <td data-label={t('jobs.ready')} className="num">{q.counts.ready}</td>
                <td data-label={t('jobs.deferred')} className="num">{q.counts.deferred}</td>
                <td data-label={t('jobs.active')} className="num">{q.counts.active}</td>
                <td data-label={t('jobs.failed')} className="num">{q.counts.failed ? <Badge tone="danger">{q.counts.failed}</Badge> : 0}</td>
                <td data-label={t('jobs.lastHour')} className="num">
                  <span className="ok-count">{q.completedLastHour}</span>{q.failedLastHour ? <> / <span className="fail-count">{q.failedLastHour}</span></> : null}
                </td>
                <td data-label={t('jobs.oldestReady')} className="num muted">{formatAge(q.oldestReadyAgeSeconds)}</td>
                <td className="right" onClick={(e) => e.stopPropagation()}>
                  {q.paused
                    ? <Button size="sm" icon="play" busy={resume.isPending && resume.variables?.name === q.name} onClick={() => resume.mutate({ name: q.name, pause: false })}>{t('jobs.resume')}</Button>
                    : <Button size="sm" variant="ghost" icon="pause" onClick={() => setPausing(q.name)}>{t('jobs.pause')}</Button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <PauseDialog queue={pausing} onClose={() => setPausing(null)} />
    </>
  );
}

/** Completed and failed jobs of the last hour, per queue that did any work. */
function LastHourChart({ queues }: { queues: Queue[] }) {
  const t = useT();
  const busy = queues.filter((q) => q.completedLastHour + q.failedLastHour > 0);
  const option = useMemo(() => ({
    animationDuration: 300,
    grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 12, textStyle: { color: '#3d4856' } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#eceef2' } } },
    yAxis: { type: 'category', data: busy.map((q) => q.name), axisTick: { show: false }, axisLine: { lineStyle: { color: '#cfd4db' } }, axisLabel: { color: '#3d4856' } },
    series: [
      { name: t('jobState.completed'), type: 'bar', stack: 'n', data: busy.map((q) => q.completedLastHour), itemStyle: { color: '#1f9c75' }, barMaxWidth: 18 },
      { name: t('jobs.failed'), type: 'bar', stack: 'n', data: busy.map((q) => q.failedLastHour), itemStyle: { color: '#d64545' }, barMaxWidth: 18 },
    ],
  }), [busy.map((q) => `${q.name}:${q.completedLastHour}:${q.failedLastHour}`).join('|'), t]); // eslint-disable-line react-hooks/exhaustive-deps
  if (busy.length === 0) return null;
  return (
    <Card title={t('jobs.lastHourChart')} className="chart-card">
      <Chart option={option} height={60 + busy.length * 34} label={t('jobs.lastHourChart')} />
    </Card>
  );
}
