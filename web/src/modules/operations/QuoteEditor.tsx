import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, request } from '../../api/client';
import { accessToken } from '../../api/session';
import { useAuth } from '../../platform/auth/auth';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Dialog } from '../../platform/ui/Dialog';
import { SelectField, TextAreaField, TextField } from '../../platform/ui/Field';
import { EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Badge, Card, FormActions, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { useTopic } from '../../platform/realtime/stream';
import {
  CURRENCIES, OPS, STATUS_TONE, downloadFile, fetchFile, fmtDay, linesTotal, money, officeKeys, statusKey,
  type Client, type Line, type Page, type Project, type QuoteDetail, type QuoteStatus, type Template,
} from './office-api';
import { useMembers, useOrganization } from './useOffice';
import './operations-office.css';

interface Form {
  clientId: string; projectId: string; title: string; number: string; currency: string; responsibleUserId: string;
  startDate: string; dueDate: string; notes: string; amount: string; lines: Line[];
}
const EMPTY_LINE: Line = { description: '', quantity: '1', unitPrice: '' };
const ACTIONS: Record<QuoteStatus, QuoteStatus[]> = { draft: ['issued', 'cancelled'], issued: ['accepted', 'rejected', 'cancelled'], accepted: ['paid', 'cancelled'], rejected: [], paid: [], cancelled: [] };
const addDays = (iso: string, days: number) => { const d = new Date(`${iso}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + days); return d.toISOString().slice(0, 10); };

/** Quote editor and detail (spec §9.2): template defaults, lines with a live total, status actions, attachments, PDF preview. */
export default function QuoteEditor() {
  const { id } = useParams();
  const isNew = !id;
  const t = useT();
  const { locale } = useI18n();
  const toast = useToast();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { me, hasRole } = useAuth();
  const [params] = useSearchParams();
  const { orgs, items: organizations, current } = useOrganization();

  const quote = useQuery({ queryKey: officeKeys.quote(id ?? ''), enabled: !isNew, queryFn: ({ signal }) => request<QuoteDetail>('GET', `${OPS}/quotes/${id}`, { signal }) });
  const orgId = isNew ? current?.id : quote.data?.organizationId;
  const members = useMembers(orgId);
  const clients = useQuery({ queryKey: officeKeys.clients({ orgId, all: true }), enabled: !!orgId, queryFn: ({ signal }) => request<Page<Client>>('GET', `${OPS}/clients`, { query: { organizationId: orgId, limit: 200 }, signal }) });
  const projects = useQuery({ queryKey: officeKeys.projects({ orgId, all: true }), enabled: !!orgId, queryFn: ({ signal }) => request<Page<Project>>('GET', `${OPS}/projects`, { query: { organizationId: orgId, limit: 200 }, signal }) });
  const templates = useQuery({ queryKey: officeKeys.templates(orgId ?? ''), enabled: !!orgId, queryFn: ({ signal }) => request<{ items: Template[] }>('GET', `${OPS}/quote-templates`, { query: { organizationId: orgId }, signal }) });
  const defaultTemplate = templates.data?.items.find((x) => x.isDefault);
  useTopic(orgId && id ? `operations.quotes:${orgId}` : null, (_e, data) => { if ((data as { quoteId?: string })?.quoteId === id) void quote.refetch(); });

  const [form, setForm] = useState<Form | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    if (isNew && !form && me && templates.isSuccess) {
      setForm({ clientId: params.get('clientId') ?? '', projectId: params.get('projectId') ?? '', title: '', number: '', currency: defaultTemplate?.body.defaultCurrency ?? current?.defaultCurrency ?? 'EUR',
        responsibleUserId: me.id, startDate: '', dueDate: '', notes: '', amount: '', lines: [{ ...EMPTY_LINE }] });
    }
  }, [isNew, form, me, templates.isSuccess, defaultTemplate, current, params]);
  useEffect(() => {
    const q = quote.data;
    if (q) setForm({ clientId: q.clientId, projectId: q.projectId ?? '', title: q.title, number: q.number ?? '', currency: q.currency, responsibleUserId: q.responsibleUserId,
      startDate: q.startDate ?? '', dueDate: q.dueDate ?? '', notes: q.notes ?? '', amount: q.amount, lines: q.lines.length ? q.lines.map((l) => ({ description: l.description, quantity: l.quantity, unitPrice: l.unitPrice })) : [] });
  }, [quote.data]);

  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => (f ? { ...f, [key]: value } : f));
  const status: QuoteStatus = quote.data?.status ?? 'draft';
  const moneyFrozen = status !== 'draft';
  const closed = ['rejected', 'paid', 'cancelled'].includes(status);
  const usedLines = (form?.lines ?? []).filter((l) => l.description.trim() || l.unitPrice.trim());
  const total = usedLines.length ? linesTotal(usedLines) : form?.amount ?? '0';

  const validate = (f: Form): Record<string, string> => {
    const e: Record<string, string> = {};
    if (!f.clientId) e.clientId = t('operations.required');
    if (!f.title.trim()) e.title = t('operations.required');
    if (f.startDate && f.dueDate && f.dueDate < f.startDate) e.dueDate = t('operations.dueBeforeStart');
    usedLines.forEach((l, i) => {
      if (!l.description.trim()) e[`lines.${i}.description`] = t('operations.required');
      if (!/^\d{1,9}(\.\d{1,3})?$/.test(l.quantity) || Number(l.quantity) <= 0) e[`lines.${i}.quantity`] = t('operations.quantityInvalid');
      if (!/^\d{1,12}(\.\d{1,2})?$/.test(l.unitPrice)) e[`lines.${i}.unitPrice`] = t('operations.priceInvalid');
    });
    if (!usedLines.length && !/^\d{1,12}(\.\d{1,2})?$/.test(f.amount)) e.amount = t('operations.amountRequired');
    return e;
  };

  const save = useMutation({
    mutationFn: async (f: Form) => {
      const common = {
        projectId: f.projectId || null, title: f.title.trim(), responsibleUserId: f.responsibleUserId || undefined,
        startDate: f.startDate || null, dueDate: f.dueDate || (isNew && f.startDate ? undefined : null), notes: f.notes || null,
      };
      const moneyFields = { clientId: f.clientId, currency: f.currency, number: f.number.trim() || null, ...(usedLines.length ? { lines: usedLines.map(({ description, quantity, unitPrice }) => ({ description, quantity, unitPrice })) } : { lines: [], amount: f.amount }) };
      if (isNew) return request<QuoteDetail>('POST', `${OPS}/quotes`, { body: { organizationId: orgId, ...common, ...moneyFields }, headers: { 'idempotency-key': idempotencyKey.current } });
      const body = closed ? { notes: common.notes } : moneyFrozen ? { ...common, responsibleUserId: f.responsibleUserId } : { ...common, ...moneyFields };
      return request<QuoteDetail>('PATCH', `${OPS}/quotes/${id}`, { body: { ...body, version: quote.data!.version } });
    },
    onSuccess: (q) => {
      toast(t('operations.saved'));
      void queryClient.invalidateQueries({ queryKey: ['operations', 'quotes'] });
      queryClient.setQueryData(officeKeys.quote(q.id), q);
      if (isNew) navigate(`/operations/quotes/${q.id}`, { replace: true });
    },
    onError: (err) => { if (err instanceof ApiError) setErrors(err.fieldErrors()); },
  });
  const idempotencyKey = useRef(crypto.randomUUID());
  const submit = () => {
    if (!form) return;
    const e = validate(form);
    setErrors(e);
    if (Object.keys(e).length === 0) save.mutate(form);
  };

  const [cancelOpen, setCancelOpen] = useState(false);
  const [reason, setReason] = useState('');
  const transition = useMutation({
    mutationFn: (v: { to: QuoteStatus; reason?: string }) => request<QuoteDetail>('POST', `${OPS}/quotes/${id}/transitions`, { body: { to: v.to, reason: v.reason, version: quote.data!.version } }),
    onSuccess: (q) => { setCancelOpen(false); toast(t(statusKey(q.status))); queryClient.setQueryData(officeKeys.quote(q.id), q); void queryClient.invalidateQueries({ queryKey: ['operations', 'quotes'] }); },
  });
  const remove = useMutation({
    mutationFn: () => request('DELETE', `${OPS}/quotes/${id}`),
    onSuccess: () => { toast(t('operations.deleted')); void queryClient.invalidateQueries({ queryKey: ['operations', 'quotes'] }); navigate('/operations/quotes'); },
  });

  const [pdfUrl, setPdfUrl] = useState<string | null>(null);
  const [pdfError, setPdfError] = useState<string | null>(null);
  const loadPdf = async () => {
    setPdfError(null);
    try { const blob = await fetchFile(`${OPS}/quotes/${id}/pdf`); setPdfUrl((old) => { if (old) URL.revokeObjectURL(old); return URL.createObjectURL(blob); }); } catch (err) { setPdfError((err as Error).message); }
  };

  const [over, setOver] = useState(false);
  const [uploading, setUploading] = useState(false);
  const upload = async (files: FileList | File[]) => {
    setUploading(true);
    try {
      for (const file of Array.from(files)) {
        const formData = new FormData();
        formData.set('ownerType', 'quote'); formData.set('ownerId', id!); formData.set('file', file, file.name);
        const token = await accessToken();
        const res = await fetch(`${OPS}/attachments`, { method: 'POST', body: formData, headers: token ? { authorization: `Bearer ${token}` } : {} });
        if (!res.ok) { const p = await res.json().catch(() => ({})); toast(`${file.name}: ${p.detail ?? res.status}`, 'error'); }
      }
      await quote.refetch();
    } finally { setUploading(false); }
  };
  const removeFile = useMutation({ mutationFn: (fileId: string) => request('DELETE', `${OPS}/attachments/${fileId}`), onSuccess: () => void quote.refetch() });

  const clientOptions = useMemo(() => [{ value: '', label: t('operations.chooseClient') }, ...(clients.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))], [clients.data, t]);
  if (!isNew && quote.isPending) return <><Skeleton lines={2} height={28} /><Skeleton lines={8} /></>;
  if (!isNew && quote.error) {
    return quote.error instanceof ApiError && quote.error.status === 404
      ? <EmptyState icon="alert" title={t('operations.quoteNotFound')} action={<Link className="btn btn-secondary" to="/operations/quotes">{t('operations.quotes')}</Link>}>{t('operations.quoteNotFoundHint')}</EmptyState>
      : <ProblemAlert error={quote.error} onRetry={() => void quote.refetch()} />;
  }
  if (isNew && orgs.isSuccess && organizations.length === 0) return <EmptyState icon="users" title={t('operations.noOrganization')}>{t('operations.noOrganizationHint')}</EmptyState>;
  if (!form) return <Skeleton lines={8} />;
  const q = quote.data;
  const canCancel = q && (q.responsibleUserId === me?.id || hasRole('manager', 'admin'));
  const fieldProps = (name: keyof Form) => ({ name, value: String(form[name] ?? ''), error: errors[name], onChange: (e: { target: { value: string } }) => set(name, e.target.value as never) });
  const onTermDefault = (start: string) => {
    set('startDate', start);
    if (isNew && start && !form.dueDate && defaultTemplate) set('dueDate', addDays(start, defaultTemplate.body.defaultPaymentTermDays));
  };

  return (
    <>
      <Link to="/operations/quotes" className="back-link">← {t('operations.quotes')}</Link>
      <PageHeader
        title={isNew ? t('operations.newQuote') : <>{q!.number ?? t('operations.noNumber')} — {q!.title} <Badge tone={STATUS_TONE[status]}>{t(statusKey(status))}</Badge></>}
        description={isNew ? t('operations.newQuoteLead') : undefined}
        actions={!isNew ? <div className="button-row">
          {ACTIONS[status].filter((s) => s !== 'cancelled').map((s) => (
            <Button key={s} variant={s === 'rejected' ? 'secondary' : 'primary'} busy={transition.isPending && transition.variables?.to === s} onClick={() => transition.mutate({ to: s })} data-testid={`action-${s}`}>
              {t(`operations.action.${s}` as 'operations.action.issued')}
            </Button>
          ))}
          {ACTIONS[status].includes('cancelled') && canCancel ? <Button variant="danger" onClick={() => setCancelOpen(true)}>{t('operations.action.cancelled')}</Button> : null}
          {status === 'draft' && canCancel ? <Button variant="ghost" icon="trash" busy={remove.isPending} onClick={() => { if (window.confirm(t('operations.confirmDelete'))) remove.mutate(); }}>{t('operations.delete')}</Button> : null}
          <Button icon="download" onClick={() => void downloadFile(`${OPS}/quotes/${id}/pdf`, `${q!.number ?? 'devis'}.pdf`).catch((e) => toast((e as Error).message, 'error'))}>PDF</Button>
        </div> : undefined} />
      <ProblemAlert error={transition.error ?? remove.error} />
      {q ? <div className="ops-meta">
        <span>{t('operations.createdAt')}: {new Date(q.createdAt).toLocaleString(locale)}</span>
        {q.issuedAt ? <span>{t('operations.issuedAt')}: {new Date(q.issuedAt).toLocaleString(locale)}</span> : null}
        {q.paidAt ? <span>{t('operations.paidAt')}: {new Date(q.paidAt).toLocaleString(locale)}</span> : null}
        {q.cancelReason ? <span>{t('operations.cancelReason')}: {q.cancelReason}</span> : null}
        {q.dueDate ? <span>{t('operations.dueDate')}: {fmtDay(q.dueDate, locale)}</span> : null}
      </div> : null}
      <div className={isNew ? '' : 'ops-split'}>
        <div>
          <Card title={t('operations.quoteDetails')} description={moneyFrozen && !closed ? t('operations.frozenHint') : closed ? t('operations.closedHint') : undefined}>
            <form onSubmit={(e) => { e.preventDefault(); submit(); }} noValidate>
              <ProblemAlert error={save.error} fields={['clientId', 'projectId', 'title', 'number', 'amount', 'currency', 'responsibleUserId', 'startDate', 'dueDate', 'notes', 'lines']} />
              <div className="ops-grid">
                <TextField label={t('operations.title')} required maxLength={200} {...fieldProps('title')} disabled={closed} />
                <SelectField label={t('operations.client')} required options={clientOptions} {...fieldProps('clientId')} disabled={moneyFrozen} />
                <SelectField label={t('operations.project')} options={[{ value: '', label: t('operations.none') }, ...(projects.data?.items ?? []).map((p) => ({ value: p.id, label: `${p.number} — ${p.name}` }))]} {...fieldProps('projectId')} disabled={closed} />
                <SelectField label={t('operations.responsible')} options={(members.data?.items ?? []).map((m) => ({ value: m.userId, label: m.displayName }))} {...fieldProps('responsibleUserId')} disabled={closed} />
                <SelectField label={t('operations.currency')} options={CURRENCIES.map((c) => ({ value: c, label: c }))} {...fieldProps('currency')} disabled={moneyFrozen} />
                <TextField label={t('operations.number')} hint={t('operations.numberHint')} maxLength={60} {...fieldProps('number')} disabled={moneyFrozen} />
                <TextField label={t('operations.startDate')} type="date" {...fieldProps('startDate')} onChange={(e) => onTermDefault(e.target.value)} disabled={closed} />
                <TextField label={t('operations.dueDate')} type="date" hint={defaultTemplate && isNew ? t('operations.dueHint', { n: defaultTemplate.body.defaultPaymentTermDays }) : undefined} {...fieldProps('dueDate')} disabled={closed} />
                {!usedLines.length ? <TextField label={t('operations.amount')} inputMode="decimal" {...fieldProps('amount')} disabled={moneyFrozen} /> : null}
              </div>
              <h3 className="ops-subtitle">{t('operations.lines')}</h3>
              <table className="ops-lines" data-testid="lines">
                <thead><tr><th>{t('operations.lineDescription')}</th><th className="num">{t('operations.quantity')}</th><th className="num">{t('operations.unitPrice')}</th><th className="num">{t('operations.lineTotal')}</th><th /></tr></thead>
                <tbody>
                  {form.lines.map((l, i) => (
                    <tr key={i}>
                      <td><TextField label={<span className="ops-sr">{t('operations.lineDescription')}</span>} name={`lines.${i}.description`} value={l.description} error={errors[`lines.${i}.description`]} disabled={moneyFrozen}
                        onChange={(e) => set('lines', form.lines.map((x, j) => (j === i ? { ...x, description: e.target.value } : x)))} maxLength={500} /></td>
                      <td style={{ width: 110 }}><TextField label={<span className="ops-sr">{t('operations.quantity')}</span>} name={`lines.${i}.quantity`} inputMode="decimal" value={l.quantity} error={errors[`lines.${i}.quantity`]} disabled={moneyFrozen}
                        onChange={(e) => set('lines', form.lines.map((x, j) => (j === i ? { ...x, quantity: e.target.value.replace(',', '.') } : x)))} /></td>
                      <td style={{ width: 140 }}><TextField label={<span className="ops-sr">{t('operations.unitPrice')}</span>} name={`lines.${i}.unitPrice`} inputMode="decimal" value={l.unitPrice} error={errors[`lines.${i}.unitPrice`]} disabled={moneyFrozen}
                        onChange={(e) => set('lines', form.lines.map((x, j) => (j === i ? { ...x, unitPrice: e.target.value.replace(',', '.') } : x)))} /></td>
                      <td className="num">{money(linesTotal([l]), form.currency, locale)}</td>
                      <td>{!moneyFrozen ? <Button variant="ghost" size="sm" icon="trash" aria-label={t('operations.delete')} onClick={() => set('lines', form.lines.filter((_, j) => j !== i))} /> : null}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {!moneyFrozen ? <Button size="sm" icon="plus" onClick={() => set('lines', [...form.lines, { ...EMPTY_LINE }])} data-testid="add-line">{t('operations.addLine')}</Button> : null}
              <div className="ops-total" data-testid="quote-total"><span>{t('operations.total')}</span><span>{money(total, form.currency, locale)}</span></div>
              <TextAreaField label={t('operations.notes')} name="notes" rows={3} value={form.notes} onChange={(e) => set('notes', e.target.value)} maxLength={5000} />
              <FormActions><Button type="submit" variant="primary" busy={save.isPending}>{isNew ? t('operations.createQuote') : t('action.save')}</Button></FormActions>
            </form>
          </Card>
          {!isNew ? (
            <Card title={t('operations.attachments')}>
              <div className={`ops-drop${over ? ' over' : ''}`} onDragOver={(e: DragEvent) => { e.preventDefault(); setOver(true); }} onDragLeave={() => setOver(false)}
                onDrop={(e: DragEvent) => { e.preventDefault(); setOver(false); void upload(e.dataTransfer.files); }}>
                {uploading ? t('operations.uploading') : t('operations.dropFiles')}{' '}
                <label className="link-btn">{t('operations.browse')}<input type="file" hidden accept=".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.pptx" onChange={(e) => { if (e.target.files) void upload(e.target.files); e.target.value = ''; }} /></label>
                <div className="small">{t('operations.fileRules')}</div>
              </div>
              {q!.attachments.length ? <ul className="ops-files">
                {q!.attachments.map((a) => (
                  <li key={a.id}>
                    <button className="link-btn" onClick={() => void downloadFile(`${OPS}/attachments/${a.id}/content`, a.fileName)}>{a.fileName}</button>
                    <span className="muted small">{(a.sizeBytes / 1024).toFixed(0)} KiB</span>
                    <Button variant="ghost" size="sm" icon="trash" aria-label={t('operations.delete')} onClick={() => removeFile.mutate(a.id)} />
                  </li>
                ))}
              </ul> : <p className="muted small">{t('operations.noFiles')}</p>}
            </Card>
          ) : null}
        </div>
        {!isNew ? (
          <Card title={t('operations.pdfPreview')} actions={<Button size="sm" icon="refresh" onClick={() => void loadPdf()}>{pdfUrl ? t('operations.refresh') : t('operations.showPdf')}</Button>}>
            {pdfError ? <p className="field-error">{pdfError}</p> : null}
            {pdfUrl ? <iframe className="ops-pdf" src={pdfUrl} title={t('operations.pdfPreview')} /> : <p className="muted">{t('operations.pdfHint')}</p>}
          </Card>
        ) : null}
      </div>
      <Dialog open={cancelOpen} title={t('operations.cancelQuote')} onClose={() => setCancelOpen(false)}
        footer={<><Button onClick={() => setCancelOpen(false)}>{t('action.close')}</Button><Button variant="danger" busy={transition.isPending} disabled={!reason.trim()} onClick={() => transition.mutate({ to: 'cancelled', reason })}>{t('operations.action.cancelled')}</Button></>}>
        <TextAreaField label={t('operations.cancelReason')} required name="reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} />
      </Dialog>
    </>
  );
}
