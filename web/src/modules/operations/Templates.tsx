import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, request } from '../../api/client';
import { accessToken } from '../../api/session';
import { useAuth } from '../../platform/auth/auth';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Checkbox, SelectField, TextAreaField, TextField } from '../../platform/ui/Field';
import { EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Badge, Card, FormActions, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { CURRENCIES, OPS, officeKeys, type Template, type TemplateBody, type TemplateVersion } from './office-api';
import { useOrganization } from './useOffice';
import './operations-office.css';

type HtmlField = 'headerHtml' | 'introHtml' | 'termsHtml' | 'footerHtml';
const HTML_FIELDS: HtmlField[] = ['headerHtml', 'introHtml', 'termsHtml', 'footerHtml'];

/** Quote templates (spec §9.3): placeholder picker, side-by-side PDF preview, version history, set default. */
export default function Templates() {
  const t = useT();
  const { locale } = useI18n();
  const toast = useToast();
  const queryClient = useQueryClient();
  const { hasRole } = useAuth();
  const canEdit = hasRole('manager', 'admin');
  const { orgs, items: organizations, current, select } = useOrganization();
  const orgId = current?.id;
  const templates = useQuery({ queryKey: officeKeys.templates(orgId ?? ''), enabled: !!orgId, queryFn: ({ signal }) => request<{ items: Template[]; placeholders: string[] }>('GET', `${OPS}/quote-templates`, { query: { organizationId: orgId }, signal }) });
  const [selectedId, setSelectedId] = useState<string | 'new' | null>(null);
  const selected = templates.data?.items.find((x) => x.id === selectedId) ?? (selectedId === 'new' ? null : templates.data?.items[0]);
  const [name, setName] = useState('');
  const [body, setBody] = useState<TemplateBody | null>(null);
  const [focus, setFocus] = useState<HtmlField>('introHtml');
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    if (selectedId === 'new' && templates.data?.items[0]) { setName(''); setBody(structuredClone(templates.data.items[0].body)); }
    else if (selected) { setName(selected.name); setBody(structuredClone(selected.body)); }
    setErrors({});
  }, [selected?.id, selected?.version, selectedId, templates.data]); // eslint-disable-line react-hooks/exhaustive-deps
  const versions = useQuery({ queryKey: officeKeys.versions(selected?.id ?? ''), enabled: !!selected, queryFn: ({ signal }) => request<{ items: TemplateVersion[] }>('GET', `${OPS}/quote-templates/${selected!.id}/versions`, { signal }) });

  const refresh = () => { void queryClient.invalidateQueries({ queryKey: ['operations', 'templates'] }); void queryClient.invalidateQueries({ queryKey: ['operations', 'template-versions'] }); };
  const onError = (err: unknown) => { if (err instanceof ApiError) setErrors(Object.fromEntries(err.errors.map((e) => [e.path.replace(/^body\.(body\.)?(pdf\.|notification\.)?/, ''), e.message]))); };
  const save = useMutation({
    mutationFn: () => selectedId === 'new' || !selected
      ? request<Template>('POST', `${OPS}/quote-templates`, { body: { organizationId: orgId, name: name.trim(), body } })
      : request<Template>('PATCH', `${OPS}/quote-templates/${selected.id}`, { body: { name: name.trim(), body, version: selected.version } }),
    onSuccess: (x) => { toast(t('operations.saved')); setSelectedId(x.id); refresh(); },
    onError,
  });
  const makeDefault = useMutation({ mutationFn: () => request('PATCH', `${OPS}/quote-templates/${selected!.id}`, { body: { isDefault: true, version: selected!.version } }), onSuccess: () => { toast(t('operations.saved')); refresh(); } });
  const archive = useMutation({ mutationFn: () => request('POST', `${OPS}/quote-templates/${selected!.id}/archive`), onSuccess: () => { toast(t('operations.archived')); setSelectedId(null); refresh(); } });

  const [pdfUrl, setPdfUrl] = useState<string | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const preview = async () => {
    if (!selected || !body) return;
    setPreviewError(null);
    const token = await accessToken();
    const res = await fetch(`${OPS}/quote-templates/${selected.id}/preview`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ body }) });
    if (!res.ok) { const p = await res.json().catch(() => ({})); setPreviewError(p.detail ?? String(res.status)); onError(new ApiError(p)); return; }
    const url = URL.createObjectURL(await res.blob());
    setPdfUrl((old) => { if (old) URL.revokeObjectURL(old); return url; });
  };
  const setPdf = (key: keyof TemplateBody['pdf'], value: unknown) => setBody((b) => (b ? { ...b, pdf: { ...b.pdf, [key]: value } } : b));
  const insert = (placeholder: string) => setPdf(focus, `${body!.pdf[focus]}{{${placeholder}}}`);

  if (orgs.isSuccess && organizations.length === 0) return <EmptyState icon="users" title={t('operations.noOrganization')}>{t('operations.noOrganizationHint')}</EmptyState>;
  return (
    <>
      <PageHeader title={t('operations.templates')} description={t('operations.templatesLead')}
        actions={canEdit ? <Button variant="primary" icon="plus" onClick={() => setSelectedId('new')} disabled={!templates.data}>{t('operations.newTemplate')}</Button> : undefined} />
      <ProblemAlert error={orgs.error ?? templates.error} onRetry={() => void templates.refetch()} />
      <div className="filters">
        {organizations.length > 1 ? <SelectField label={t('operations.organization')} name="org" value={orgId ?? ''} onChange={(e) => select(e.target.value)} options={organizations.map((o) => ({ value: o.id, label: o.name }))} /> : null}
        {templates.data?.items.length ? <SelectField label={t('operations.template')} name="template" value={selectedId === 'new' ? 'new' : selected?.id ?? ''} onChange={(e) => setSelectedId(e.target.value)}
          options={[...templates.data.items.map((x) => ({ value: x.id, label: `${x.name}${x.isDefault ? ` (${t('operations.default')})` : ''}` })), ...(selectedId === 'new' ? [{ value: 'new', label: t('operations.newTemplate') }] : [])]} /> : null}
      </div>
      {templates.isPending && orgId ? <Skeleton lines={8} /> : templates.data && !templates.data.items.length && selectedId !== 'new' ? (
        <EmptyState icon="list" title={t('operations.noTemplates')}>{t('operations.noTemplatesHint')}</EmptyState>
      ) : body ? (
        <div className="ops-split">
          <Card title={selectedId === 'new' ? t('operations.newTemplate') : <>{selected?.name} {selected?.isDefault ? <Badge tone="primary">{t('operations.default')}</Badge> : null} <span className="muted small">v{selected?.currentVersion}</span></>}
            description={canEdit ? t('operations.templateEditHint') : t('operations.templateReadOnly')}>
            <ProblemAlert error={save.error ?? makeDefault.error ?? archive.error} fields={['name', 'numberPattern', 'defaultCurrency', 'defaultPaymentTermDays', ...HTML_FIELDS, 'primaryColor']} />
            <fieldset disabled={!canEdit} className="ops-fieldset">
              <div className="ops-grid">
                <TextField label={t('operations.name')} name="name" required value={name} error={errors.name} onChange={(e) => setName(e.target.value)} maxLength={200} />
                <TextField label={t('operations.numberPattern')} name="numberPattern" hint="{YYYY} {YY} {MM} {ORG} {SEQ:n}" value={body.numberPattern} error={errors.numberPattern} onChange={(e) => setBody({ ...body, numberPattern: e.target.value })} />
                <SelectField label={t('operations.currency')} name="defaultCurrency" value={body.defaultCurrency} options={CURRENCIES.map((c) => ({ value: c, label: c }))} onChange={(e) => setBody({ ...body, defaultCurrency: e.target.value })} />
                <TextField label={t('operations.paymentTerm')} name="defaultPaymentTermDays" type="number" min={0} max={365} value={String(body.defaultPaymentTermDays)} onChange={(e) => setBody({ ...body, defaultPaymentTermDays: Number(e.target.value) })} />
                <TextField label={t('operations.primaryColor')} name="primaryColor" type="color" value={body.pdf.primaryColor} onChange={(e) => setPdf('primaryColor', e.target.value.toUpperCase())} />
                <div><Checkbox label={t('operations.showLines')} checked={body.pdf.showLines} onChange={(v) => setPdf('showLines', v)} /><Checkbox label={t('operations.showProject')} checked={body.pdf.showProject} onChange={(v) => setPdf('showProject', v)} /></div>
              </div>
              <div className="muted small">{t('operations.placeholders')} → {t(`operations.field.${focus}` as 'operations.field.introHtml')}</div>
              <div className="ops-placeholders" data-testid="placeholders">{(templates.data?.placeholders ?? []).map((p) => <button type="button" key={p} onClick={() => insert(p)}>{`{{${p}}}`}</button>)}</div>
              {HTML_FIELDS.map((k) => (
                <TextAreaField key={k} label={t(`operations.field.${k}` as 'operations.field.introHtml')} name={k} rows={k === 'termsHtml' ? 3 : 2} value={body.pdf[k]} error={errors[k]}
                  onFocus={() => setFocus(k)} onChange={(e) => setPdf(k, e.target.value)} maxLength={20000} />
              ))}
            </fieldset>
            {canEdit ? <FormActions>
              <Button variant="primary" busy={save.isPending} onClick={() => { if (!name.trim()) { setErrors({ name: t('operations.required') }); return; } save.mutate(); }}>{t('action.save')}</Button>
              {selected && selectedId !== 'new' && !selected.isDefault ? <Button busy={makeDefault.isPending} onClick={() => makeDefault.mutate()}>{t('operations.setDefault')}</Button> : null}
              {selected && selectedId !== 'new' && !selected.isDefault ? <Button variant="ghost" busy={archive.isPending} onClick={() => archive.mutate()}>{t('operations.archive')}</Button> : null}
            </FormActions> : null}
            {selected && selectedId !== 'new' ? <>
              <h3 className="ops-subtitle">{t('operations.versions')}</h3>
              <ul className="ops-files">{(versions.data?.items ?? []).map((v) => (
                <li key={v.id}><span>v{v.version}{v.id === selected.currentVersionId ? <> <Badge tone="primary">{t('operations.current')}</Badge></> : null}</span><span className="muted small">{new Date(v.createdAt).toLocaleString(locale)}</span>
                  {canEdit && v.id !== selected.currentVersionId ? <button className="link-btn" onClick={() => setBody(structuredClone(v.body))}>{t('operations.restoreVersion')}</button> : <span />}</li>
              ))}</ul>
            </> : null}
          </Card>
          <Card title={t('operations.pdfPreview')} actions={selected && selectedId !== 'new' ? <Button size="sm" icon="refresh" onClick={() => void preview()}>{t('operations.preview')}</Button> : undefined}>
            {previewError ? <p className="field-error">{previewError}</p> : null}
            {pdfUrl ? <iframe className="ops-pdf" src={pdfUrl} title={t('operations.pdfPreview')} /> : <p className="muted">{selectedId === 'new' ? t('operations.previewAfterSave') : t('operations.previewHint')}</p>}
          </Card>
        </div>
      ) : null}
    </>
  );
}
