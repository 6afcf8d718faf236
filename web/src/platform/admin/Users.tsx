import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useI18n, useT, type MessageKey } from '../i18n';
import { Button } from '../ui/Button';
import { SelectField, TextField } from '../ui/Field';
import { EmptyState, ProblemAlert, TableSkeleton } from '../ui/feedback';
import { Badge, PageHeader } from '../ui/layout';
import { Icon } from '../ui/icons';
import { CreateUserDialog } from './CreateUserDialog';
import { ROLES } from './roles';

function useDebounced<T>(value: T, ms = 250): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return debounced;
}

export default function Users() {
  const t = useT();
  const { formatDate } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get('search') ?? '');
  const role = params.get('role') ?? '';
  const status = params.get('status') ?? '';
  const [creating, setCreating] = useState(false);
  const term = useDebounced(search.trim());

  useEffect(() => {
    const next = new URLSearchParams(params);
    if (term) next.set('search', term); else next.delete('search');
    if (next.toString() !== params.toString()) setParams(next, { replace: true });
  }, [term]); // eslint-disable-line react-hooks/exhaustive-deps

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value); else next.delete(name);
    setParams(next, { replace: true });
  };

  const users = useInfiniteQuery({
    queryKey: ['users', { term, role, status }],
    queryFn: ({ pageParam, signal }) => api.get('/api/v1/users', {
      query: { search: term || undefined, role: (role || undefined) as never, status: (status || undefined) as never, cursor: pageParam, limit: 50 },
      signal,
    }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = users.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = !!(term || role || status);

  return (
    <>
      <PageHeader title={t('users.title')} description={t('users.description')}
        actions={<Button variant="primary" icon="plus" onClick={() => setCreating(true)}>{t('users.create')}</Button>} />
      <div className="toolbar">
        <div className="search-field">
          <Icon name="search" />
          <TextField label={t('users.search')} type="search" placeholder={t('users.searchPlaceholder')} value={search} onChange={(e) => setSearch(e.target.value)} maxLength={100} name="search" />
        </div>
        <SelectField label={t('users.role')} value={role} onChange={(e) => setFilter('role', e.target.value)} name="role"
          options={[{ value: '', label: t('users.anyRole') }, ...ROLES.map((r) => ({ value: r, label: t(`role.${r}` as MessageKey) }))]} />
        <SelectField label={t('users.status')} value={status} onChange={(e) => setFilter('status', e.target.value)} name="status"
          options={[{ value: '', label: t('users.anyStatus') }, { value: 'active', label: t('status.active') }, { value: 'locked', label: t('status.locked') }]} />
      </div>
      <ProblemAlert error={users.error} onRetry={() => void users.refetch()} />
      {users.isPending ? <TableSkeleton rows={6} columns={4} /> : items.length === 0 && !users.error ? (
        <EmptyState icon="users" title={filtered ? t('users.noMatch') : t('users.none')}>
          {filtered ? t('users.noMatchHint') : t('users.noneHint')}
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table responsive" data-testid="users-table">
            <thead>
              <tr><th>{t('users.name')}</th><th>{t('users.roles')}</th><th>{t('users.status')}</th><th>{t('users.created')}</th><th aria-label={t('common.open')} /></tr>
            </thead>
            <tbody>
              {items.map((u) => (
                <tr key={u.id} className="clickable" onClick={() => navigate(`/admin/users/${u.id}`)}>
                  <td data-label={t('users.name')}>
                    <Link to={`/admin/users/${u.id}`} onClick={(e) => e.stopPropagation()} className="cell-title">{u.displayName}</Link>
                    <div className="muted small">{u.email}</div>
                  </td>
                  <td data-label={t('users.roles')}><span className="badges">{u.roles.map((r) => <Badge key={r}>{t(`role.${r}` as MessageKey)}</Badge>)}</span></td>
                  <td data-label={t('users.status')}>{u.status === 'locked' ? <Badge tone="danger">{t('status.locked')}</Badge> : <Badge tone="success">{t('status.active')}</Badge>}</td>
                  <td data-label={t('users.created')} className="muted">{formatDate(u.createdAt, 'date')}</td>
                  <td className="cell-arrow"><Icon name="chevronRight" /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {users.hasNextPage ? (
        <div className="load-more"><Button busy={users.isFetchingNextPage} onClick={() => void users.fetchNextPage()}>{t('common.loadMore')}</Button></div>
      ) : null}
      <CreateUserDialog open={creating} onClose={() => setCreating(false)} onCreated={(id) => {
        setCreating(false);
        void queryClient.invalidateQueries({ queryKey: ['users'] });
        navigate(`/admin/users/${id}`);
      }} />
    </>
  );
}
