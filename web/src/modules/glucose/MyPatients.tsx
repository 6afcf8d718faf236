import { Link } from 'react-router';
import { useQueries, useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useAuth } from '../../platform/auth/auth';
import { useT } from '../../platform/i18n';
import { EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Badge, PageHeader } from '../../platform/ui/layout';
import { LiveBadge } from '../../platform/jobs/LiveBadge';
import { useStreamStatus } from '../../platform/realtime/stream';
import { glucoseKeys, useLiveReadings, useRecoverOnReconnect, useTick, useUnit, type Current, type PatientItem } from './api';
import { CurrentValue } from './CurrentValue';
import { DEFAULT_TARGETS, rangeOf } from './units';
import type { Alert } from './alerts-api';
import './glucose.css';

/** Critical open alerts first, then warnings, then out of range, then stale, then by name. */
function rank(current: Current | undefined, open: Alert[]): number {
  if (open.some((a) => a.severity === 'critical')) return 0;
  if (open.length) return 1;
  if (!current) return 5;
  const range = rangeOf(current.reading?.value, DEFAULT_TARGETS);
  if (range !== 'in-range' && range !== 'none') return 2;
  if (current.stale) return 3;
  return 4;
}

function PatientCard({ patient, current, loading, failed, open }: { patient: PatientItem; current: Current | undefined; loading: boolean; failed: boolean; open: Alert[] }) {
  const t = useT();
  const unit = useUnit();
  const now = useTick();
  useLiveReadings(patient.patientId);
  const critical = open.some((a) => a.severity === 'critical');
  const range = rangeOf(current?.reading?.value, DEFAULT_TARGETS);
  return (
    <Link to={`/glucose/patients/${patient.patientId}`} className={`g-card ${critical ? 'critical' : range}`} data-testid="patient-card" aria-label={patient.displayName}>
      <div className="g-card-head">
        <strong>{patient.displayName}</strong>
        {patient.relation !== 'self' ? <span className="muted small">{t(`glucose.relation.${patient.relation}` as 'glucose.relation.caregiver')}</span> : null}
      </div>
      {current ? <CurrentValue current={current} unit={unit} targets={DEFAULT_TARGETS} now={now} />
        : failed && !loading ? <p className="muted small">{t('glucose.cardFailed')}</p> : <Skeleton lines={2} height={22} />}
      {open.length ? (
        <div className="badges" data-testid="card-alerts">
          {open.map((a) => (
            <Badge key={a.id} tone={a.status === 'pending' || a.status === 'escalated' ? (a.severity === 'critical' ? 'danger' : 'warning') : 'neutral'}>
              {t(`glucose.alertType.${a.type}`)} · {t(`glucose.alertStatus.${a.status}`)}
            </Badge>
          ))}
        </div>
      ) : null}
    </Link>
  );
}

export default function MyPatients() {
  const t = useT();
  const { hasRole } = useAuth();
  const status = useStreamStatus();
  useRecoverOnReconnect();
  const patients = useQuery({
    queryKey: glucoseKeys.patients,
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients', { query: { limit: 200 }, signal }),
  });
  const items = patients.data?.items ?? [];
  const currents = useQueries({
    queries: items.map((p) => ({
      queryKey: glucoseKeys.current(p.patientId),
      queryFn: ({ signal }: { signal: AbortSignal }) => api.get('/api/v1/glucose/patients/{patientId}/readings/current', { params: { patientId: p.patientId }, signal }),
      // A poll backs up the stream so "stale" shows even when no event comes.
      refetchInterval: 60_000,
    })),
  });
  const alerts = useQuery({
    queryKey: [...glucoseKeys.alerts, 'list', 'open'],
    queryFn: ({ signal }) => api.get('/api/v1/glucose/alerts', { query: { status: 'open', limit: 200 }, signal }) as Promise<{ items: Alert[] }>,
    refetchInterval: 60_000,
  });
  const openOf = (id: string) => (alerts.data?.items ?? []).filter((a) => a.patientId === id);
  const byId = new Map(items.map((p, i) => [p.patientId, currents[i]]));
  const sorted = [...items].sort((a, b) => rank(byId.get(a.patientId)?.data, openOf(a.patientId)) - rank(byId.get(b.patientId)?.data, openOf(b.patientId)) || a.displayName.localeCompare(b.displayName));
  const follower = hasRole('caregiver', 'clinician');

  return (
    <>
      <PageHeader title={t('glucose.myPatients')} description={t('glucose.myPatientsLead')}
        actions={<LiveBadge live={status === 'open'} />} />
      <ProblemAlert error={patients.error} onRetry={() => void patients.refetch()} />
      {patients.isPending ? (
        <div className="g-cards">{[0, 1, 2].map((i) => <div key={i} className="g-card"><Skeleton lines={3} height={20} /></div>)}</div>
      ) : items.length === 0 && !patients.error ? (
        <EmptyState icon="users" title={t('glucose.noPatients')}
          action={follower ? <Link className="btn btn-primary" to="/glucose/care-team">{t('glucose.followPatient')}</Link> : undefined}>
          {follower ? t('glucose.noPatientsHint') : t('glucose.noPatientsAdminHint')}
        </EmptyState>
      ) : (
        <div className="g-cards" data-testid="patient-cards">
          {sorted.map((p) => <PatientCard key={p.patientId} patient={p} current={byId.get(p.patientId)?.data} loading={byId.get(p.patientId)?.isFetching ?? true} failed={Boolean(byId.get(p.patientId)?.error)} open={openOf(p.patientId)} />)}
        </div>
      )}
    </>
  );
}
