import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { ApiError } from '../../api/problem';
import { useAuth } from '../../platform/auth/auth';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Badge, PageHeader } from '../../platform/ui/layout';
import { LiveBadge } from '../../platform/jobs/LiveBadge';
import { useToast } from '../../platform/ui/toast';
import { useStreamStatus, useTopic } from '../../platform/realtime/stream';
import { alertsTopic, glucoseKeys, useRecoverOnReconnect, useTick, useUnit, type PatientItem } from './api';
import { alertValue, canAcknowledge, canSnooze, isLowFamily, isOpen, type Alert, type AlertDetail } from './alerts-api';
import { CallDialog, SnoozeDialog, TreatDialog } from './AlertDialogs';
import { formatGlucose } from './units';
import './glucose.css';

const STATUS_TONE = { pending: 'danger', escalated: 'danger', acknowledged: 'info', snoozed: 'warning', resolved: 'neutral' } as const;

/** Alerts of one patient arrive on its topic and refresh the inbox (the bell already announces new ones). */
function LiveAlerts({ patientId }: { patientId: string }) {
  const queryClient = useQueryClient();
  useTopic(alertsTopic(patientId), () => {
    void queryClient.invalidateQueries({ queryKey: glucoseKeys.alerts });
    void queryClient.invalidateQueries({ queryKey: glucoseKeys.patient(patientId) });
  });
  return null;
}

function ActionLog({ alert }: { alert: Alert }) {
  const t = useT();
  const { formatDate } = useI18n();
  const detail = useQuery({
    queryKey: [...glucoseKeys.alerts, 'detail', alert.id, alert.version],
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients/{patientId}/alerts/{alertId}', { params: { patientId: alert.patientId, alertId: alert.id }, signal }) as Promise<AlertDetail>,
  });
  if (detail.isPending) return <Skeleton lines={2} />;
  if (detail.error) return <ProblemAlert error={detail.error} onRetry={() => void detail.refetch()} />;
  return (
    <ol className="g-log" data-testid="alert-log">
      {detail.data.actions.map((a, i) => (
        <li key={a.id ?? i}>{formatDate(a.at ?? a.createdAt, 'time')} · {t(`glucose.action.${a.action}` as 'glucose.action.raised')}{a.actorRole ? ` (${a.actorRole})` : ''}</li>
      ))}
    </ol>
  );
}

function AlertItem({ alert, patient, actions }: { alert: Alert; patient: PatientItem | undefined; actions: AlertActions }) {
  const t = useT();
  const { formatDate, locale } = useI18n();
  const unit = useUnit();
  const now = useTick(1_000);
  const [log, setLog] = useState(false);
  const value = alertValue(alert);
  // Clinicians acknowledge; snooze and quick actions are for the patient, caregivers and administrators (§2).
  const mayAct = patient?.relation !== 'clinician';
  const recheckIn = alert.followUpAt ? Math.max(0, new Date(alert.followUpAt).getTime() - now) : null;
  return (
    <li className={`card g-alert ${alert.severity}${isOpen(alert) ? '' : ' resolved'}`} data-testid="alert-item" data-alert-id={alert.id}>
      <div className="card-row">
        <div className="g-list-main">
          <strong>{t(`glucose.alertType.${alert.type}`)}{value !== null ? ` · ${formatGlucose(value, unit, locale)} ${unit}` : ''}</strong>
          <span>{patient?.relation === 'self' ? '' : `${patient?.displayName ?? ''} · `}{formatDate(alert.triggeredAt, 'relative')}</span>
        </div>
        <div className="badges">
          {alert.severity === 'critical' ? <Badge tone="danger">{t('glucose.alert.critical')}</Badge> : null}
          <Badge tone={STATUS_TONE[alert.status]}>{t(`glucose.alertStatus.${alert.status}`)}</Badge>
        </div>
      </div>
      {alert.status === 'snoozed' && alert.snoozedUntil ? <p className="small muted">{t('glucose.alert.snoozedUntil', { time: formatDate(alert.snoozedUntil, 'time') })}</p> : null}
      {recheckIn !== null && recheckIn > 0 && isOpen(alert) ? (
        <p className="small" data-testid="recheck">{t('glucose.alert.recheckIn', { time: `${Math.floor(recheckIn / 60_000)}:${String(Math.floor(recheckIn / 1000) % 60).padStart(2, '0')}` })}</p>
      ) : null}
      <div className="g-alert-actions">
        {canAcknowledge(alert) ? <Button size="sm" variant="primary" icon="check" busy={actions.busy(alert.id, 'acknowledge')} onClick={() => actions.acknowledge(alert)}>{t('glucose.alert.acknowledge')}</Button> : null}
        {mayAct && canSnooze(alert) ? <Button size="sm" icon="clock" onClick={() => actions.snooze(alert)}>{t('glucose.alert.snooze')}</Button> : null}
        {mayAct && isOpen(alert) && isLowFamily(alert) ? (
          <>
            <Button size="sm" onClick={() => actions.treat(alert)}>{t('glucose.alert.treat')}</Button>
            <Button size="sm" busy={actions.busy(alert.id, 'already_treated')} onClick={() => actions.alreadyTreated(alert)}>{t('glucose.alert.alreadyTreated')}</Button>
            <Button size="sm" onClick={() => actions.call(alert)}>{t('glucose.alert.callContact')}</Button>
          </>
        ) : null}
        <Button size="sm" variant="ghost" aria-expanded={log} onClick={() => setLog(!log)}>{log ? t('glucose.alert.hideLog') : t('glucose.alert.showLog')}</Button>
      </div>
      {log ? <ActionLog alert={alert} /> : null}
    </li>
  );
}

interface AlertActions {
  acknowledge: (a: Alert) => void;
  snooze: (a: Alert) => void;
  treat: (a: Alert) => void;
  alreadyTreated: (a: Alert) => void;
  call: (a: Alert) => void;
  busy: (id: string, what: string) => boolean;
}

export default function Alerts() {
  const t = useT();
  const toast = useToast();
  const { hasRole } = useAuth();
  const status = useStreamStatus();
  const queryClient = useQueryClient();
  const [filter, setFilter] = useState<'open' | 'all'>('open');
  useRecoverOnReconnect();
  const [snoozing, setSnoozing] = useState<Alert | null>(null);
  const [treating, setTreating] = useState<Alert | null>(null);
  const [calling, setCalling] = useState<Alert | null>(null);
  const [nextSteps, setNextSteps] = useState<string[] | null>(null);
  const patients = useQuery({
    queryKey: glucoseKeys.patients,
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients', { query: { limit: 200 }, signal }),
  });
  const alerts = useQuery({
    queryKey: [...glucoseKeys.alerts, 'list', filter],
    queryFn: ({ signal }) => api.get('/api/v1/glucose/alerts', { query: { limit: 100, status: filter === 'open' ? 'open' : undefined }, signal }) as Promise<{ items: Alert[]; nextCursor: string | null }>,
    refetchInterval: status === 'open' ? 60_000 : 15_000,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: glucoseKeys.all });
  const onConflict = (err: unknown) => { if (err instanceof ApiError && err.status === 409) void refresh(); };
  const ack = useMutation({
    mutationFn: (a: Alert) => api.post('/api/v1/glucose/alerts/{alertId}/acknowledge', { params: { alertId: a.id }, body: { version: a.version } }),
    onSuccess: () => { toast(t('glucose.alert.acknowledged')); void refresh(); },
    onError: onConflict,
  });
  const snooze = useMutation({
    mutationFn: ({ alert, body }: { alert: Alert; body: { minutes: number; reason?: string; override?: boolean } }) =>
      api.post('/api/v1/glucose/alerts/{alertId}/snooze', { params: { alertId: alert.id }, body: { ...body, version: alert.version } }),
    onSuccess: () => { setSnoozing(null); toast(t('glucose.alert.snoozed')); void refresh(); },
    onError: onConflict,
  });
  const quick = useMutation({
    mutationFn: ({ alert, action, carbsG, contactId }: { alert: Alert; action: 'treat_hypo' | 'already_treated' | 'call_contact'; carbsG?: number; contactId?: string }) =>
      api.post('/api/v1/glucose/patients/{patientId}/quick-actions', {
        params: { patientId: alert.patientId }, body: { action, alertId: alert.id, ...(carbsG ? { carbsG } : {}), ...(contactId ? { contactId } : {}) }, headers: { 'idempotency-key': crypto.randomUUID() },
      }),
    onSuccess: (r, v) => {
      setTreating(null);
      setCalling(null);
      // The server texted the contact; the phone places the call.
      if (v.action === 'call_contact' && r.dialUri) window.location.href = r.dialUri;
      if (v.action === 'treat_hypo' || v.action === 'call_contact') setNextSteps(r.nextSteps);
      else toast(t('glucose.alert.acknowledged'));
      void refresh();
    },
    onError: onConflict,
  });
  const byId = new Map((patients.data?.items ?? []).map((p) => [p.patientId, p]));
  const items = (alerts.data?.items ?? []).filter((a) => filter === 'all' || isOpen(a));
  const actions: AlertActions = {
    acknowledge: (a) => ack.mutate(a),
    snooze: (a) => { snooze.reset(); setSnoozing(a); },
    treat: (a) => { quick.reset(); setTreating(a); },
    alreadyTreated: (a) => quick.mutate({ alert: a, action: 'already_treated' }),
    call: (a) => { quick.reset(); setCalling(a); },
    busy: (id, what) => (what === 'acknowledge' ? ack.isPending && ack.variables?.id === id : quick.isPending && quick.variables?.alert.id === id && quick.variables.action === what),
  };
  const follower = hasRole('caregiver', 'clinician', 'admin');

  return (
    <>
      {(patients.data?.items ?? []).map((p) => <LiveAlerts key={p.patientId} patientId={p.patientId} />)}
      <PageHeader title={t('glucose.alerts')} description={follower ? t('glucose.alert.leadFollower') : t('glucose.alert.leadPatient')} actions={<LiveBadge live={status === 'open'} />} />
      <div className="segmented large tabs-row" role="tablist">
        {(['open', 'all'] as const).map((f) => (
          <button key={f} role="tab" aria-selected={filter === f} className={filter === f ? 'active' : ''} onClick={() => setFilter(f)}>{t(f === 'open' ? 'glucose.alert.open' : 'glucose.alert.recent')}</button>
        ))}
      </div>
      {nextSteps ? (
        <div className="alert alert-info" role="status" data-testid="next-steps">
          <div className="alert-body"><strong>{t('glucose.alert.nextSteps')}</strong><ul className="alert-list">{nextSteps.map((s) => <li key={s}>{s}</li>)}</ul></div>
          <div className="alert-action"><Button size="sm" onClick={() => setNextSteps(null)}>{t('action.close')}</Button></div>
        </div>
      ) : null}
      <ProblemAlert error={alerts.error ?? patients.error ?? ack.error ?? quick.error} onRetry={() => void alerts.refetch()} />
      {alerts.isPending ? <div className="g-stack">{[0, 1].map((i) => <div key={i} className="card"><Skeleton lines={3} /></div>)}</div>
        : items.length === 0 && !alerts.error ? (
          <EmptyState icon="check" title={filter === 'open' ? t('glucose.alert.noneOpen') : t('glucose.alert.none')}>{t('glucose.alert.noneHint')}</EmptyState>
        ) : (
          <ul className="g-list g-alerts" data-testid="alert-list">
            {items.map((a) => <AlertItem key={a.id} alert={a} patient={byId.get(a.patientId)} actions={actions} />)}
          </ul>
        )}
      <SnoozeDialog key={snoozing?.id ?? 'none'} alert={snoozing} busy={snooze.isPending} error={snooze.error} onClose={() => setSnoozing(null)}
        onSnooze={(body) => snoozing && snooze.mutate({ alert: snoozing, body })} />
      <CallDialog alert={calling} busy={quick.isPending} error={quick.error} onClose={() => setCalling(null)}
        onCall={(contactId) => calling && quick.mutate({ alert: calling, action: 'call_contact', contactId })} />
      <TreatDialog key={treating ? `t${treating.id}` : 'tnone'} alert={treating} busy={quick.isPending} error={quick.error} onClose={() => setTreating(null)}
        onTreat={(carbsG) => treating && quick.mutate({ alert: treating, action: 'treat_hypo', carbsG })} />
    </>
  );
}
