import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useI18n, useT } from '../i18n';
import { Button } from '../ui/Button';
import { EmptyState, ProblemAlert, TableSkeleton } from '../ui/feedback';
import { Badge, PageHeader } from '../ui/layout';
import { inboxKeys, isInternalLink, type InboxMessage } from './inbox-api';

export default function Inbox() {
  const t = useT();
  const { formatDate } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [filter, setFilter] = useState<'all' | 'unread'>('all');
  const messages = useInfiniteQuery({
    queryKey: inboxKeys.list(filter),
    queryFn: ({ pageParam, signal }) => api.get('/api/v1/inbox', { query: { unread: filter === 'unread' ? true : undefined, cursor: pageParam, limit: 30 }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const markRead = useMutation({
    mutationFn: (id: string) => api.post('/api/v1/inbox/{id}/read', { params: { id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: inboxKeys.all }),
  });
  const markAll = useMutation({
    mutationFn: () => api.post('/api/v1/inbox/read-all'),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: inboxKeys.all }),
  });
  const items = messages.data?.pages.flatMap((p) => p.items) ?? [];
  const open = (m: InboxMessage) => {
    if (!m.readAt) markRead.mutate(m.id);
    if (m.link && isInternalLink(m.link)) navigate(m.link);
    else if (m.link) window.open(m.link, '_blank', 'noopener');
  };

  return (
    <>
      <PageHeader title={t('nav.inbox')} description={t('inbox.description')}
        actions={<Button icon="check" busy={markAll.isPending} onClick={() => markAll.mutate()}>{t('inbox.markAllRead')}</Button>} />
      <div className="segmented large tabs-row" role="tablist">
        {(['all', 'unread'] as const).map((f) => (
          <button key={f} role="tab" aria-selected={filter === f} className={filter === f ? 'active' : ''} onClick={() => setFilter(f)}>
            {f === 'all' ? t('inbox.all') : t('inbox.unread')}
          </button>
        ))}
      </div>
      <ProblemAlert error={messages.error ?? markAll.error} onRetry={() => void messages.refetch()} />
      {messages.isPending ? <TableSkeleton rows={5} columns={2} /> : items.length === 0 && !messages.error ? (
        <EmptyState icon="inbox" title={filter === 'unread' ? t('inbox.noUnread') : t('inbox.empty')}>{t('inbox.emptyHint')}</EmptyState>
      ) : (
        <ul className="inbox-list" data-testid="inbox-list">
          {items.map((m) => (
            <li key={m.id} className={`inbox-item${m.readAt ? '' : ' unread'}`}>
              <button onClick={() => open(m)}>
                <span className="inbox-item-head">
                  {!m.readAt ? <span className="dot" aria-label={t('inbox.unread')} /> : null}
                  <strong>{m.title}</strong>
                  {m.critical ? <Badge tone="danger">{t('inbox.critical')}</Badge> : null}
                  <span className="inbox-item-time">{formatDate(m.createdAt, 'relative')}</span>
                </span>
                <span className="inbox-item-body">{m.body}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {messages.hasNextPage ? <div className="load-more"><Button busy={messages.isFetchingNextPage} onClick={() => void messages.fetchNextPage()}>{t('common.loadMore')}</Button></div> : null}
    </>
  );
}
