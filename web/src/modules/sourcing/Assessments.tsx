import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import { request } from '../../api/client';
import { ApiError } from '../../api/problem';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { SelectField, TextField } from '../../platform/ui/Field';
import { EmptyState, ProblemAlert, Skeleton, TableSkeleton } from '../../platform/ui/feedback';
import { Icon } from '../../platform/ui/icons';
import { Badge, Card, FormActions, PageHeader } from '../../platform/ui/layout';
import {
  ASSESSMENT_TONE, assessmentStatusKey, fmt, sourcingKeys,
  type Assessment, type AssessmentStatus, type Destination, type Material, type Offer, type Page,
} from './api';
import './sourcing.css';

function useMaterials() {
  return useQuery({ queryKey: sourcingKeys.materials, queryFn: ({ signal }) => request<Page<Material>>('GET', '/api/v1/sourcing/materials', { query: { limit: 200 }, signal }) });
}

/** Assessments of the organisation, newest first, with a status filter. */
export function AssessmentList() {
  const t = useT();
  const { formatDate, locale } = useI18n();
  const [status, setStatus] = useState('');
  const materials = useMaterials();
  const q = useInfiniteQuery({
    queryKey: sourcingKeys.assessments({ status }),
    queryFn: ({ pageParam, signal }) => request<Page<Assessment>>('GET', '/api/v1/sourcing/assessments', { query: { status: status || undefined, cursor: pageParam, limit: 25 }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageHeader title={t('sourcing.assessments')} description={t('sourcing.assessmentsLead')}
        actions={<Link className="btn btn-primary" to="/sourcing/assessments/new"><Icon name="plus" size={17} />{t('sourcing.newAssessment')}</Link>} />
      <div className="toolbar">
        <SelectField label={t('sourcing.status')} name="status" value={status} onChange={(e) => setStatus(e.target.value)}
          options={[{ value: '', label: t('sourcing.anyStatus') }, ...(['draft', 'scored', 'submitted', 'approved', 'archived'] as AssessmentStatus[]).map((s) => ({ value: s, label: t(assessmentStatusKey(s)) }))]} />
      </div>
      <ProblemAlert error={q.error} onRetry={() => void q.refetch()} />
      {q.isPending ? <TableSkeleton rows={5} columns={5} /> : !items.length && !q.error ? (
        <EmptyState icon="inbox" title={t('sourcing.noAssessments')} action={<Link className="btn btn-primary" to="/sourcing/assessments/new">{t('sourcing.newAssessment')}</Link>}>{t('sourcing.noAssessmentsHint')}</EmptyState>
      ) : items.length ? (
        <div className="table-wrap">
          <table className="table src-table" data-testid="assessments-table">
            <thead><tr><th>{t('sourcing.title')}</th><th>{t('sourcing.material')}</th><th className="num">{t('sourcing.annualQuantity')}</th><th>{t('sourcing.status')}</th><th className="num">{t('sourcing.offers')}</th><th>{t('sourcing.assessmentDate')}</th></tr></thead>
            <tbody>{items.map((a) => (
              <tr key={a.id}>
                <td><Link className="cell-title" to={`/sourcing/assessments/${a.id}`}>{a.title}</Link></td>
                <td>{materials.data?.items.find((m) => m.id === a.materialId)?.name ?? '…'}</td>
                <td className="num">{fmt(a.annualQuantity, locale, 0)}</td>
                <td><Badge tone={ASSESSMENT_TONE[a.status]}>{t(assessmentStatusKey(a.status))}</Badge> {a.stale ? <Badge tone="warning">{t('sourcing.stale')}</Badge> : null}</td>
                <td className="num">{a.counts?.offers ?? a.offerIds?.length ?? '—'}</td>
                <td className="small">{formatDate(a.assessmentDate, 'date')}</td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      ) : null}
      {q.hasNextPage ? <div className="load-more"><Button busy={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>{t('common.loadMore')}</Button></div> : null}
    </>
  );
}

export function Steps({ current }: { current: number }) {
  const t = useT();
  return (
    <ol className="src-steps" data-testid="wizard-steps">
      {[1, 2, 3, 4, 5].map((n) => (
        <li key={n} className={n === current ? 'current' : n < current ? 'done' : ''} aria-current={n === current ? 'step' : undefined}>
          <b>{t('sourcing.step', { n })}</b>{t(`sourcing.stepName.${n}` as 'sourcing.stepName.1')}
        </li>
      ))}
    </ol>
  );
}

/** Wizard steps 1 (material, destination, quantity, date) and 2 (offers); then the draft is created and scored, and steps 3–5 follow on the assessment. */
export function NewAssessment() {
  const t = useT();
  const navigate = useNavigate();
  const { locale } = useI18n();
  const [step, setStep] = useState(1);
  const [form, setForm] = useState({ title: '', materialId: '', destinationId: '', annualQuantity: '', assessmentDate: new Date().toISOString().slice(0, 10) });
  const [tried, setTried] = useState(false);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const materials = useMaterials();
  const destinations = useQuery({ queryKey: sourcingKeys.destinations, queryFn: ({ signal }) => request<Page<Destination>>('GET', '/api/v1/sourcing/destinations', { query: { limit: 100 }, signal }) });
  const offers = useQuery({
    queryKey: ['sourcing', 'material-offers', form.materialId],
    enabled: step === 2 && !!form.materialId,
    queryFn: ({ signal }) => request<Page<Offer>>('GET', `/api/v1/sourcing/materials/${form.materialId}/offers`, { query: { status: 'active', limit: 200 }, signal }),
  });
  const qty = Number(form.annualQuantity);
  const errors: Record<string, string | undefined> = {
    title: !form.title.trim() ? t('sourcing.required') : form.title.length > 200 ? t('sourcing.tooLong', { n: 200 }) : undefined,
    materialId: !form.materialId ? t('sourcing.required') : undefined,
    annualQuantity: !form.annualQuantity ? t('sourcing.required') : !(qty > 0) ? t('sourcing.positive') : undefined,
    assessmentDate: !/^\d{4}-\d{2}-\d{2}$/.test(form.assessmentDate) ? t('sourcing.dateInvalid') : undefined,
  };
  const show = (k: string) => (tried ? errors[k] : undefined);
  const create = useMutation({
    mutationFn: async () => {
      const a = await request<Assessment>('POST', '/api/v1/sourcing/assessments', {
        body: { title: form.title.trim(), materialId: form.materialId, destinationId: form.destinationId || null, annualQuantity: qty, assessmentDate: form.assessmentDate, offerIds: [...chosen] },
        headers: { 'idempotency-key': crypto.randomUUID() },
      });
      try { await request('POST', `/api/v1/sourcing/assessments/${a.id}/score`, { body: {} }); } catch (err) {
        if (!(err instanceof ApiError)) throw err; // the draft exists; the data check shows what went wrong
      }
      return a;
    },
    onSuccess: (a) => navigate(`/sourcing/assessments/${a.id}?step=3`),
  });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const items = offers.data?.items ?? [];

  return (
    <>
      <Link to="/sourcing/assessments" className="back-link">← {t('sourcing.assessments')}</Link>
      <PageHeader title={t('sourcing.newAssessment')} description={t('sourcing.wizardLead')} />
      <Steps current={step} />
      {step === 1 ? (
        <Card title={t('sourcing.stepName.1')}>
          <form noValidate onSubmit={(e) => { e.preventDefault(); setTried(true); if (!Object.values(errors).some(Boolean)) setStep(2); }}>
            <div className="grid-2 tight">
              <TextField label={t('sourcing.title')} name="title" value={form.title} onChange={set('title')} required error={show('title')} maxLength={200} />
              <SelectField label={t('sourcing.material')} name="materialId" value={form.materialId} onChange={set('materialId')} required error={show('materialId')}
                options={[{ value: '', label: materials.isPending ? '…' : t('sourcing.chooseMaterial') }, ...(materials.data?.items ?? []).filter((m) => m.status === 'active').map((m) => ({ value: m.id, label: `${m.name} (${m.unit})` }))]} />
              <SelectField label={t('sourcing.destination')} name="destinationId" value={form.destinationId} onChange={set('destinationId')}
                options={[{ value: '', label: t('sourcing.anyDestination') }, ...(destinations.data?.items ?? []).filter((d) => d.active).map((d) => ({ value: d.id, label: d.name }))]} />
              <TextField label={t('sourcing.annualQuantity')} name="annualQuantity" type="number" min={0} inputMode="decimal" value={form.annualQuantity} onChange={set('annualQuantity')} required error={show('annualQuantity')}
                hint={t('sourcing.annualQuantityHint')} />
              <TextField label={t('sourcing.assessmentDate')} name="assessmentDate" type="date" value={form.assessmentDate} onChange={set('assessmentDate')} required error={show('assessmentDate')} hint={t('sourcing.assessmentDateHint')} />
            </div>
            <ProblemAlert error={materials.error ?? destinations.error} />
            <FormActions><Button type="submit" variant="primary">{t('sourcing.next')}</Button></FormActions>
          </form>
        </Card>
      ) : (
        <Card title={t('sourcing.stepName.2')} description={t('sourcing.chooseOffersHint')}>
          {offers.isPending ? <Skeleton lines={5} /> : offers.error ? <ProblemAlert error={offers.error} onRetry={() => void offers.refetch()} /> : !items.length ? (
            <EmptyState icon="inbox" title={t('sourcing.noOffersForMaterial')}>{t('sourcing.noOffersForMaterialHint')}</EmptyState>
          ) : (
            <div className="table-wrap">
              <table className="table src-table" data-testid="offer-choice">
                <thead><tr><th /><th>{t('sourcing.supplier')}</th><th className="num">{t('sourcing.price')}</th><th className="num">{t('sourcing.moq')}</th><th className="num">{t('sourcing.capacity')}</th><th className="num">{t('sourcing.leadTime')}</th><th>{t('sourcing.warnings')}</th></tr></thead>
                <tbody>{items.map((o) => {
                  const blocked = o.supplierStatus === 'blocked' || o.supplierStatus === 'archived';
                  const warn = [o.capacityPerYear < qty ? t('sourcing.warning.insufficient_capacity') : null, o.moq > qty ? t('sourcing.warning.moq_exceeds_need') : null,
                    blocked ? t('sourcing.supplierBlocked') : null].filter(Boolean);
                  return (
                    <tr key={o.id} className={blocked ? 'muted' : ''}>
                      <td><input type="checkbox" aria-label={o.supplierName} disabled={blocked} checked={chosen.has(o.id)}
                        onChange={(e) => { const next = new Set(chosen); if (e.target.checked) next.add(o.id); else next.delete(o.id); setChosen(next); }} /></td>
                      <td><strong>{o.supplierName}</strong><div className="muted small">{o.siteName}</div></td>
                      <td className="num">{fmt(o.price, locale, 4)} {o.currency}</td>
                      <td className="num">{fmt(o.moq, locale, 0)}</td>
                      <td className="num">{fmt(o.capacityPerYear, locale, 0)}</td>
                      <td className="num">{t('sourcing.days', { n: o.leadTimeDays })}</td>
                      <td className="small src-warn">{warn.join(' · ')}</td>
                    </tr>
                  );
                })}</tbody>
              </table>
            </div>
          )}
          {tried && step === 2 && chosen.size === 0 ? <p className="field-error" role="alert">{t('sourcing.chooseOne')}</p> : null}
          <ProblemAlert error={create.error} />
          <FormActions>
            <Button onClick={() => setStep(1)}>{t('sourcing.back')}</Button>
            <Button variant="primary" busy={create.isPending} disabled={!items.length} onClick={() => { setTried(true); if (chosen.size) create.mutate(); }}>{t('sourcing.createAndCheck')}</Button>
          </FormActions>
        </Card>
      )}
    </>
  );
}
