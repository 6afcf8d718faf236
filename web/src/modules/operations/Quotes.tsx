import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { request } from '../../api/client';
import { accessToken } from '../../api/session';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { SelectField, TextField } from '../../platform/ui/Field';
import { EmptyState, ProblemAlert, TableSkeleton } from '../../platform/ui/feedback';
import { Icon } from '../../platform/ui/icons';
import { Badge, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { useTopic } from '../../platform/realtime/stream';
import { OPS, QUOTE_STATUSES, STATUS_TONE, fmtDay, isOverdue, money, officeKeys, statusKey, todayIso, type Client, type Page, type Project, type Quote, type QuoteStatus } from './office-api';
import { useMembers, useOrganization } from './useOffice';
import './operations-office.css';

const NOTIF_ICON = { delivered: '✓', queued: '⏳', failed: '⚠', skipped: '–' } as const;

/** Devis (spec §9.1): status chips, client/project/responsible/due filters, search, overdue rows, XLSX/CSV/PDF exports, live refresh. */
export default function Quotes() {
  const t = useT();
  const { locale } = useI18n();
  const toast = useToast();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { orgs, items: organizations, current, select } = useOrganization();
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get('q') ?? '');
  const [term, setTerm] = useState(search);
  const statuses = (params.get('status') ?? '').split(',').filter(Boolean) as QuoteStatus[];
  const clientId = params.get('clientId') ?? '';
  const projectId = params.get('projectId') ?? '';
  const responsibleUserId = params.get('responsible') ?? '';
  const dueFrom = params.get('dueFrom') ?? '';
  const dueTo = params.get('dueTo') ?? '';
  const sort = params.get('sort') ?? 'createdAt';
  useEffect(() => { const timer = setTimeout(() => setTerm(search.trim()), 250); return () => clearTimeout(timer); }, [search]);
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value); else next.delete(name);
    setParams(next, { replace: true });
  };
  const toggleStatus = (s: QuoteStatus) => setFilter('status', (statuses.includes(s) ? statuses.filter((x) => x !== s) : [...statuses, s]).join(','));

  const orgId = current?.id;
  const members = useMembers(orgId);
  const clients = useQuery({ queryKey: officeKeys.clients({ orgId, all: true }), enabled: !!orgId, queryFn: ({ signal }) => request<Page<Client>>('GET', `${OPS}/clients`, { query: { organizationId: orgId, limit: 200 }, signal }) });
  const projects = useQuery({ queryKey: officeKeys.projects({ orgId, all: true }), enabled: !!orgId, queryFn: ({ signal }) => request<Page<Project>>('GET', `${OPS}/projects`, { query: { organizationId: orgId, limit: 200 }, signal }) });
  const query = { organizationId: orgId, status: statuses.length ? statuses : undefined, clientId: clientId || undefined, projectId: projectId || undefined,
    responsibleUserId: responsibleUserId || undefined, dueFrom: dueFrom || undefined, dueTo: dueTo || undefined, q: term || undefined };
  const quotes = useInfiniteQuery({
    queryKey: officeKeys.quotes({ ...query, sort }), enabled: !!orgId,
    queryFn: ({ pageParam, signal }) => request<Page<Quote>>('GET', `${OPS}/quotes`, { query: { ...query, sort, cursor: pageParam, limit: 50 }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  useTopic(orgId ? `operations.quotes:${orgId}` : null, () => { void queryClient.invalidateQueries({ queryKey: ['operations', 'quotes'] }); });
  const rows = useMemo(() => quotes.data?.pages.flatMap((p) => p.items) ?? [], [quotes.data]);
  const today = todayIso();
  const filtered = !!(statuses.length || clientId || projectId || responsibleUserId || dueFrom || dueTo || term);
  const exportAs = async (format: 'xlsx' | 'csv' | 'pdf') => {
    const qs = new URLSearchParams({ format });
    for (const [k, v] of Object.entries(query)) if (v !== undefined) (Array.isArray(v) ? v : [v]).forEach((x) => qs.append(k, String(x)));
    try {
      const token = await accessToken();
      const res = await fetch(`${OPS}/quotes/export?${qs}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      if (res.status === 202) { toast(t('operations.exportStarted'), 'info'); return; }
      if (!res.ok) { const p = await res.json().catch(() => ({})); throw new Error(p.detail ?? String(res.status)); }
      const url = URL.createObjectURL(await res.blob());
      const link = document.createElement('a');
      link.href = url; link.download = `devis-${today}.${format}`; link.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (err) { toast((err as Error).message, 'error'); }
  };

  return (
    <>
      <PageHeader title={t('operations.quotes')} description={t('operations.quotesLead')}
        actions={<div className="button-row">
          <Button onClick={() => void exportAs('xlsx')} icon="download">XLSX</Button>
          <Button onClick={() => void exportAs('csv')} icon="download">CSV</Button>
          <Button onClick={() => void exportAs('pdf')} icon="download">PDF</Button>
          <Link className="btn btn-primary" to={`/operations/quotes/new${orgId ? `?org=${orgId}` : ''}`}><Icon name="plus" size={17} />{t('operations.newQuote')}</Link>
        </div>} />
      <ProblemAlert error={orgs.error} onRetry={() => void orgs.refetch()} />
      {orgs.isSuccess && organizations.length === 0 ? <EmptyState icon="users" title={t('operations.noOrganization')}>{t('operations.noOrganizationHint')}</EmptyState> : null}
      {organizations.length > 0 ? <>
        <div className="ops-chips" role="group" aria-label={t('operations.status')}>
          {QUOTE_STATUSES.map((s) => (
            <button key={s} className={`ops-chip${statuses.includes(s) ? ' active' : ''}`} aria-pressed={statuses.includes(s)} onClick={() => toggleStatus(s)}>{t(statusKey(s))}</button>
          ))}
        </div>
        <div className="filters ops-filters">
          {organizations.length > 1 ? <SelectField label={t('operations.organization')} name="org" value={orgId ?? ''} onChange={(e) => select(e.target.value)} options={organizations.map((o) => ({ value: o.id, label: o.name }))} /> : null}
          <div className="search-field ops-search">
            <Icon name="search" />
            <TextField label={t('operations.search')} type="search" name="q" placeholder={t('operations.searchQuotes')} value={search} onChange={(e) => { setSearch(e.target.value); setFilter('q', e.target.value); }} maxLength={200} />
          </div>
          <SelectField label={t('operations.client')} name="clientId" value={clientId} onChange={(e) => setFilter('clientId', e.target.value)}
            options={[{ value: '', label: t('operations.any') }, ...(clients.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))]} />
          <SelectField label={t('operations.project')} name="projectId" value={projectId} onChange={(e) => setFilter('projectId', e.target.value)}
            options={[{ value: '', label: t('operations.any') }, ...(projects.data?.items ?? []).map((p) => ({ value: p.id, label: `${p.number} — ${p.name}` }))]} />
          <SelectField label={t('operations.responsible')} name="responsible" value={responsibleUserId} onChange={(e) => setFilter('responsible', e.target.value)}
            options={[{ value: '', label: t('operations.any') }, ...(members.data?.items ?? []).map((m) => ({ value: m.userId, label: m.displayName }))]} />
          <TextField label={t('operations.dueFrom')} type="date" name="dueFrom" value={dueFrom} onChange={(e) => setFilter('dueFrom', e.target.value)} />
          <TextField label={t('operations.dueTo')} type="date" name="dueTo" value={dueTo} onChange={(e) => setFilter('dueTo', e.target.value)}
            error={dueFrom && dueTo && dueTo < dueFrom ? t('operations.dueRangeInvalid') : undefined} />
          <SelectField label={t('operations.sortBy')} name="sort" value={sort} onChange={(e) => setFilter('sort', e.target.value === 'createdAt' ? '' : e.target.value)}
            options={[{ value: 'createdAt', label: t('operations.sort.createdAt') }, { value: 'dueDate', label: t('operations.sort.dueDate') }, { value: 'amount', label: t('operations.sort.amount') }]} />
        </div>
        <ProblemAlert error={quotes.error} onRetry={() => void quotes.refetch()} />
        {quotes.isPending ? <TableSkeleton rows={8} columns={8} /> : rows.length === 0 && !quotes.error ? (
          <EmptyState icon="list" title={filtered ? t('operations.noMatch') : t('operations.noQuotes')}
            action={filtered ? <Button onClick={() => { setSearch(''); setTerm(''); setParams(new URLSearchParams(orgId ? { org: orgId } : {}), { replace: true }); }}>{t('action.clear')}</Button> : <Link className="btn btn-primary" to="/operations/quotes/new">{t('operations.newQuote')}</Link>}>
            {filtered ? t('operations.noMatchHint') : t('operations.noQuotesHint')}
          </EmptyState>
        ) : rows.length ? (
          <div className="table-wrap">
            <table className="table ops-table" data-testid="quotes-table">
              <thead><tr>
                <th>{t('operations.number')}</th><th>{t('operations.title')}</th><th>{t('operations.client')}</th><th className="num">{t('operations.amount')}</th>
                <th>{t('operations.status')}</th><th>{t('operations.startDate')}</th><th>{t('operations.dueDate')}</th><th>{t('operations.quoteNotifs')}</th><th>{t('operations.responsible')}</th>
              </tr></thead>
              <tbody>
                {rows.map((q) => {
                  const overdue = isOverdue(q, today);
                  return (
                    <tr key={q.id} className={overdue ? 'ops-overdue' : undefined} onClick={() => navigate(`/operations/quotes/${q.id}`)} tabIndex={0}
                      onKeyDown={(e) => { if (e.key === 'Enter') navigate(`/operations/quotes/${q.id}`); }}>
                      <td className="mono">{q.number ?? <span className="muted">{t('operations.noNumber')}</span>}</td>
                      <td><Link to={`/operations/quotes/${q.id}`} onClick={(e) => e.stopPropagation()}>{q.title}</Link>{q.projectName ? <div className="muted small">{q.projectName}</div> : null}</td>
                      <td>{q.clientName}</td>
                      <td className="num">{money(q.amount, q.currency, locale)}</td>
                      <td><Badge tone={STATUS_TONE[q.status]}>{t(statusKey(q.status))}</Badge></td>
                      <td>{fmtDay(q.startDate, locale)}</td>
                      <td>{fmtDay(q.dueDate, locale)}{overdue ? <> <Badge tone="danger">{t('operations.overdue')}</Badge></> : null}</td>
                      <td className="ops-badges">{(q.notifications ?? []).map((n) => (
                        <span key={n.kind} className={`ops-notif ops-notif-${n.status}`} title={`${t(`operations.notif.${n.kind}` as 'operations.notif.period_started')} · ${fmtDay(n.eventDate, locale)} · ${t(`operations.notifStatus.${n.status}` as 'operations.notifStatus.queued')}`}>
                          {NOTIF_ICON[n.status]} {t(`operations.notifShort.${n.kind}` as 'operations.notifShort.period_started')}
                        </span>
                      ))}</td>
                      <td>{q.responsibleName}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}
        {quotes.hasNextPage ? <div className="load-more"><Button onClick={() => void quotes.fetchNextPage()} busy={quotes.isFetchingNextPage}>{t('operations.loadMore')}</Button></div> : null}
      </> : null}
    </>
  );
}
