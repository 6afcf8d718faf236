import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useI18n, useT } from '../../platform/i18n';
import { Alert as Notice, EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Card, PageHeader } from '../../platform/ui/layout';
import { Icon } from '../../platform/ui/icons';
import { glucoseKeys, useCurrentReading, usePatientSettings, useResolvedPatientId, useTick, useUnit } from './api';
import { CurrentValue } from './CurrentValue';
import { DEFAULT_TARGETS } from './units';
import { TrendsPanel } from './Trends';
import './glucose.css';
import './analytics.css';

/**
 * §8 clinician patient detail: who, the live value, the way to every capability of the patient (live chart,
 * medications, thresholds, reports, predictions), then the trends (AGP, metrics, comparison, insights, episodes).
 */
export default function ClinicianPatient() {
  const t = useT();
  const { timeZone: viewerZone } = useI18n();
  const unit = useUnit();
  const now = useTick();
  const patientId = useResolvedPatientId(useParams().patientId);
  const settings = usePatientSettings(patientId);
  const current = useCurrentReading(patientId);
  const patients = useQuery({
    queryKey: glucoseKeys.patients,
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients', { query: { limit: 200 }, signal }),
  });
  const listed = patients.data?.items.find((p) => p.patientId === patientId);
  const error = settings.error ?? current.error;
  const notFound = error && typeof error === 'object' && 'status' in error && (error as { status: number }).status === 404;
  if (!patientId) return null;
  if (notFound) {
    return <EmptyState icon="search" title={t('glucose.patientNotFound')} action={<Link className="btn btn-secondary" to="/glucose/clinic">{t('clinic.back')}</Link>}>{t('glucose.patientNotFoundHint')}</EmptyState>;
  }
  const zone = settings.data?.timezone;
  const links: [string, string, 'home' | 'clock' | 'sliders' | 'cpu'][] = [
    [`/glucose/patients/${patientId}`, t('clinic.liveChart'), 'home'],
    [`/glucose/patients/${patientId}/medications`, t('care.medications'), 'clock'],
    [`/glucose/patients/${patientId}/alert-settings`, t('clinic.thresholds'), 'sliders'],
    [`/glucose/patients/${patientId}/predictions`, t('clinic.predictions'), 'cpu'],
  ];
  return (
    <>
      <Link className="back-link" to="/glucose/clinic"><Icon name="chevronLeft" size={16} />{t('clinic.title')}</Link>
      <PageHeader
        title={listed?.displayName ?? <span className="skeleton" style={{ display: 'inline-block', width: 200, height: 24 }} />}
        description={<>
          {settings.data ? t('clinic.detailLead', { type: t(`clinic.type.${settings.data.diabetesType as 't1'}`) }) : null}
          {zone && zone !== viewerZone ? <span className="g-zone"> · {t('glucose.patientZone', { zone })}</span> : null}
        </>}
        actions={<div className="ga-links">{links.map(([to, label, icon]) => <Link key={to} className="btn btn-sm btn-secondary" to={to}><Icon name={icon} size={15} />{label}</Link>)}</div>} />
      {listed?.relation === 'admin' ? <Notice tone="warning" title={t('glucose.adminAccess')} /> : null}
      <ProblemAlert error={error} onRetry={() => { void settings.refetch(); void current.refetch(); }} />
      <Card>
        {current.isPending ? <Skeleton lines={2} height={26} /> : current.data ? <CurrentValue current={current.data} unit={unit} targets={settings.data?.targets ?? DEFAULT_TARGETS} now={now} /> : null}
      </Card>
      <div className="ga-section"><TrendsPanel patientId={patientId} self={false} /></div>
    </>
  );
}
