import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useI18n, useT } from '../i18n';
import { Button } from '../ui/Button';
import { EmptyState, ProblemAlert, TableSkeleton } from '../ui/feedback';
import { useToast } from '../ui/toast';
import { formatAge, jobKeys } from './jobs-api';

export function DeadLetterTab({ refetchInterval }: { refetchInterval: number }) {
  const t = useT();
  const { formatDate } = useI18n();
  const toast = useToast();
  const queryClient = useQueryClient();
  const dead = useInfiniteQuery({
    queryKey: [...jobKeys.all, 'dead-letter'],
    queryFn: ({ pageParam, signal }) => api.get('/api/v1/jobs/dead-letter', { query: { cursor: pageParam, limit: 50 }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval,
  });
  const redrive = useMutation({
    mutationFn: (sourceQueue?: string) => api.post('/api/v1/jobs/dead-letter/redrive', { body: { sourceQueue, limit: 1000 } }),
    onSuccess: (r) => { toast(t('jobs.redriven', { n: r.moved })); return queryClient.invalidateQueries({ queryKey: jobKeys.all }); },
  });
  const items = dead.data?.pages.flatMap((p) => p.items) ?? [];
  if (dead.isPending) return <TableSkeleton rows={4} columns={4} />;
  return (
    <>
      <div className="tab-intro">
        <p className="muted">{t('jobs.deadLetterHint')}</p>
        {items.length ? <Button icon="refresh" busy={redrive.isPending && redrive.variables === undefined} onClick={() => redrive.mutate(undefined)}>{t('jobs.redriveAll')}</Button> : null}
      </div>
      <ProblemAlert error={dead.error ?? redrive.error} onRetry={() => void dead.refetch()} />
      {items.length === 0 && !dead.error ? <EmptyState icon="check" title={t('jobs.noDeadLetters')} /> : (
        <div className="table-wrap">
          <table className="table responsive" data-testid="dead-letter">
            <thead><tr><th>{t('jobs.queue')}</th><th>{t('jobs.error')}</th><th>{t('jobs.deadLettered')}</th><th className="num">{t('jobs.age')}</th><th aria-label={t('jobs.actions')} /></tr></thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id}>
                  <td data-label={t('jobs.queue')}><strong>{d.sourceQueue ?? '—'}</strong><div className="muted small"><code className="id">{d.sourceJobId?.slice(0, 8)}</code></div></td>
                  <td data-label={t('jobs.error')} className="error-cell">{d.errorMessage ?? '—'}</td>
                  <td data-label={t('jobs.deadLettered')} className="nowrap">{formatDate(d.deadLetteredOn)}</td>
                  <td data-label={t('jobs.age')} className="num">{formatAge(d.ageSeconds)}</td>
                  <td className="right">
                    {d.sourceQueue ? <Button size="sm" busy={redrive.isPending && redrive.variables === d.sourceQueue} onClick={() => redrive.mutate(d.sourceQueue!)}>{t('jobs.redriveQueue')}</Button> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dead.hasNextPage ? <div className="load-more"><Button busy={dead.isFetchingNextPage} onClick={() => void dead.fetchNextPage()}>{t('common.loadMore')}</Button></div> : null}
    </>
  );
}
