import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Alert } from './alerts-api';
import { useAuth } from '../../platform/auth/auth';
import { useI18n, useT } from '../../platform/i18n';
import { Alert as Notice, EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Card, PageHeader } from '../../platform/ui/layout';
import { Icon } from '../../platform/ui/icons';
import { LiveBadge } from '../../platform/jobs/LiveBadge';
import { useStreamStatus } from '../../platform/realtime/stream';
import { glucoseKeys, useCurrentReading, usePatientSettings, useLiveReadings, useRecoverOnReconnect, useResolvedPatientId, useTick, useUnit } from './api';
import { CurrentValue } from './CurrentValue';
import { ReadingDialog } from './ReadingDialog';
import { GlucoseChart } from './GlucoseChart';
import { DEFAULT_TARGETS, formatGlucose } from './units';
import { sensorKeys } from './sensors-api';
import { ForecastSummary } from './Forecast';
import './glucose.css';

const WINDOWS = [3, 6, 12, 24] as const;

export default function PatientView() {
  const t = useT();
  const { locale, timeZone: viewerZone } = useI18n();
  const { me } = useAuth();
  const unit = useUnit();
  const status = useStreamStatus();
  const now = useTick();
  const patientId = useResolvedPatientId(useParams().patientId);
  const [hours, setHours] = useState<(typeof WINDOWS)[number]>(6);
  const [logging, setLogging] = useState(false);
  useLiveReadings(patientId);
  useRecoverOnReconnect();

  const settings = usePatientSettings(patientId);
  const current = useCurrentReading(patientId);
  // The window ends at the minute the data was asked for; live events refetch it.
  const history = useQuery({
    queryKey: glucoseKeys.history(patientId ?? '', hours),
    queryFn: ({ signal }) => {
      const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 60_000);
      const from = new Date(to.getTime() - hours * 3_600_000);
      return api.get('/api/v1/glucose/patients/{patientId}/readings', {
        params: { patientId: patientId! }, query: { from: from.toISOString(), to: to.toISOString(), granularity: 'raw', limit: 2000, include: 'markers' }, signal,
      });
    },
    enabled: Boolean(patientId),
    placeholderData: (previous) => previous,
  });
  const alerts = useQuery({
    queryKey: [...glucoseKeys.alerts, 'patient', patientId ?? '', hours],
    queryFn: ({ signal }) => api.get('/api/v1/glucose/alerts', {
      query: { patientId: patientId!, since: new Date(Date.now() - hours * 3_600_000).toISOString(), limit: 200 }, signal,
    }) as Promise<{ items: Alert[] }>,
    enabled: Boolean(patientId),
  });
  const forecast = useQuery({
    queryKey: sensorKeys.forecast(patientId ?? ''),
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients/{patientId}/predictions/current', { params: { patientId: patientId! }, signal }),
    enabled: Boolean(patientId),
    refetchInterval: 60_000,
  });
  const patients = useQuery({
    queryKey: glucoseKeys.patients,
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients', { query: { limit: 200 }, signal }),
  });

  const targets = settings.data?.targets ?? DEFAULT_TARGETS;
  const zone = settings.data?.timezone ?? viewerZone;
  const listed = patients.data?.items.find((p) => p.patientId === patientId);
  const name = listed?.displayName;
  const self = patientId === me?.id;
  const span = useMemo(() => {
    if (!history.data) return { from: now - hours * 3_600_000, to: now };
    return { from: new Date(history.data.from).getTime(), to: new Date(history.data.to).getTime() };
  }, [history.data, hours, now]);
  const error = current.error ?? history.error ?? settings.error;
  const notFound = error && typeof error === 'object' && 'status' in error && (error as { status: number }).status === 404;
  const readings = history.data?.items.length ?? 0;

  if (notFound) {
    return <EmptyState icon="search" title={t('glucose.patientNotFound')} action={<Link className="btn btn-secondary" to="/glucose/patients">{t('glucose.backToPatients')}</Link>}>{t('glucose.patientNotFoundHint')}</EmptyState>;
  }

  return (
    <>
      {!self ? <Link className="back-link" to="/glucose/patients"><Icon name="chevronLeft" size={16} />{t('glucose.myPatients')}</Link> : null}
      <PageHeader title={self ? t('glucose.myGlucose') : name ?? <span className="skeleton" style={{ display: 'inline-block', width: 180, height: 24 }} />}
        description={zone !== viewerZone ? <span className="g-zone">{t('glucose.patientZone', { zone })}</span> : undefined}
        actions={<>
          <LiveBadge live={status === 'open'} />
          {self || listed?.relation === 'caregiver' || listed?.relation === 'admin'
            ? <button className="btn btn-sm btn-primary" onClick={() => setLogging(true)}><Icon name="plus" size={15} />{t('glucose.log.add')}</button> : null}
          <Link className="btn btn-sm btn-secondary" to="/glucose/alerts"><Icon name="bell" size={15} />{t('glucose.alerts')}</Link>
          {!self && patientId ? <Link className="btn btn-sm btn-secondary" to={`/glucose/patients/${patientId}/medications`}><Icon name="clock" size={15} />{t('care.medications')}</Link> : null}
          {!self && patientId ? <Link className="btn btn-sm btn-secondary" to={`/glucose/patients/${patientId}/nutrition`}><Icon name="list" size={15} />{t('care.nutrition')}</Link> : null}
          <Link className="btn btn-sm btn-secondary" to={self ? '/glucose/settings' : `/glucose/patients/${patientId}/alert-settings`}><Icon name="sliders" size={15} />{t('glucose.alertSettings')}</Link>
        </>} />
      {listed?.relation === 'admin' ? <Notice tone="warning" title={t('glucose.adminAccess')} /> : null}
      <ProblemAlert error={error} onRetry={() => { void current.refetch(); void history.refetch(); }} />
      <Card>
        <div className="g-summary">
          {current.isPending ? <Skeleton lines={2} height={26} /> : current.data ? <CurrentValue current={current.data} unit={unit} targets={targets} now={now} /> : null}
          <div className="g-meta">
            <span>{t('glucose.target', { low: formatGlucose(targets.low, unit, locale), high: formatGlucose(targets.high, unit, locale), unit })}</span>
            {current.data?.sensor ? <span>{t('glucose.sensor', { model: current.data.sensor.model, status: current.data.sensor.status })}</span> : null}
          </div>
        </div>
        <div className="segmented g-windows" role="tablist" aria-label={t('glucose.window')}>
          {WINDOWS.map((h) => (
            <button key={h} role="tab" aria-selected={hours === h} className={hours === h ? 'active' : ''} onClick={() => setHours(h)}>{t('glucose.hours', { n: h })}</button>
          ))}
        </div>
        {history.isPending ? <div className="skeleton" style={{ height: 320 }} aria-busy="true" /> : readings === 0 && !history.error ? (
          <EmptyState icon="clock" title={t('glucose.noReadingsWindow', { n: hours })}>{self ? t('glucose.noReadingsSelfHint') : t('glucose.noReadingsHint')}</EmptyState>
        ) : (
          <div data-testid="glucose-chart">
            <GlucoseChart history={history.data} alerts={alerts.data?.items} unit={unit} targets={targets} fromMs={span.from} toMs={span.to} timeZone={zone} forecast={forecast.data} />
          </div>
        )}
        <div className="g-legend" aria-hidden="true">
          <span className="g-l-band">{t('glucose.chart.band')}</span>
          <span className="g-l-cgm">{t('glucose.chart.cgm')}</span>
          <span className="g-l-manual">{t('glucose.chart.manual')}</span>
          <span className="g-l-flagged">{t('glucose.chart.flagged')}</span>
          <span className="g-l-alert">{t('glucose.chart.alerts')}</span>
          {forecast.data?.primaryModel ? <span className="g-l-forecast">{t('glucose.forecast.cone')}</span> : null}
        </div>
        {readings > 0 ? <ForecastSummary forecast={forecast.data} unit={unit} accuracyTo={`/glucose/patients/${self ? 'me' : patientId}/predictions`} /> : null}
      </Card>
      {patientId ? <ReadingDialog patientId={patientId} unit={unit} open={logging} onClose={() => setLogging(false)} /> : null}
    </>
  );
}
