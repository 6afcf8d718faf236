import { useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { request } from '../../api/client';
import { ApiError } from '../../api/problem';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Dialog } from '../../platform/ui/Dialog';
import { TextField } from '../../platform/ui/Field';
import { EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Badge, Card, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { Chart } from '../../platform/ui/Chart';
import { loadSourcingCharts } from './charts-loader';
import { PILLARS, fmt, money, pillarKey, sourcingKeys, type Tradeoff as TradeoffAnswer } from './api';
import { NotFound, PillarBar, useAssessment, useResults } from './AssessmentView';
import { WeightsEditor, weightsBody, weightsFrom, type WeightsValue } from './WeightsEditor';
import './sourcing.css';

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setV(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return v;
}

function SaveProfile({ open, onClose, weights }: { open: boolean; onClose: () => void; weights: WeightsValue }) {
  const t = useT();
  const toast = useToast();
  const [name, setName] = useState('');
  const [tried, setTried] = useState(false);
  const save = useMutation({
    mutationFn: () => request('POST', '/api/v1/sourcing/weight-profiles', { body: { name: name.trim(), weights: weightsBody(weights) } }),
    onSuccess: () => { toast(t('sourcing.profileSaved')); setName(''); setTried(false); onClose(); },
  });
  const invalid = !name.trim() ? t('sourcing.required') : name.length > 120 ? t('sourcing.tooLong', { n: 120 }) : undefined;
  return (
    <Dialog open={open} onClose={onClose} title={t('sourcing.saveProfile')}
      footer={<><Button onClick={onClose}>{t('action.cancel')}</Button><Button variant="primary" busy={save.isPending} onClick={() => { setTried(true); if (!invalid) save.mutate(); }}>{t('action.save')}</Button></>}>
      <TextField label={t('sourcing.profileName')} value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} error={tried ? invalid : undefined} />
      <ProblemAlert error={save.error} />
    </Dialog>
  );
}

/** Trade-off page (spec §9, §5.6.3): weights re-rank live (server what-if, debounced 200 ms); stability per pillar; Pareto scatter; pairs with abatement cost. */
export default function Tradeoff() {
  const { id = '' } = useParams();
  const t = useT();
  const { locale } = useI18n();
  const toast = useToast();
  const queryClient = useQueryClient();
  const a = useAssessment(id);
  const results = useResults(id, !!a.data);
  const [weights, setWeights] = useState<WeightsValue | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => { if (a.data && !weights) setWeights(weightsFrom(a.data.weights)); }, [a.data, weights]);
  const debounced = useDebounced(weights, 200);
  const what = useQuery({
    queryKey: ['sourcing', 'assessment', id, 'tradeoff', debounced],
    enabled: !!debounced && (results.data?.items.some((i) => i.included) ?? false),
    queryFn: ({ signal }) => request<TradeoffAnswer>('POST', `/api/v1/sourcing/assessments/${id}/tradeoff`, { body: { weights: weightsBody(debounced!) }, signal }),
    placeholderData: (prev) => prev,
  });
  const apply = useMutation({
    mutationFn: async () => {
      await request('PATCH', `/api/v1/sourcing/assessments/${id}`, { body: { weights: weightsBody(weights!), version: a.data!.version } });
      return request('POST', `/api/v1/sourcing/assessments/${id}/score`, { body: {} });
    },
    onSuccess: async () => { toast(t('sourcing.applied')); await queryClient.invalidateQueries({ queryKey: sourcingKeys.assessment(id) }); },
  });
  const byOffer = useMemo(() => new Map((results.data?.items ?? []).map((i) => [i.offerId, i])), [results.data]);
  const original = useMemo(() => new Map((results.data?.items ?? []).filter((i) => i.included).map((i) => [i.offerId, i.rank])), [results.data]);

  const pareto = useMemo(() => {
    const items = (results.data?.items ?? []).filter((i) => i.included && i.economic && i.environmental);
    const front = new Set(what.data?.paretoFront ?? []);
    const point = (i: (typeof items)[number]) => ({ name: i.supplierName, value: [i.economic!.tcoPerUnit, i.environmental!.kgCo2ePerUnit, i.pillars?.quality ?? 0], symbolSize: 10 + (i.pillars?.quality ?? 0) / 4 });
    return {
      tooltip: { trigger: 'item', formatter: (p: { name: string; value: number[] }) => `${p.name}<br/>${t('sourcing.tcoPerUnit')}: ${fmt(p.value[0], locale, 4)}<br/>kg CO₂e: ${fmt(p.value[1], locale, 4)}<br/>${t('sourcing.pillar.quality')}: ${fmt(p.value[2], locale, 1)}` },
      legend: { top: 0 }, grid: { left: 60, right: 24, top: 34, bottom: 44 },
      xAxis: { type: 'value', name: t('sourcing.tcoPerUnit'), nameLocation: 'middle', nameGap: 28, scale: true },
      yAxis: { type: 'value', name: 'kg CO₂e / unit', scale: true },
      series: [
        { type: 'scatter', name: t('sourcing.paretoFront'), data: items.filter((i) => front.has(i.offerId)).map(point), itemStyle: { color: '#2563eb' }, label: { show: true, formatter: '{b}', position: 'top', fontSize: 11 } },
        { type: 'scatter', name: t('sourcing.dominated'), data: items.filter((i) => !front.has(i.offerId)).map(point), itemStyle: { color: '#9ca3af' }, label: { show: true, formatter: '{b}', position: 'top', fontSize: 11, color: '#6b7280' } },
      ],
    };
  }, [results.data, what.data, t, locale]);

  if (a.error) return a.error instanceof ApiError && a.error.status < 500 ? <NotFound /> : <ProblemAlert error={a.error} onRetry={() => void a.refetch()} />;
  if (a.isPending || !weights) return <Skeleton lines={8} />;
  const editable = a.data.status === 'draft' || a.data.status === 'scored';
  const name = (offerId: string) => byOffer.get(offerId)?.supplierName ?? offerId.slice(0, 8);
  const hasResults = results.data?.items.some((i) => i.included);
  return (
    <>
      <Link to={`/sourcing/assessments/${id}`} className="back-link">← {a.data.title}</Link>
      <PageHeader title={t('sourcing.tradeoffTitle')} description={t('sourcing.tradeoffLead')}
        actions={<div className="button-row">
          <Button onClick={() => setSaving(true)}>{t('sourcing.saveProfile')}</Button>
          {editable ? <Button variant="primary" busy={apply.isPending} onClick={() => apply.mutate()}>{t('sourcing.applyToAssessment')}</Button> : null}
        </div>} />
      <ProblemAlert error={apply.error} />
      {results.isPending ? <Skeleton lines={6} /> : results.error ? <ProblemAlert error={results.error} onRetry={() => void results.refetch()} /> : !hasResults ? (
        <EmptyState icon="info" title={t('sourcing.notScoredYet')}>{t('sourcing.notScoredYetHint')}</EmptyState>
      ) : (
        <div className="stack">
          <div className="grid-2">
            <Card title={t('sourcing.weights')}><WeightsEditor value={weights} onChange={setWeights} /></Card>
            <Card title={t('sourcing.liveRanking')} actions={what.isFetching ? <span className="spinner" aria-label={t('sourcing.updating')} /> : null}>
              {what.error ? <ProblemAlert error={what.error} /> : !what.data ? <Skeleton lines={4} /> : (
                <div className="scroll-x"><table className="table src-table" data-testid="live-ranking">
                  <thead><tr><th className="num">#</th><th>{t('sourcing.supplier')}</th><th className="num">{t('sourcing.weighted')}</th><th className="num">{t('sourcing.closeness')}</th><th>{t('sourcing.vsAssessment')}</th></tr></thead>
                  <tbody>{what.data.ranking.map((r) => {
                    const before = original.get(r.offerId);
                    const delta = before != null ? before - r.rank : 0;
                    return (
                      <tr key={r.offerId} data-testid="ranking-row" data-offer={r.offerId}>
                        <td className="num src-rank">{r.rank}</td>
                        <td className="nowrap">{name(r.offerId)}</td>
                        <td className="num">{fmt(r.weightedScore, locale, 2)}</td>
                        <td className="num">{r.closeness == null ? '—' : fmt(r.closeness, locale, 4)}</td>
                        <td>{delta > 0 ? <Badge tone="success">▲ {delta}</Badge> : delta < 0 ? <Badge tone="danger">▼ {-delta}</Badge> : <span className="muted small">=</span>}</td>
                      </tr>
                    );
                  })}</tbody>
                </table></div>
              )}
            </Card>
          </div>
          {what.data ? (
            <>
              <Card title={t('sourcing.stability')} description={t('sourcing.stabilityHint')}>
                {PILLARS.map((p) => {
                  const s = what.data!.sensitivity[p];
                  return (
                    <div key={p} className="src-slider src-stab-row" data-testid={`stability-${p}`}>
                      <span>{t(pillarKey(p))}</span>
                      <div className="src-stability" title={`${fmt(s.stableFrom * 100, locale, 0)}–${fmt(s.stableTo * 100, locale, 0)} %`}>
                        <i style={{ left: `${s.stableFrom * 100}%`, width: `${(s.stableTo - s.stableFrom) * 100}%` }} />
                        <b style={{ left: `calc(${s.current * 100}% - 1px)` }} />
                      </div>
                      <output className="small">{fmt(s.stableFrom * 100, locale, 0)}–{fmt(s.stableTo * 100, locale, 0)} %</output>
                      {s.switches.length ? <p className="small muted" style={{ gridColumn: '2 / 4', margin: 0 }}>{s.switches.map((w) => t('sourcing.switchAt', { at: fmt(w.at * 100, locale, 0), who: name(w.leaderOfferId) })).join(' · ')}</p> : null}
                    </div>
                  );
                })}
              </Card>
              <div className="grid-2">
                <Card title={t('sourcing.pareto')} description={t('sourcing.paretoHint')}><Chart load={loadSourcingCharts} option={pareto} height={320} label={t('sourcing.pareto')} /></Card>
              <Card title={t('sourcing.pillarsNow')}>
                <div className="scroll-x"><table className="table src-table">
                  <thead><tr><th>{t('sourcing.supplier')}</th>{PILLARS.map((p) => <th key={p}>{t(pillarKey(p))}</th>)}</tr></thead>
                  <tbody>{what.data.ranking.map((r) => { const i = byOffer.get(r.offerId); return (
                    <tr key={r.offerId}><td>{name(r.offerId)}</td>{PILLARS.map((p) => <td key={p}><PillarBar value={i?.pillars?.[p]} /></td>)}</tr>
                  ); })}</tbody>
                </table></div>
              </Card>
              </div>
              <Card title={t('sourcing.pairs')} description={t('sourcing.pairsHint')}>
                  {!what.data.pairs.length ? <p className="muted">—</p> : (
                    <table className="table src-table" data-testid="pairs">
                      <thead><tr><th>{t('sourcing.pair')}</th><th className="num">Δ TCO</th><th className="num">Δ kg CO₂e</th><th className="num">Δ {t('sourcing.pillar.quality')}</th><th className="num">{t('sourcing.abatement')}</th></tr></thead>
                      <tbody>{what.data.pairs.map((p) => (
                        <tr key={`${p.a}-${p.b}`}>
                          <td className="small">{name(p.a)} / {name(p.b)}</td>
                          <td className="num">{money(p.deltaTcoPerUnit, locale, 'EUR', 4)}</td>
                          <td className="num">{fmt(p.deltaKgCo2ePerUnit, locale, 4)}</td>
                          <td className="num">{fmt(p.deltaQuality, locale, 1)}</td>
                          <td className="num">{p.abatementCostPerTonneCo2e == null ? <span className="muted">—</span> : `${money(p.abatementCostPerTonneCo2e, locale, 'EUR', 2)} / t`}</td>
                        </tr>
                      ))}</tbody>
                    </table>
                  )}
                </Card>
            </>
          ) : null}
        </div>
      )}
      <SaveProfile open={saving} onClose={() => setSaving(false)} weights={weights} />
    </>
  );
}
