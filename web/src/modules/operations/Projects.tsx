import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, request } from '../../api/client';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Dialog } from '../../platform/ui/Dialog';
import { SelectField, TextAreaField, TextField } from '../../platform/ui/Field';
import { EmptyState, ProblemAlert, TableSkeleton } from '../../platform/ui/feedback';
import { Icon } from '../../platform/ui/icons';
import { Badge, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { OPS, STATUS_TONE, downloadFile, money, officeKeys, statusKey, type Client, type Page, type Project, type QuoteStatus } from './office-api';
import { useOrganization } from './useOffice';
import './operations-office.css';

const PROJECT_STATUSES = ['planned', 'active', 'on_hold', 'done', 'cancelled'] as const;
type ProjectForm = { number: string; name: string; clientId: string; team: string; type: string; description: string; status: Project['status'] };
const EMPTY: ProjectForm = { number: '', name: '', clientId: '', team: '', type: '', description: '', status: 'planned' };
interface ProjectDetail extends Project { totalsByStatus: { status: QuoteStatus; currency: string; count: number; amount: string }[] }

/** Projects (spec §9.3): list with filters, create and edit; a project shows its quote totals by status. */
export default function Projects() {
  const t = useT();
  const { locale } = useI18n();
  const toast = useToast();
  const queryClient = useQueryClient();
  const { orgs, items: organizations, current, select } = useOrganization();
  const [search, setSearch] = useState('');
  const [term, setTerm] = useState('');
  const [status, setStatus] = useState('');
  const [editing, setEditing] = useState<Project | 'new' | null>(null);
  const [form, setForm] = useState<ProjectForm>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => { const timer = setTimeout(() => setTerm(search.trim()), 250); return () => clearTimeout(timer); }, [search]);
  const orgId = current?.id;
  const projects = useInfiniteQuery({
    queryKey: officeKeys.projects({ orgId, term, status }), enabled: !!orgId,
    queryFn: ({ pageParam, signal }) => request<Page<Project>>('GET', `${OPS}/projects`, { query: { organizationId: orgId, q: term || undefined, status: status || undefined, cursor: pageParam, limit: 50 }, signal }),
    initialPageParam: undefined as string | undefined, getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const clients = useQuery({ queryKey: officeKeys.clients({ orgId, all: true }), enabled: !!orgId, queryFn: ({ signal }) => request<Page<Client>>('GET', `${OPS}/clients`, { query: { organizationId: orgId, limit: 200 }, signal }) });
  const editingId = editing && editing !== 'new' ? editing.id : '';
  const detail = useQuery({ queryKey: officeKeys.project(editingId), enabled: !!editingId, queryFn: ({ signal }) => request<ProjectDetail>('GET', `${OPS}/projects/${editingId}`, { signal }) });
  const rows = projects.data?.pages.flatMap((p) => p.items) ?? [];
  const open = (p: Project | 'new') => {
    setEditing(p); setErrors({});
    setForm(p === 'new' ? EMPTY : { number: p.number, name: p.name, clientId: p.clientId ?? '', team: p.team ?? '', type: p.type ?? '', description: p.description ?? '', status: p.status });
  };
  const save = useMutation({
    mutationFn: async () => {
      const body = { number: form.number.trim(), name: form.name.trim(), clientId: form.clientId || null, team: form.team.trim() || null, type: form.type.trim() || null, description: form.description.trim() || null, status: form.status };
      return editing === 'new'
        ? request<Project>('POST', `${OPS}/projects`, { body: { organizationId: orgId, ...body } })
        : request<Project>('PATCH', `${OPS}/projects/${(editing as Project).id}`, { body: { ...body, version: (editing as Project).version } });
    },
    onSuccess: () => { setEditing(null); toast(t('operations.saved')); void queryClient.invalidateQueries({ queryKey: ['operations', 'projects'] }); },
    onError: (err) => { if (err instanceof ApiError) setErrors(err.fieldErrors()); },
  });
  const submit = () => {
    const e: Record<string, string> = {};
    if (!form.number.trim()) e.number = t('operations.required');
    if (!form.name.trim()) e.name = t('operations.required');
    setErrors(e);
    if (!Object.keys(e).length) save.mutate();
  };
  const f = (name: keyof ProjectForm) => ({ name, value: form[name], error: errors[name], onChange: (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value }) });
  const statusLabel = (s: Project['status']) => t(`operations.projectStatus.${s}` as 'operations.projectStatus.planned');

  return (
    <>
      <PageHeader title={t('operations.projects')} description={t('operations.projectsLead')}
        actions={<div className="button-row">
          <Button icon="download" onClick={() => void downloadFile(`${OPS}/projects/export?format=xlsx&organizationId=${orgId}`, 'projets.xlsx').catch((e) => toast((e as Error).message, 'error'))}>XLSX</Button>
          <Button variant="primary" icon="plus" onClick={() => open('new')} disabled={!orgId}>{t('operations.newProject')}</Button>
        </div>} />
      <ProblemAlert error={orgs.error ?? projects.error} onRetry={() => void projects.refetch()} />
      {orgs.isSuccess && organizations.length === 0 ? <EmptyState icon="users" title={t('operations.noOrganization')}>{t('operations.noOrganizationHint')}</EmptyState> : null}
      <div className="filters">
        {organizations.length > 1 ? <SelectField label={t('operations.organization')} name="org" value={orgId ?? ''} onChange={(e) => select(e.target.value)} options={organizations.map((o) => ({ value: o.id, label: o.name }))} /> : null}
        <div className="search-field ops-search"><Icon name="search" /><TextField label={t('operations.search')} type="search" name="q" placeholder={t('operations.searchProjects')} value={search} onChange={(e) => setSearch(e.target.value)} maxLength={200} /></div>
        <SelectField label={t('operations.status')} name="status" value={status} onChange={(e) => setStatus(e.target.value)} options={[{ value: '', label: t('operations.any') }, ...PROJECT_STATUSES.map((s) => ({ value: s, label: statusLabel(s) }))]} />
      </div>
      {projects.isPending && orgId ? <TableSkeleton rows={6} columns={5} /> : rows.length === 0 && orgId && !projects.error ? (
        <EmptyState icon="list" title={term || status ? t('operations.noMatch') : t('operations.noProjects')}>{term || status ? t('operations.noMatchHint') : t('operations.noProjectsHint')}</EmptyState>
      ) : rows.length ? (
        <div className="table-wrap">
          <table className="table ops-table" data-testid="projects-table">
            <thead><tr><th>{t('operations.number')}</th><th>{t('operations.name')}</th><th>{t('operations.client')}</th><th>{t('operations.team')}</th><th>{t('operations.status')}</th></tr></thead>
            <tbody>{rows.map((p) => (
              <tr key={p.id} onClick={() => open(p)}>
                <td className="mono">{p.number}</td><td>{p.name}</td><td>{p.clientName ?? '—'}</td><td>{p.team ?? '—'}</td><td><Badge>{statusLabel(p.status)}</Badge></td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      ) : null}
      {projects.hasNextPage ? <div className="load-more"><Button onClick={() => void projects.fetchNextPage()} busy={projects.isFetchingNextPage}>{t('operations.loadMore')}</Button></div> : null}
      <Dialog open={editing !== null} wide title={editing === 'new' ? t('operations.newProject') : t('operations.editProject')} onClose={() => setEditing(null)}
        footer={<><Button onClick={() => setEditing(null)}>{t('action.close')}</Button><Button variant="primary" busy={save.isPending} onClick={submit}>{t('action.save')}</Button></>}>
        <ProblemAlert error={save.error} fields={Object.keys(EMPTY)} />
        <div className="ops-grid">
          <TextField label={t('operations.number')} required maxLength={50} {...f('number')} />
          <TextField label={t('operations.name')} required maxLength={200} {...f('name')} />
          <SelectField label={t('operations.status')} options={PROJECT_STATUSES.map((s) => ({ value: s, label: statusLabel(s) }))} {...f('status')} />
          <SelectField label={t('operations.client')} options={[{ value: '', label: t('operations.none') }, ...(clients.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))]} {...f('clientId')} />
          <TextField label={t('operations.team')} maxLength={100} {...f('team')} />
          <TextField label={t('operations.type')} maxLength={100} {...f('type')} />
        </div>
        <TextAreaField label={t('operations.description')} rows={3} maxLength={5000} name="description" value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
        {editingId ? <>
          <h3 className="ops-subtitle">{t('operations.quotesByStatus')}</h3>
          {detail.data?.totalsByStatus.length ? <table className="table"><tbody>{detail.data.totalsByStatus.map((x) => (
            <tr key={`${x.status}-${x.currency}`}><td><Badge tone={STATUS_TONE[x.status]}>{t(statusKey(x.status))}</Badge></td><td className="num">{x.count}</td><td className="num">{money(x.amount, x.currency, locale)}</td></tr>
          ))}</tbody></table> : <p className="muted small">{detail.isPending ? '…' : t('operations.noQuotes')}</p>}
          <Link to={`/operations/quotes?org=${orgId}&projectId=${editingId}`}>{t('operations.seeQuotes')}</Link>
        </> : null}
      </Dialog>
    </>
  );
}
