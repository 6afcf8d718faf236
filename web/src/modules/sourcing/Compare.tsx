import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { request } from '../../api/client';
import { ApiError } from '../../api/problem';
import { useI18n, useT } from '../../platform/i18n';
import { Alert, EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Card, PageHeader } from '../../platform/ui/layout';
import { Chart } from '../../platform/ui/Chart';
import { loadSourcingCharts } from './charts-loader';
import { certLabel, fmt, type Comparison } from './api';
import { NotFound, useAssessment, useResults } from './AssessmentView';
import './sourcing.css';

const COLOURS = ['#2563eb', '#d97706', '#059669', '#dc2626', '#7c3aed', '#0891b2'];

function rawText(v: unknown, unit: string, locale: string): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.length ? v.map((c) => certLabel(String(c))).join(', ') : '—';
  if (typeof v === 'number') return `${fmt(v, locale, v < 10 ? 4 : 1)} ${unit}`;
  return `${String(v)}${unit === 'risk level' ? '' : ` ${unit}`}`;
}

/** Comparison radar (spec §9, §5.6.4): 2–6 offers of an assessment on twelve computed axes; missing values are gaps marked "no data". */
export default function Compare() {
  const { id = '' } = useParams();
  const t = useT();
  const { locale } = useI18n();
  const a = useAssessment(id);
  const results = useResults(id, !!a.data);
  const included = useMemo(() => (results.data?.items ?? []).filter((i) => i.included).sort((x, y) => (x.rank ?? 99) - (y.rank ?? 99)), [results.data]);
  const [picked, setPicked] = useState<string[] | null>(null);
  const chosen = picked ?? included.slice(0, 3).map((i) => i.offerId);
  const enough = chosen.length >= 2 && chosen.length <= 6;
  const cmp = useQuery({
    queryKey: ['sourcing', 'assessment', id, 'comparison', chosen],
    enabled: enough,
    queryFn: ({ signal }) => request<Comparison>('GET', `/api/v1/sourcing/assessments/${id}/comparison`, { query: { offerIds: chosen.join(',') }, signal }),
    placeholderData: (prev) => prev,
  });
  const option = useMemo(() => {
    if (!cmp.data) return null;
    const axes = cmp.data.axes;
    return {
      tooltip: { trigger: 'item', formatter: (p: { seriesIndex: number; dataIndex: number; name: string; value: (number | string)[] }) =>
        `<b>${p.name}</b><br/>${axes.map((ax, k) => `${ax.label}: ${p.value[k] === '-' ? t('sourcing.noData') : p.value[k]}`).join('<br/>')}` },
      legend: { bottom: 0, type: 'scroll' },
      radar: { indicator: axes.map((ax) => ({ name: ax.label, max: 100, min: 0 })), radius: '70%', center: ['50%', '50%'], axisName: { color: '#374151', fontSize: 11 }, splitNumber: 4 },
      series: [{
        type: 'radar', symbolSize: 5, connectNulls: false,
        data: cmp.data.offers.map((o, n) => ({
          name: o.name, value: axes.map((ax) => (o.values[ax.key] == null ? '-' : o.values[ax.key])),
          lineStyle: { color: COLOURS[n], width: 2 }, itemStyle: { color: COLOURS[n] }, areaStyle: { color: COLOURS[n], opacity: 0.08 },
        })),
      }],
    };
  }, [cmp.data, t]);

  if (a.isPending) return <Skeleton lines={6} />;
  if (a.error) return a.error instanceof ApiError && a.error.status < 500 ? <NotFound /> : <ProblemAlert error={a.error} onRetry={() => void a.refetch()} />;
  const toggle = (offerId: string, on: boolean) => setPicked(on ? [...chosen, offerId] : chosen.filter((x) => x !== offerId));
  return (
    <>
      <Link to={`/sourcing/assessments/${id}`} className="back-link">← {a.data.title}</Link>
      <PageHeader title={t('sourcing.compareTitle')} description={t('sourcing.compareLead')} />
      {results.isPending ? <Skeleton lines={3} /> : results.error ? <ProblemAlert error={results.error} onRetry={() => void results.refetch()} /> : included.length < 2 ? (
        <EmptyState icon="info" title={t('sourcing.compareNeedsTwo')}>{t('sourcing.compareNeedsTwoHint')}</EmptyState>
      ) : (
        <div className="stack">
          <Card title={t('sourcing.chooseOffers')} description={t('sourcing.chooseTwoToSix')}>
            <div className="badges" data-testid="compare-choice">
              {included.map((i) => (
                <label key={i.offerId} className="checkbox" style={{ marginRight: 14 }}>
                  <input type="checkbox" checked={chosen.includes(i.offerId)} disabled={!chosen.includes(i.offerId) && chosen.length >= 6} onChange={(e) => toggle(i.offerId, e.target.checked)} />
                  <span>#{i.rank} {i.supplierName}</span>
                </label>
              ))}
            </div>
            {!enough ? <p className="field-error" role="alert">{t('sourcing.chooseTwoToSix')}</p> : null}
          </Card>
          {cmp.error ? <ProblemAlert error={cmp.error} onRetry={() => void cmp.refetch()} /> : !cmp.data || !option ? (enough ? <Skeleton lines={8} /> : null) : (
            <>
              <Card title={t('sourcing.radar')} description={t('sourcing.radarHint')}>
                <Chart load={loadSourcingCharts} option={option} height={540} label={t('sourcing.radar')} testId="radar" />
              </Card>
              <div className="table-wrap">
                <table className="table src-table" data-testid="compare-table">
                  <thead><tr><th>{t('sourcing.axis')}</th>{cmp.data.offers.map((o, n) => <th key={o.offerId} style={{ color: COLOURS[n] }}>{o.name}</th>)}</tr></thead>
                  <tbody>{cmp.data.axes.map((ax) => {
                    const vals = cmp.data!.offers.map((o) => o.values[ax.key]);
                    const best = Math.max(...vals.filter((v): v is number => v != null));
                    return (
                      <tr key={ax.key}>
                        <td><strong>{ax.label}</strong><div className="muted small">{ax.unit}</div></td>
                        {cmp.data!.offers.map((o) => {
                          const v = o.values[ax.key];
                          return (
                            <td key={o.offerId} className={v != null && v === best && vals.filter((x) => x === best).length < vals.length ? 'src-best' : ''}>
                              {v == null ? <span className="src-gap">{t('sourcing.noData')}</span> : <>{fmt(v, locale, 1)} <span className="muted small">· {rawText(o.raw[ax.key], ax.unit, locale)}</span></>}
                            </td>
                          );
                        })}
                      </tr>
                    );
                  })}</tbody>
                </table>
              </div>
              <Alert tone="info">{t('sourcing.compareNote')}</Alert>
            </>
          )}
        </div>
      )}
    </>
  );
}
