import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError, request } from '../../api/client';
import { useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Dialog } from '../../platform/ui/Dialog';
import { SelectField, TextAreaField, TextField } from '../../platform/ui/Field';
import { EmptyState, ProblemAlert, TableSkeleton } from '../../platform/ui/feedback';
import { Icon } from '../../platform/ui/icons';
import { PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { OPS, downloadFile, officeKeys, type Client, type Page } from './office-api';
import { useOrganization } from './useOffice';
import './operations-office.css';

type ClientForm = { name: string; contactFirstName: string; contactLastName: string; email: string; phone: string; team: string; notes: string };
const EMPTY: ClientForm = { name: '', contactFirstName: '', contactLastName: '', email: '', phone: '', team: '', notes: '' };

/** Clients (spec §9.3): list with name search, create and edit, archive, exports. */
export default function Clients() {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const { orgs, items: organizations, current, select } = useOrganization();
  const [search, setSearch] = useState('');
  const [term, setTerm] = useState('');
  const [editing, setEditing] = useState<Client | 'new' | null>(null);
  const [form, setForm] = useState<ClientForm>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => { const timer = setTimeout(() => setTerm(search.trim()), 250); return () => clearTimeout(timer); }, [search]);
  const orgId = current?.id;
  const clients = useInfiniteQuery({
    queryKey: officeKeys.clients({ orgId, term }), enabled: !!orgId,
    queryFn: ({ pageParam, signal }) => request<Page<Client>>('GET', `${OPS}/clients`, { query: { organizationId: orgId, q: term || undefined, cursor: pageParam, limit: 50 }, signal }),
    initialPageParam: undefined as string | undefined, getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = clients.data?.pages.flatMap((p) => p.items) ?? [];
  const open = (c: Client | 'new') => {
    setEditing(c); setErrors({});
    setForm(c === 'new' ? EMPTY : { name: c.name, contactFirstName: c.contactFirstName ?? '', contactLastName: c.contactLastName ?? '', email: c.email ?? '', phone: c.phone ?? '', team: c.team ?? '', notes: c.notes ?? '' });
  };
  const save = useMutation({
    mutationFn: async () => {
      const body = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, k === 'name' ? v.trim() : v.trim() || null]));
      return editing === 'new'
        ? request<Client>('POST', `${OPS}/clients`, { body: { organizationId: orgId, ...body } })
        : request<Client>('PATCH', `${OPS}/clients/${(editing as Client).id}`, { body: { ...body, version: (editing as Client).version } });
    },
    onSuccess: () => { setEditing(null); toast(t('operations.saved')); void queryClient.invalidateQueries({ queryKey: ['operations', 'clients'] }); },
    onError: (err) => { if (err instanceof ApiError) setErrors(err.fieldErrors()); },
  });
  const archive = useMutation({
    mutationFn: (c: Client) => request('POST', `${OPS}/clients/${c.id}/archive`),
    onSuccess: () => { setEditing(null); toast(t('operations.archived')); void queryClient.invalidateQueries({ queryKey: ['operations', 'clients'] }); },
  });
  const submit = () => {
    const e: Record<string, string> = {};
    if (!form.name.trim()) e.name = t('operations.required');
    if (form.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(form.email)) e.email = t('operations.emailInvalid');
    if (form.phone && !/^\+[1-9][0-9]{1,14}$/.test(form.phone)) e.phone = t('operations.phoneInvalid');
    setErrors(e);
    if (!Object.keys(e).length) save.mutate();
  };
  const f = (name: keyof ClientForm) => ({ name, value: form[name], error: errors[name], onChange: (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value }) });

  return (
    <>
      <PageHeader title={t('operations.clients')} description={t('operations.clientsLead')}
        actions={<div className="button-row">
          <Button icon="download" onClick={() => void downloadFile(`${OPS}/clients/export?format=xlsx&organizationId=${orgId}`, 'clients.xlsx').catch((e) => toast((e as Error).message, 'error'))}>XLSX</Button>
          <Button icon="download" onClick={() => void downloadFile(`${OPS}/clients/export?format=csv&organizationId=${orgId}`, 'clients.csv').catch((e) => toast((e as Error).message, 'error'))}>CSV</Button>
          <Button variant="primary" icon="plus" onClick={() => open('new')} disabled={!orgId}>{t('operations.newClient')}</Button>
        </div>} />
      <ProblemAlert error={orgs.error ?? clients.error} onRetry={() => void clients.refetch()} />
      {orgs.isSuccess && organizations.length === 0 ? <EmptyState icon="users" title={t('operations.noOrganization')}>{t('operations.noOrganizationHint')}</EmptyState> : null}
      <div className="filters">
        {organizations.length > 1 ? <SelectField label={t('operations.organization')} name="org" value={orgId ?? ''} onChange={(e) => select(e.target.value)} options={organizations.map((o) => ({ value: o.id, label: o.name }))} /> : null}
        <div className="search-field ops-search"><Icon name="search" /><TextField label={t('operations.search')} type="search" name="q" placeholder={t('operations.searchClients')} value={search} onChange={(e) => setSearch(e.target.value)} maxLength={200} /></div>
      </div>
      {clients.isPending && orgId ? <TableSkeleton rows={6} columns={5} /> : rows.length === 0 && orgId && !clients.error ? (
        <EmptyState icon="users" title={term ? t('operations.noMatch') : t('operations.noClients')}>{term ? t('operations.noMatchHint') : t('operations.noClientsHint')}</EmptyState>
      ) : rows.length ? (
        <div className="table-wrap">
          <table className="table ops-table" data-testid="clients-table">
            <thead><tr><th>{t('operations.name')}</th><th>{t('operations.contact')}</th><th>{t('operations.email')}</th><th>{t('operations.phone')}</th><th>{t('operations.team')}</th><th /></tr></thead>
            <tbody>{rows.map((c) => (
              <tr key={c.id} onClick={() => open(c)}>
                <td>{c.name}</td><td>{[c.contactFirstName, c.contactLastName].filter(Boolean).join(' ') || '—'}</td><td>{c.email ?? '—'}</td><td>{c.phone ?? '—'}</td><td>{c.team ?? '—'}</td>
                <td><Link to={`/operations/quotes?org=${orgId}&clientId=${c.id}`} onClick={(e) => e.stopPropagation()}>{t('operations.quotes')}</Link></td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      ) : null}
      {clients.hasNextPage ? <div className="load-more"><Button onClick={() => void clients.fetchNextPage()} busy={clients.isFetchingNextPage}>{t('operations.loadMore')}</Button></div> : null}
      <Dialog open={editing !== null} title={editing === 'new' ? t('operations.newClient') : t('operations.editClient')} onClose={() => setEditing(null)}
        footer={<>
          {editing && editing !== 'new' ? <Button variant="ghost" busy={archive.isPending} onClick={() => archive.mutate(editing)}>{t('operations.archive')}</Button> : null}
          <Button onClick={() => setEditing(null)}>{t('action.close')}</Button>
          <Button variant="primary" busy={save.isPending} onClick={submit}>{t('action.save')}</Button>
        </>}>
        <ProblemAlert error={save.error ?? archive.error} fields={Object.keys(EMPTY)} />
        <TextField label={t('operations.name')} required maxLength={200} {...f('name')} />
        <div className="ops-grid">
          <TextField label={t('operations.firstName')} maxLength={100} {...f('contactFirstName')} />
          <TextField label={t('operations.lastName')} maxLength={100} {...f('contactLastName')} />
          <TextField label={t('operations.team')} maxLength={100} {...f('team')} />
        </div>
        <TextField label={t('operations.email')} type="email" maxLength={254} {...f('email')} />
        <TextField label={t('operations.phone')} hint={t('operations.phoneHint')} maxLength={16} {...f('phone')} />
        <TextAreaField label={t('operations.notes')} rows={3} maxLength={5000} name="notes" value={form.notes} onChange={(e) => setForm({ ...form, notes: e.target.value })} />
      </Dialog>
    </>
  );
}
