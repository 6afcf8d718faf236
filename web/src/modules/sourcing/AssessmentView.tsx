import { Fragment, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { request } from '../../api/client';
import { ApiError } from '../../api/problem';
import { accessToken } from '../../api/session';
import { useAuth } from '../../platform/auth/auth';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Dialog } from '../../platform/ui/Dialog';
import { TextAreaField } from '../../platform/ui/Field';
import { Alert, EmptyState, ProblemAlert, Skeleton, TableSkeleton } from '../../platform/ui/feedback';
import { Badge, Card, FormActions, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import {
  ASSESSMENT_TONE, BAND_COLOUR, PILLARS, assessmentStatusKey, bandOf, fmt, money, pillarKey, sourcingKeys,
  type Assessment, type ResultItem,
} from './api';
import { Steps } from './Assessments';
import { WeightsEditor, weightsBody, weightsFrom, type WeightsValue } from './WeightsEditor';
import './sourcing.css';

export function useAssessment(id: string) {
  return useQuery({
    queryKey: sourcingKeys.assessment(id),
    queryFn: ({ signal }) => request<Assessment>('GET', `/api/v1/sourcing/assessments/${encodeURIComponent(id)}`, { signal }),
    retry: (n, err) => !(err instanceof ApiError && err.status < 500) && n < 2,
  });
}

export function useResults(id: string, enabled = true) {
  return useQuery({
    queryKey: sourcingKeys.results(id),
    enabled,
    queryFn: ({ signal }) => request<{ items: ResultItem[] }>('GET', `/api/v1/sourcing/assessments/${encodeURIComponent(id)}/results`, { query: { include: 'excluded' }, signal }),
  });
}

export function PillarBar({ value }: { value: number | null | undefined }) {
  return (
    <div className="src-bar-cell">
      <div className="src-bar"><i style={{ width: `${Math.max(0, Math.min(100, value ?? 0))}%`, background: BAND_COLOUR[bandOf(value) ?? 'none'] }} /></div>
      <span>{value == null ? '—' : fmt(value, 'en', 1)}</span>
    </div>
  );
}

export function NotFound() {
  const t = useT();
  return <EmptyState icon="alert" title={t('sourcing.assessmentNotFound')} action={<Link className="btn btn-secondary" to="/sourcing/assessments">{t('sourcing.assessments')}</Link>}>{t('sourcing.assessmentNotFoundHint')}</EmptyState>;
}

function DataCheck({ a, items, onNext }: { a: Assessment; items: ResultItem[]; onNext: () => void }) {
  const t = useT();
  const { locale } = useI18n();
  return (
    <Card title={t('sourcing.stepName.3')} description={t('sourcing.dataCheckHint')}>
      {!items.length ? <Alert tone="warning" title={t('sourcing.notScoredYet')}>{t('sourcing.notScoredYetHint')}</Alert> : (
        <div className="table-wrap">
          <table className="table src-table" data-testid="data-check">
            <thead><tr><th>{t('sourcing.supplier')}</th><th className="num">{t('sourcing.completeness')}</th><th>{t('sourcing.missing')}</th><th>{t('sourcing.estimates')}</th></tr></thead>
            <tbody>{items.map((i) => (
              <tr key={i.offerId}>
                <td><Link to={`/sourcing/suppliers/${i.supplierId}`}>{i.supplierName}</Link><div className="muted small">{i.siteName}</div>
                  {!i.included ? <Badge tone="danger">{t('sourcing.excluded')}: {i.exclusionReason}</Badge> : null}</td>
                <td className="num">{i.completenessPct == null ? '—' : `${fmt(i.completenessPct, locale, 0)} %`}</td>
                <td className="small">{i.missing.length ? i.missing.map((m) => <Fragment key={m}><Link to={`/sourcing/suppliers/${i.supplierId}`}>{t(`sourcing.missingItem.${m.split('.').pop()}` as 'sourcing.missingItem.audit')}</Link>{' '}</Fragment>) : <span className="muted">{t('sourcing.nothingMissing')}</span>}</td>
                <td className="small">{[
                  ...i.warnings.map((w) => t(`sourcing.warning.${w}` as 'sourcing.warning.insufficient_capacity')),
                  i.environmental?.legs.some((l) => l.estimated) && !i.warnings.includes('distance_estimated') ? t('sourcing.warning.distance_estimated') : null,
                ].filter(Boolean).join(' · ') || <span className="muted">—</span>}</td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      )}
      <FormActions><Button variant="primary" onClick={onNext}>{t('sourcing.next')}</Button></FormActions>
    </Card>
  );
}

function WeightsStep({ a, editable, onDone }: { a: Assessment; editable: boolean; onDone: () => void }) {
  const t = useT();
  const queryClient = useQueryClient();
  const [w, setW] = useState<WeightsValue>(() => weightsFrom(a.weights));
  const apply = useMutation({
    mutationFn: async () => {
      await request('PATCH', `/api/v1/sourcing/assessments/${a.id}`, { body: { weights: weightsBody(w), version: a.version } });
      return request('POST', `/api/v1/sourcing/assessments/${a.id}/score`, { body: {} });
    },
    onSuccess: async () => { await queryClient.invalidateQueries({ queryKey: sourcingKeys.assessment(a.id) }); onDone(); },
  });
  return (
    <Card title={t('sourcing.stepName.4')} description={t('sourcing.weightsHint')}>
      {editable ? <WeightsEditor value={w} onChange={setW} /> : <Alert tone="info">{t('sourcing.weightsLocked')}</Alert>}
      <ProblemAlert error={apply.error} />
      <FormActions>
        <Button onClick={onDone}>{t('sourcing.skip')}</Button>
        {editable ? <Button variant="primary" busy={apply.isPending} onClick={() => apply.mutate()} data-testid="score-button">{t('sourcing.applyAndScore')}</Button> : null}
      </FormActions>
    </Card>
  );
}

const COSTS = ['price', 'freight', 'duty', 'carrying', 'quality', 'expedite', 'admin', 'risk', 'other'];

function Breakdown({ i }: { i: ResultItem }) {
  const t = useT();
  const { locale } = useI18n();
  if (!i.economic) return <p className="muted">{i.exclusionReason}</p>;
  return (
    <div className="src-grid-3 src-drawer" data-testid="breakdown">
      <div>
        <h4>{t('sourcing.tcoComponents')}</h4>
        <dl className="facts">{COSTS.filter((k) => k in i.economic!.breakdown).map((k) => [k, i.economic!.breakdown[k]!] as const).map(([k, v]) => <Fragment key={k}><dt>{t(`sourcing.cost.${k}` as 'sourcing.cost.price')}</dt><dd>{money(v, locale, 'EUR', 6)}</dd></Fragment>)}
          <dt><strong>{t('sourcing.tcoPerUnit')}</strong></dt><dd><strong>{money(i.economic.tcoPerUnit, locale, 'EUR', 6)}</strong></dd>
          <dt>{t('sourcing.annualTco')}</dt><dd>{money(i.economic.annualTco, locale, 'EUR', 0)}</dd></dl>
      </div>
      <div>
        <h4>{t('sourcing.emissionsPerLeg')}</h4>
        <table className="table src-table"><thead><tr><th>{t('sourcing.mode')}</th><th className="num">km</th><th className="num">{t('sourcing.factor')}</th><th className="num">kg/t</th></tr></thead>
          <tbody>{i.environmental?.legs.map((l, n) => (
            <tr key={n}><td>{l.mode}{l.estimated ? <> <Badge tone="warning">{t('sourcing.estimated')}</Badge></> : null}</td><td className="num">{fmt(l.distanceKm, locale, 1)}</td><td className="num">{fmt(l.factor, locale, 5)}</td><td className="num">{fmt(l.kgCo2ePerTonne, locale, 2)}</td></tr>
          ))}</tbody></table>
        <p className="small muted">{t('sourcing.kgPerUnit')}: {fmt(i.environmental?.kgCo2ePerUnit, locale, 6)} · {t('sourcing.annual')}: {fmt(i.environmental?.annualKgCo2e, locale, 0)} kg</p>
      </div>
      <div>
        <h4>{t('sourcing.qualityParts')}</h4>
        <dl className="facts">{Object.entries(i.quality?.parts ?? {}).map(([k, p]) => <Fragment key={k}><dt>{t(`sourcing.sub.${k}` as 'sourcing.sub.otif')}</dt><dd>{fmt(p.score, locale, 1)}{i.missing.some((m) => m.endsWith(k)) ? <> <Badge tone="warning">{t('sourcing.neutralMissing')}</Badge></> : null}</dd></Fragment>)}</dl>
        {i.quality?.recommendations.length ? <ul className="small">{i.quality.recommendations.map((r) => <li key={r}>{r}</li>)}</ul> : null}
      </div>
    </div>
  );
}

function Results({ a, items }: { a: Assessment; items: ResultItem[] }) {
  const t = useT();
  const { locale } = useI18n();
  const [open, setOpen] = useState<string | null>(null);
  const included = items.filter((i) => i.included).sort((x, y) => (x.rank ?? 999) - (y.rank ?? 999));
  const excluded = items.filter((i) => !i.included);
  if (!included.length) return <Alert tone="warning" title={t('sourcing.notScoredYet')}>{t('sourcing.notScoredYetHint')}</Alert>;
  return (
    <>
      <div className="table-wrap">
        <table className="table src-table" data-testid="results-table">
          <thead><tr><th className="num">#</th><th>{t('sourcing.supplier')}</th>{PILLARS.map((p) => <th key={p} style={{ minWidth: 120 }}>{t(pillarKey(p))}</th>)}<th className="num">{t('sourcing.weighted')}</th><th className="num">{a.rankingMethod === 'topsis' ? t('sourcing.closeness') : ''}</th><th className="num">{t('sourcing.tcoPerUnit')}</th><th className="num">{t('sourcing.kgPerUnit')}</th><th /></tr></thead>
          <tbody>{included.map((i) => (
            <Fragment key={i.offerId}>
              <tr data-testid="result-row">
                <td className="num src-rank">{i.rank}</td>
                <td><Link to={`/sourcing/suppliers/${i.supplierId}`} className="cell-title">{i.supplierName}</Link><div className="muted small">{i.siteName}{i.warnings.length ? <span className="src-warn"> · {i.warnings.map((w) => t(`sourcing.warning.${w}` as 'sourcing.warning.insufficient_capacity')).join(', ')}</span> : null}</div></td>
                {PILLARS.map((p) => <td key={p}><PillarBar value={i.pillars?.[p]} /></td>)}
                <td className="num"><strong>{fmt(i.weightedScore, locale, 2)}</strong></td>
                <td className="num">{i.closeness == null ? '' : fmt(i.closeness, locale, 4)}</td>
                <td className="num">{money(i.economic?.tcoPerUnit, locale, 'EUR', 4)}</td>
                <td className="num">{fmt(i.environmental?.kgCo2ePerUnit, locale, 4)}</td>
                <td><Button size="sm" variant="ghost" aria-expanded={open === i.offerId} onClick={() => setOpen(open === i.offerId ? null : i.offerId)}>{open === i.offerId ? t('sourcing.hide') : t('sourcing.why')}</Button></td>
              </tr>
              {open === i.offerId ? <tr><td colSpan={10}><Breakdown i={i} /></td></tr> : null}
            </Fragment>
          ))}</tbody>
        </table>
      </div>
      {excluded.length ? <p className="small muted" data-testid="excluded">{t('sourcing.excludedOffers')}: {excluded.map((i) => `${i.supplierName} (${i.exclusionReason})`).join('; ')}</p> : null}
    </>
  );
}

function ReturnDialog({ open, onClose, onSubmit, busy, error }: { open: boolean; onClose: () => void; onSubmit: (c: string) => void; busy: boolean; error: unknown }) {
  const t = useT();
  const [comment, setComment] = useState('');
  const [tried, setTried] = useState(false);
  const invalid = !comment.trim() ? t('sourcing.required') : comment.length > 2000 ? t('sourcing.tooLong', { n: 2000 }) : undefined;
  return (
    <Dialog open={open} onClose={onClose} title={t('sourcing.returnTitle')}
      footer={<><Button onClick={onClose}>{t('action.cancel')}</Button><Button variant="primary" busy={busy} onClick={() => { setTried(true); if (!invalid) onSubmit(comment.trim()); }}>{t('sourcing.return')}</Button></>}>
      <TextAreaField label={t('sourcing.returnComment')} value={comment} onChange={(e) => setComment(e.target.value)} required error={tried ? invalid : undefined} maxLength={2000} rows={4} />
      <ProblemAlert error={error} />
    </Dialog>
  );
}

/** An assessment: wizard steps 3 (data check), 4 (weights) and 5 (results, with submit / approve / return). */
export default function AssessmentView() {
  const { id = '' } = useParams();
  const t = useT();
  const { formatDate } = useI18n();
  const toast = useToast();
  const { hasRole } = useAuth();
  const me = useQuery<{ id: string }>({ queryKey: ['me'], enabled: false });
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const step = Number(params.get('step') ?? 5);
  const go = (n: number) => setParams(n === 5 ? {} : { step: String(n) }, { replace: true });
  const [returning, setReturning] = useState(false);
  const a = useAssessment(id);
  const results = useResults(id, !!a.data);
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: sourcingKeys.assessment(id) }), queryClient.invalidateQueries({ queryKey: ['sourcing', 'assessments'] })]);
  const action = useMutation({
    mutationFn: ({ name, body }: { name: 'score' | 'submit' | 'approve' | 'return' | 'archive'; body?: unknown }) => request('POST', `/api/v1/sourcing/assessments/${id}/${name}`, { body: body ?? {} }),
    onSuccess: async (_r, v) => { setReturning(false); toast(t(`sourcing.done.${v.name}`)); await refresh(); },
  });
  if (a.isPending) return <><Skeleton lines={2} height={28} /><TableSkeleton rows={4} columns={6} /></>;
  if (a.error) return a.error instanceof ApiError && (a.error.status === 404 || a.error.status === 400) ? <NotFound /> : <ProblemAlert error={a.error} onRetry={() => void a.refetch()} />;
  const x = a.data;
  const items = results.data?.items ?? [];
  const editable = x.status === 'draft' || x.status === 'scored';
  const manager = hasRole('manager');
  const mine = me.data ? me.data.id === x.createdBy : true;
  const exportCsv = async () => {
    const token = await accessToken();
    const res = await fetch(`/api/v1/sourcing/assessments/${id}/export.csv`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (!res.ok) { toast(t('error.unexpected'), 'error'); return; }
    const url = URL.createObjectURL(await res.blob());
    const link = document.createElement('a');
    link.href = url; link.download = `assessment-${id}.csv`; link.click();
    URL.revokeObjectURL(url);
  };
  return (
    <>
      <Link to="/sourcing/assessments" className="back-link">← {t('sourcing.assessments')}</Link>
      <PageHeader title={<>{x.title} <Badge tone={ASSESSMENT_TONE[x.status]}>{t(assessmentStatusKey(x.status))}</Badge>{x.stale ? <> <Badge tone="warning">{t('sourcing.stale')}</Badge></> : null}</>}
        description={t('sourcing.assessmentMeta', { q: x.annualQuantity, date: formatDate(x.assessmentDate, 'date'), method: x.rankingMethod === 'topsis' ? 'TOPSIS' : t('sourcing.weightedSum') })}
        actions={<div className="button-row">
          <Link className="btn btn-secondary" to={`/sourcing/assessments/${id}/compare`}>{t('sourcing.compare')}</Link>
          <Link className="btn btn-secondary" to={`/sourcing/assessments/${id}/tradeoff`}>{t('sourcing.tradeoff')}</Link>
          <Button icon="download" onClick={() => void exportCsv()}>CSV</Button>
        </div>} />
      {x.returnComment && x.status === 'scored' ? <Alert tone="warning" title={t('sourcing.returnedWith')}>{x.returnComment}</Alert> : null}
      {x.stale && editable ? <Alert tone="warning" title={t('sourcing.staleHint')} action={<Button size="sm" busy={action.isPending} onClick={() => action.mutate({ name: 'score' })}>{t('sourcing.rescore')}</Button>} /> : null}
      <Steps current={step} />
      <ProblemAlert error={action.error} />
      {results.error ? <ProblemAlert error={results.error} onRetry={() => void results.refetch()} /> : results.isPending ? <Skeleton lines={5} /> : step === 3 ? (
        <DataCheck a={x} items={items} onNext={() => go(4)} />
      ) : step === 4 ? (
        <WeightsStep a={x} editable={editable} onDone={() => go(5)} />
      ) : (
        <Card title={t('sourcing.stepName.5')} actions={<div className="button-row">
          {editable ? <Button onClick={() => go(4)}>{t('sourcing.changeWeights')}</Button> : null}
          {editable ? <Button busy={action.isPending && action.variables?.name === 'score'} onClick={() => action.mutate({ name: 'score' })}>{t('sourcing.rescore')}</Button> : null}
          {x.status === 'scored' && (mine || manager) ? <Button variant="primary" busy={action.isPending && action.variables?.name === 'submit'} onClick={() => action.mutate({ name: 'submit' })}>{t('sourcing.submit')}</Button> : null}
          {x.status === 'submitted' && manager ? <>
            <Button variant="primary" busy={action.isPending && action.variables?.name === 'approve'} onClick={() => action.mutate({ name: 'approve' })}>{t('sourcing.approve')}</Button>
            <Button onClick={() => setReturning(true)}>{t('sourcing.return')}</Button>
          </> : null}
        </div>}>
          {x.status === 'approved' ? <p className="small muted">{t('sourcing.approvedOnBy', { date: formatDate(x.approvedAt, 'date') })}</p> : null}
          {x.status === 'submitted' && manager ? <p className="small muted">{t('sourcing.selfApprovalNote')}</p> : null}
          <Results a={x} items={items} />
          {items.length === 0 && editable ? <FormActions><Button variant="primary" onClick={() => action.mutate({ name: 'score' })}>{t('sourcing.score')}</Button></FormActions> : null}
        </Card>
      )}
      <ReturnDialog open={returning} onClose={() => setReturning(false)} busy={action.isPending} error={action.error}
        onSubmit={(comment) => action.mutate({ name: 'return', body: { comment } })} />
    </>
  );
}
