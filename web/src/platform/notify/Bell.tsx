import { useCallback, useRef, useState } from 'react';
import { useDismiss } from '../ui/useDismiss';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useI18n, useT } from '../i18n';
import { Icon } from '../ui/icons';
import { Skeleton } from '../ui/feedback';
import { useToast } from '../ui/toast';
import { inboxKeys, isInternalLink, useLiveInbox, type InboxMessage } from './inbox-api';

export function Bell() {
  const t = useT();
  const { formatDate } = useI18n();
  const toast = useToast();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const closeMenu = useCallback(() => setOpen(false), []);

  const unread = useQuery({ queryKey: inboxKeys.unread, queryFn: () => api.get('/api/v1/inbox/unread-count'), refetchInterval: 120_000 });
  const latest = useQuery({ queryKey: inboxKeys.latest, queryFn: () => api.get('/api/v1/inbox', { query: { limit: 6 } }), enabled: open });
  useLiveInbox((message) => toast(message.title, message.critical ? 'error' : 'info'));

  const markRead = useMutation({
    mutationFn: (id: string) => api.post('/api/v1/inbox/{id}/read', { params: { id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: inboxKeys.all }),
  });
  const markAll = useMutation({
    mutationFn: () => api.post('/api/v1/inbox/read-all'),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: inboxKeys.all }),
  });

  useDismiss(ref, open, closeMenu);

  const openMessage = (m: InboxMessage) => {
    if (!m.readAt) markRead.mutate(m.id);
    setOpen(false);
    if (m.link && isInternalLink(m.link)) navigate(m.link);
    else if (m.link) window.open(m.link, '_blank', 'noopener');
    else navigate('/inbox');
  };

  const count = unread.data?.unread ?? 0;
  return (
    <div className="menu" ref={ref}>
      <button className="icon-btn" onClick={() => setOpen((o) => !o)} aria-haspopup="dialog" aria-expanded={open} data-testid="bell"
        aria-label={count ? t('inbox.bellUnread', { n: count }) : t('inbox.bell')}>
        <Icon name="bell" size={20} />
        {count > 0 ? <span className="bell-count" data-testid="bell-count">{count > 99 ? '99+' : count}</span> : null}
      </button>
      {open ? (
        <div className="menu-popover bell-popover" role="dialog" aria-label={t('nav.inbox')}>
          <div className="bell-header">
            <strong>{t('nav.inbox')}</strong>
            {count > 0 ? <button className="link-btn small-inline" onClick={() => markAll.mutate()}>{t('inbox.markAllRead')}</button> : null}
          </div>
          {latest.isPending ? <div className="bell-body"><Skeleton lines={3} /></div> : latest.data?.items.length ? (
            <ul className="bell-list">
              {latest.data.items.map((m) => (
                <li key={m.id}>
                  <button className={`bell-item${m.readAt ? '' : ' unread'}`} onClick={() => openMessage(m)}>
                    <span className="bell-item-title">{m.critical ? <span className="dot dot-danger" /> : !m.readAt ? <span className="dot" /> : null}{m.title}</span>
                    <span className="bell-item-body">{m.body}</span>
                    <span className="bell-item-time">{formatDate(m.createdAt, 'relative')}</span>
                  </button>
                </li>
              ))}
            </ul>
          ) : <p className="bell-body muted">{t('inbox.empty')}</p>}
          <Link to="/inbox" className="bell-footer" onClick={() => setOpen(false)}>{t('inbox.openAll')}</Link>
        </div>
      ) : null}
    </div>
  );
}
