import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useI18n, useT, type MessageKey } from '../i18n';
import { Button } from '../ui/Button';
import { EmptyState, ProblemAlert, TableSkeleton } from '../ui/feedback';
import { Badge, PageHeader } from '../ui/layout';
import { Icon } from '../ui/icons';
import { jobKeys, STATE_TONE, useLiveJobs, type JobState } from './jobs-api';
import { JobDialog } from './JobDialog';
import { LiveBadge } from './LiveBadge';
import { PauseDialog, usePauseQueue } from './QueuesTab';

const STATES: (JobState | 'all')[] = ['all', 'failed', 'retry', 'created', 'active', 'completed', 'cancelled'];

export default function QueueDetail() {
  const { name = '' } = useParams();
  const t = useT();
  const { formatDate } = useI18n();
  const [params, setParams] = useSearchParams();
  const state = (params.get('state') ?? 'all') as JobState | 'all';
  const jobId = params.get('job');
  const { refetchInterval, live } = useLiveJobs();
  const [pausing, setPausing] = useState(false);
  const resume = usePauseQueue();

  const queues = useQuery({ queryKey: [...jobKeys.all, 'queues'], queryFn: () => api.get('/api/v1/jobs/queues'), refetchInterval });
  const queue = queues.data?.find((q) => q.name === name);
  const jobs = useInfiniteQuery({
    queryKey: [...jobKeys.all, 'queue', name, state],
    queryFn: ({ pageParam, signal }) => api.get('/api/v1/jobs/queues/{name}/jobs', {
      params: { name }, query: { state: state === 'all' ? undefined : state, cursor: pageParam, limit: 50 }, signal,
    }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval,
  });
  const items = jobs.data?.pages.flatMap((p) => p.items) ?? [];
  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value); else next.delete(key);
    setParams(next, { replace: key === 'job' ? false : true });
  };

  return (
    <>
      <Link to="/admin/jobs" className="back-link"><Icon name="chevronLeft" size={16} />{t('jobs.title')}</Link>
      <PageHeader title={<code className="title-code">{name}</code>}
        description={queue ? <span className="badges">
          <span>{queue.module}</span>
          {queue.paused ? <Badge tone="warning">{t('jobs.paused')}</Badge> : null}
          <span className="muted">{t('jobs.queueCounts', { ready: queue.counts.ready, active: queue.counts.active, failed: queue.counts.failed })}</span>
        </span> : null}
        actions={<>
          <LiveBadge live={live} />
          {queue?.paused
            ? <Button icon="play" variant="primary" busy={resume.isPending} onClick={() => resume.mutate({ name, pause: false })}>{t('jobs.resume')}</Button>
            : queue ? <Button icon="pause" onClick={() => setPausing(true)}>{t('jobs.pause')}</Button> : null}
        </>} />
      <div className="segmented tabs-row scroll-x" role="tablist">
        {STATES.map((s) => (
          <button key={s} role="tab" aria-selected={state === s} className={state === s ? 'active' : ''} onClick={() => set('state', s === 'all' ? null : s)}>
            {t(`jobState.${s}` as MessageKey)}
          </button>
        ))}
      </div>
      <ProblemAlert error={jobs.error ?? resume.error} onRetry={() => void jobs.refetch()} />
      {jobs.isPending ? <TableSkeleton rows={6} columns={5} /> : items.length === 0 && !jobs.error ? (
        <EmptyState icon="cpu" title={t('jobs.noJobs')} />
      ) : (
        <div className="table-wrap">
          <table className="table responsive" data-testid="jobs-table">
            <thead><tr><th>{t('jobs.job')}</th><th>{t('jobs.state')}</th><th>{t('jobs.created')}</th><th>{t('jobs.finished')}</th><th className="num">{t('jobs.attemptsHead')}</th></tr></thead>
            <tbody>
              {items.map((j) => (
                <tr key={j.id} className="clickable" onClick={() => set('job', j.id)}>
                  <td data-label={t('jobs.job')}><code className="id">{j.id.slice(0, 8)}…</code>{j.singletonKey ? <div className="muted small">{j.singletonKey}</div> : null}</td>
                  <td data-label={t('jobs.state')}><Badge tone={STATE_TONE[j.state]}>{t(`jobState.${j.state}` as MessageKey)}</Badge></td>
                  <td data-label={t('jobs.created')} className="nowrap">{formatDate(j.createdOn)}</td>
                  <td data-label={t('jobs.finished')} className="nowrap muted">{formatDate(j.completedOn)}</td>
                  <td data-label={t('jobs.attemptsHead')} className="num">{j.retryCount + (j.startedOn ? 1 : 0)} / {j.retryLimit + 1}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {jobs.hasNextPage ? <div className="load-more"><Button busy={jobs.isFetchingNextPage} onClick={() => void jobs.fetchNextPage()}>{t('common.loadMore')}</Button></div> : null}
      <JobDialog queue={name} id={jobId} onClose={() => set('job', null)} refetchInterval={refetchInterval} />
      <PauseDialog queue={pausing ? name : null} onClose={() => setPausing(false)} />
    </>
  );
}
