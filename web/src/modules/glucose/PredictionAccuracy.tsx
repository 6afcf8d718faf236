import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useAuth } from '../../platform/auth/auth';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { EmptyState, ProblemAlert, TableSkeleton } from '../../platform/ui/feedback';
import { Card, PageHeader } from '../../platform/ui/layout';
import { Icon } from '../../platform/ui/icons';
import { useToast } from '../../platform/ui/toast';
import { useResolvedPatientId, useUnit } from './api';
import { formatGlucose } from './units';
import { sensorKeys } from './sensors-api';
import './forecast.css';

const PERIODS = [7, 28, 90] as const;
const OUTCOMES = ['accurate', 'too_high', 'too_low', 'missed_event', 'false_alarm'] as const;
const PAGE = 20;

const num = (v: number | null, digits = 1) => (v === null ? '—' : v.toFixed(digits));

/** Accuracy of past forecasts per model and horizon (§5.11), recent forecasts with their outcome, and feedback. */
export default function PredictionAccuracy() {
  const t = useT();
  const { locale, formatDate } = useI18n();
  const { me } = useAuth();
  const unit = useUnit();
  const toast = useToast();
  const queryClient = useQueryClient();
  const raw = useParams().patientId ?? 'me';
  const patientId = useResolvedPatientId(raw);
  const [days, setDays] = useState<(typeof PERIODS)[number]>(28);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const canGiveFeedback = me?.roles.some((r) => r === 'patient' || r === 'caregiver' || r === 'admin') ?? false;

  const accuracy = useQuery({
    queryKey: sensorKeys.accuracy(patientId ?? '', days),
    queryFn: ({ signal }) => {
      const to = new Date();
      const from = new Date(to.getTime() - (days - 1) * 86_400_000);
      return api.get('/api/v1/glucose/patients/{patientId}/predictions/accuracy', {
        params: { patientId: patientId! }, query: { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) }, signal,
      });
    },
    enabled: Boolean(patientId),
  });
  const recent = useQuery({
    queryKey: [...sensorKeys.predictions(patientId ?? ''), cursor ?? ''],
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients/{patientId}/predictions', {
      params: { patientId: patientId! }, query: { limit: PAGE, ...(cursor ? { cursor } : {}) }, signal,
    }),
    enabled: Boolean(patientId),
    placeholderData: (previous) => previous,
  });
  const feedback = useMutation({
    mutationFn: ({ id, outcome }: { id: string; outcome: (typeof OUTCOMES)[number] }) => api.post('/api/v1/glucose/patients/{patientId}/predictions/{predictionId}/feedback', {
      params: { patientId: patientId!, predictionId: id }, body: { outcome, userAction: 'none' },
    }),
    onSuccess: () => {
      toast(t('glucose.accuracy.thanks'));
      void queryClient.invalidateQueries({ queryKey: sensorKeys.predictions(patientId ?? '') });
      void queryClient.invalidateQueries({ queryKey: ['glucose', 'patient', patientId ?? '', 'accuracy'] });
    },
  });
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : formatGlucose(v, unit, locale));

  return (
    <>
      <Link className="back-link" to={`/glucose/patients/${raw}`}><Icon name="chevronLeft" size={16} />{t('glucose.myGlucose')}</Link>
      <PageHeader title={t('glucose.accuracy.title')} description={t('glucose.accuracy.lead')} />
      <Card title={t('glucose.accuracy.byModel')} className="g-accuracy">
        <div className="segmented g-windows" role="tablist" aria-label={t('glucose.accuracy.period')}>
          {PERIODS.map((d) => <button key={d} role="tab" aria-selected={days === d} className={days === d ? 'active' : ''} onClick={() => setDays(d)}>{t('glucose.accuracy.days', { n: d })}</button>)}
        </div>
        <ProblemAlert error={accuracy.error} onRetry={() => void accuracy.refetch()} />
        {accuracy.isPending ? <TableSkeleton rows={4} columns={8} /> : !accuracy.data || accuracy.data.items.length === 0 ? (
          <EmptyState icon="clock" title={t('glucose.accuracy.empty')}>{t('glucose.accuracy.emptyHint')}</EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="accuracy-table">
              <thead><tr>
                <th>{t('glucose.accuracy.model')}</th><th>{t('glucose.accuracy.horizon')}</th><th>{t('glucose.accuracy.n')}</th><th>{t('glucose.accuracy.rmse')}</th>
                <th>{t('glucose.accuracy.mae')}</th><th>{t('glucose.accuracy.mard')}</th><th>{t('glucose.accuracy.bias')}</th><th>{t('glucose.accuracy.clarke')}</th>
              </tr></thead>
              <tbody>
                {accuracy.data.items.map((m) => (
                  <tr key={`${m.model}-${m.horizon}`}>
                    <td>{t(`glucose.model.${m.model}` as never)}</td>
                    <td>{m.horizon} min</td>
                    <td>{m.n}</td>
                    <td>{num(m.rmse)} mg/dL</td>
                    <td>{num(m.mae)} mg/dL</td>
                    <td>{num(m.mardPct)} %</td>
                    <td>{num(m.bias)} mg/dL</td>
                    <td>
                      <div className="g-zones" title={`A ${num(m.clarke.aPct)} % · B ${num(m.clarke.bPct)} % · C ${num(m.clarke.cPct)} % · D ${num(m.clarke.dPct)} % · E ${num(m.clarke.ePct)} %`}>
                        {(['a', 'b', 'c', 'd', 'e'] as const).map((z) => <span key={z} className={`g-zone-${z}`} style={{ width: `${m.clarke[`${z}Pct`] ?? 0}%` }} />)}
                      </div>
                      <span className="small muted">{(['a', 'b', 'c', 'd', 'e'] as const).map((z) => num(m.clarke[`${z}Pct`], 0)).join(' / ')} %</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {accuracy.data ? (
          <p className="small muted">{t('glucose.accuracy.feedback')}: {OUTCOMES.map((o) => `${t(`glucose.accuracy.outcome.${o}` as never)} ${accuracy.data.feedback[o] ?? 0}`).join(' · ')}</p>
        ) : null}
      </Card>
      <Card title={t('glucose.accuracy.recent')} className="g-accuracy">
        <ProblemAlert error={recent.error ?? feedback.error} onRetry={() => void recent.refetch()} />
        {recent.isPending ? <TableSkeleton rows={5} columns={5} /> : !recent.data || recent.data.items.length === 0 ? <p className="muted">{t('glucose.accuracy.noRecent')}</p> : (
          <>
            <div className="table-wrap">
              <table className="table">
                <thead><tr>
                  <th>{t('glucose.accuracy.base')}</th><th>{t('glucose.accuracy.model')}</th><th>{t('glucose.accuracy.predicted')}</th><th>{t('glucose.accuracy.actual')}</th>
                  {canGiveFeedback ? <th>{t('glucose.accuracy.say')}</th> : null}
                </tr></thead>
                <tbody>
                  {recent.data.items.map((p) => {
                    const mine = p.feedback.find((f) => f.userId === me?.id);
                    return (
                      <tr key={p.predictionId}>
                        <td>{formatDate(p.baseTime, 'datetime')} · {fmt(p.baseValue)}</td>
                        <td>{p.primaryModel ? t(`glucose.model.${p.primaryModel}` as never) : '—'}</td>
                        <td>{fmt(p.horizons[0]?.value)} / {fmt(p.horizons[1]?.value)}</td>
                        <td>{fmt(p.actual30)} / {fmt(p.actual60)}</td>
                        {canGiveFeedback ? (
                          <td>
                            <div className="g-feedback-row">
                              {OUTCOMES.slice(0, 3).map((o) => (
                                <Button key={o} size="sm" variant={mine?.outcome === o ? 'primary' : 'secondary'} busy={feedback.isPending && feedback.variables?.id === p.predictionId && feedback.variables.outcome === o}
                                  onClick={() => feedback.mutate({ id: p.predictionId!, outcome: o })}>{t(`glucose.accuracy.outcome.${o}` as never)}</Button>
                              ))}
                            </div>
                          </td>
                        ) : null}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <div className="button-row">
              {cursor ? <Button size="sm" onClick={() => setCursor(undefined)}>{t('glucose.accuracy.newest')}</Button> : null}
              {recent.data.nextCursor ? <Button size="sm" icon="chevronRight" onClick={() => setCursor(recent.data.nextCursor ?? undefined)}>{t('glucose.accuracy.older')}</Button> : null}
            </div>
          </>
        )}
      </Card>
    </>
  );
}
