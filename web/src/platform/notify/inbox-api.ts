import { useQueryClient } from '@tanstack/react-query';
import type { ApiResult } from '../../api/client';
import { useAuth } from '../auth/auth';
import { useTopic } from '../realtime/stream';

export type InboxMessage = ApiResult<'/api/v1/inbox/{id}', 'get'>;

export const inboxKeys = {
  all: ['inbox'] as const,
  unread: ['inbox', 'unread-count'] as const,
  list: (filter: 'all' | 'unread') => ['inbox', 'list', filter] as const,
  latest: ['inbox', 'latest'] as const,
};

/** New inbox messages arrive on the user's own topic; the counts and lists refresh when one does. */
export function useLiveInbox(onMessage?: (message: InboxMessage) => void) {
  const { me } = useAuth();
  const queryClient = useQueryClient();
  useTopic(me ? `user:${me.id}` : null, (event, data) => {
    if (event !== 'inbox.message') return;
    queryClient.setQueryData<{ unread: number }>(inboxKeys.unread, (old) => ({ unread: (old?.unread ?? 0) + 1 }));
    void queryClient.invalidateQueries({ queryKey: inboxKeys.all });
    onMessage?.(data as InboxMessage);
  });
}

/** Links in messages are paths of this app or full URLs. */
export const isInternalLink = (link: string) => link.startsWith('/') && !link.startsWith('//');
