import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, type ApiQuery } from '../../api/client';
import { useI18n, useT } from '../i18n';
import { Button } from '../ui/Button';
import { TextField } from '../ui/Field';
import { EmptyState, ProblemAlert, TableSkeleton } from '../ui/feedback';
import { PageHeader } from '../ui/layout';
import { Icon } from '../ui/icons';

const FILTERS = ['action', 'entity', 'entityId', 'actorId', 'from', 'to'] as const;
type Filter = (typeof FILTERS)[number];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// <input type="datetime-local"> speaks local time without a zone; the API wants ISO-8601 UTC.
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);
const toLocal = (iso: string | null) => {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

export default function AuditEvents() {
  const t = useT();
  const { formatDate } = useI18n();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const applied = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<Filter, string>;
  const [draft, setDraft] = useState({ ...applied, from: toLocal(applied.from), to: toLocal(applied.to) });
  const actorInvalid = draft.actorId !== '' && !UUID.test(draft.actorId);

  const apply = (e?: FormEvent) => {
    e?.preventDefault();
    if (actorInvalid) return;
    const next = new URLSearchParams();
    for (const f of FILTERS) {
      const value = f === 'from' || f === 'to' ? toIso(draft[f]) : draft[f].trim();
      if (value) next.set(f, value);
    }
    setParams(next);
  };
  const clear = () => {
    setDraft({ action: '', entity: '', entityId: '', actorId: '', from: '', to: '' });
    setParams(new URLSearchParams());
  };

  const query: Partial<ApiQuery<'/api/v1/audit-events', 'get'>> = Object.fromEntries(FILTERS.filter((f) => applied[f]).map((f) => [f, applied[f]]));
  const events = useInfiniteQuery({
    queryKey: ['audit', query],
    queryFn: ({ pageParam, signal }) => api.get('/api/v1/audit-events', { query: { ...query, cursor: pageParam, limit: 50 }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = events.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Object.keys(query).length > 0;
  const set = (f: Filter) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [f]: e.target.value }));

  return (
    <>
      <PageHeader title={t('audit.title')} description={t('audit.description')} />
      <form className="filters card" onSubmit={apply}>
        <TextField label={t('audit.action')} placeholder="auth.*" value={draft.action} onChange={set('action')} hint={t('audit.actionHint')} maxLength={100} name="action" />
        <TextField label={t('audit.entity')} placeholder="user" value={draft.entity} onChange={set('entity')} maxLength={100} name="entity" />
        <TextField label={t('audit.entityId')} value={draft.entityId} onChange={set('entityId')} maxLength={100} name="entityId" />
        <TextField label={t('audit.actorId')} value={draft.actorId} onChange={set('actorId')} name="actorId" error={actorInvalid ? t('validation.uuid') : undefined} />
        <TextField label={t('field.from')} type="datetime-local" value={draft.from} onChange={set('from')} name="from" />
        <TextField label={t('field.to')} type="datetime-local" value={draft.to} onChange={set('to')} name="to" />
        <div className="filters-actions">
          <Button type="submit" variant="primary" icon="search">{t('action.apply')}</Button>
          {filtered ? <Button variant="ghost" onClick={clear}>{t('action.clear')}</Button> : null}
        </div>
      </form>
      <ProblemAlert error={events.error} onRetry={() => void events.refetch()} />
      {events.isPending ? <TableSkeleton rows={8} columns={5} /> : items.length === 0 && !events.error ? (
        <EmptyState icon="list" title={filtered ? t('audit.noMatch') : t('audit.none')}>{filtered ? t('audit.noMatchHint') : null}</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table responsive" data-testid="audit-table">
            <thead><tr><th>{t('audit.when')}</th><th>{t('audit.action')}</th><th>{t('audit.actor')}</th><th>{t('audit.entity')}</th><th>{t('audit.ip')}</th><th aria-label={t('common.open')} /></tr></thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id} className="clickable" onClick={() => navigate(`/admin/audit/${e.id}`)}>
                  <td data-label={t('audit.when')} className="nowrap">{formatDate(e.at)}</td>
                  <td data-label={t('audit.action')}><Link to={`/admin/audit/${e.id}`} onClick={(ev) => ev.stopPropagation()}><code>{e.action}</code></Link></td>
                  <td data-label={t('audit.actor')}>{e.actorEmail ?? <span className="muted">{t('audit.system')}</span>}</td>
                  <td data-label={t('audit.entity')}><span className="muted">{e.entity}</span>{e.entityId ? <code className="id"> …{e.entityId.slice(-8)}</code> : null}</td>
                  <td data-label={t('audit.ip')} className="muted">{e.ip ?? '—'}</td>
                  <td className="cell-arrow"><Icon name="chevronRight" /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {events.hasNextPage ? <div className="load-more"><Button busy={events.isFetchingNextPage} onClick={() => void events.fetchNextPage()}>{t('common.loadMore')}</Button></div> : null}
    </>
  );
}
