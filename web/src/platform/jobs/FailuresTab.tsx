import { useState } from 'react';
import { Link } from 'react-router';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useI18n, useT } from '../i18n';
import { Button } from '../ui/Button';
import { EmptyState, ProblemAlert, TableSkeleton } from '../ui/feedback';
import { Badge } from '../ui/layout';
import { useToast } from '../ui/toast';
import { jobKeys, type Failure } from './jobs-api';

export function FailuresTab({ refetchInterval }: { refetchInterval: number }) {
  const t = useT();
  const failures = useInfiniteQuery({
    queryKey: [...jobKeys.all, 'failures'],
    queryFn: ({ pageParam, signal }) => api.get('/api/v1/jobs/failures', { query: { cursor: pageParam, limit: 25 }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval,
  });
  const items = failures.data?.pages.flatMap((p) => p.items) ?? [];
  if (failures.isPending) return <TableSkeleton rows={4} columns={3} />;
  return (
    <>
      <ProblemAlert error={failures.error} onRetry={() => void failures.refetch()} />
      {items.length === 0 && !failures.error ? <EmptyState icon="check" title={t('jobs.noFailures')}>{t('jobs.noFailuresHint')}</EmptyState> : (
        <ul className="failure-list" data-testid="failures">
          {items.map((f) => <FailureItem key={f.id} failure={f} />)}
        </ul>
      )}
      {failures.hasNextPage ? <div className="load-more"><Button busy={failures.isFetchingNextPage} onClick={() => void failures.fetchNextPage()}>{t('common.loadMore')}</Button></div> : null}
    </>
  );
}

function FailureItem({ failure: f }: { failure: Failure }) {
  const t = useT();
  const { formatDate } = useI18n();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const redrive = useMutation({
    mutationFn: () => api.post('/api/v1/jobs/dead-letter/redrive', { body: { sourceQueue: f.queue, limit: 100 } }),
    onSuccess: (r) => { toast(t('jobs.redriven', { n: r.moved })); return queryClient.invalidateQueries({ queryKey: jobKeys.all }); },
  });
  return (
    <li className="failure card">
      <div className="failure-head">
        <div className="failure-title">
          <Link to={`/admin/jobs/queues/${encodeURIComponent(f.queue)}?job=${f.sourceJobId}`} className="cell-title">{f.queue}</Link>
          <span className="muted small">{formatDate(f.failedAt)} · {t('jobs.attempts', { n: f.retryCount + 1 })}</span>
          {f.redrivenAt ? <Badge tone="info">{t('jobs.redrivenAt', { when: formatDate(f.redrivenAt, 'relative') })}</Badge> : null}
        </div>
        <div className="button-row">
          <Button size="sm" variant="ghost" onClick={() => setOpen((o) => !o)} aria-expanded={open}>{open ? t('jobs.hideDetails') : t('jobs.showDetails')}</Button>
          {!f.redrivenAt ? <Button size="sm" icon="refresh" busy={redrive.isPending} onClick={() => redrive.mutate()}>{t('jobs.redrive')}</Button> : null}
        </div>
      </div>
      <p className="error-message">{f.errorMessage ?? t('jobs.noMessage')}</p>
      <ProblemAlert error={redrive.error} />
      {open ? (
        <div className="failure-details">
          {f.errorStack ? <><h3>{t('jobs.stack')}</h3><pre className="code-block">{f.errorStack}</pre></> : null}
          <h3>{t('jobs.data')}</h3>
          <pre className="code-block">{JSON.stringify(f.data, null, 2)}</pre>
        </div>
      ) : null}
    </li>
  );
}
