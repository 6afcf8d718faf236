import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useAuth } from '../../platform/auth/auth';
import { useI18n, useT } from '../../platform/i18n';
import { useTopic } from '../../platform/realtime/stream';
import { useForm } from '../../platform/forms/use-form';
import { Button } from '../../platform/ui/Button';
import { Checkbox, SelectField, TextField } from '../../platform/ui/Field';
import { Dialog } from '../../platform/ui/Dialog';
import { Alert, EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Badge, Card } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { useTick, useUnit } from './api';
import './forecast.css';
import { devicesTopic, sensorKeys, type Sensor } from './sensors-api';

const PATIENT = 'me';
const STEPS = ['wash_hands', 'finger_prick', 'enter_value'] as const;
const STATUS_TONE: Record<string, 'success' | 'warning' | 'danger' | 'info' | 'neutral'> = {
  pairing: 'info', warming_up: 'warning', active: 'success', disconnected: 'danger', expired: 'neutral', ended: 'neutral', failed: 'danger',
};

function countdown(toIso: string | null, now: number, t: ReturnType<typeof useT>) {
  if (!toIso) return '—';
  const ms = new Date(toIso).getTime() - now;
  if (ms <= 0) return t('glucose.sensors.past');
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  return h >= 48 ? t('glucose.sensors.days', { d: Math.floor(h / 24), h: h % 24 }) : t('glucose.sensors.hm', { h, m });
}

/** The Sensors part of the Devices page (§8): current sensor, register/start/stop, calibration, diagnostics, history. */
export function SensorsSection() {
  const t = useT();
  const { formatDate } = useI18n();
  const { me } = useAuth();
  const toast = useToast();
  const now = useTick(30_000);
  const queryClient = useQueryClient();
  const [model, setModel] = useState('');
  const [serial, setSerial] = useState('');
  const [stopping, setStopping] = useState<Sensor | null>(null);
  const [calibrating, setCalibrating] = useState<Sensor | null>(null);
  const sensors = useQuery({
    queryKey: sensorKeys.sensors(PATIENT),
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients/{patientId}/sensors', { params: { patientId: PATIENT }, query: { limit: 20 }, signal }),
  });
  const models = useQuery({
    queryKey: sensorKeys.models,
    queryFn: ({ signal }) => api.get('/api/v1/glucose/device-models', { signal }),
    staleTime: 3_600_000,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: sensorKeys.sensors(PATIENT) });
  useTopic(me ? devicesTopic(me.id) : null, (event) => { if (event === 'sensor.updated') void refresh(); });

  const register = useMutation({
    mutationFn: () => api.post('/api/v1/glucose/patients/{patientId}/sensors', { params: { patientId: PATIENT }, body: { model, ...(serial ? { serialNumber: serial } : {}) } }),
    onSuccess: () => { setSerial(''); toast(t('glucose.sensors.registered')); void refresh(); },
  });
  const start = useMutation({
    mutationFn: (id: string) => api.post('/api/v1/glucose/patients/{patientId}/sensors/{sensorId}/start', { params: { patientId: PATIENT, sensorId: id }, body: {} }),
    onSuccess: () => { toast(t('glucose.sensors.startedToast')); void refresh(); },
  });
  const stop = useMutation({
    mutationFn: ({ id, reason }: { id: string; reason: 'replaced' | 'removed' | 'failed' | 'expired' }) =>
      api.post('/api/v1/glucose/patients/{patientId}/sensors/{sensorId}/stop', { params: { patientId: PATIENT, sensorId: id }, body: { reason } }),
    onSuccess: () => { setStopping(null); void refresh(); },
  });
  const diagnose = useMutation({
    mutationFn: (id: string) => api.post('/api/v1/glucose/patients/{patientId}/sensors/{sensorId}/diagnostics', { params: { patientId: PATIENT, sensorId: id } }),
  });

  const current = sensors.data?.current ?? null;
  const cgmModels = (models.data?.items ?? []).filter((m) => m.kind === 'cgm');
  const history = (sensors.data?.items ?? []).filter((s) => s.id !== current?.id);

  return (
    <>
      <Card title={t('glucose.sensors.title')} description={t('glucose.sensors.lead')}
        actions={current ? <Badge tone={STATUS_TONE[current.status] ?? 'neutral'}>{t(`glucose.sensors.status.${current.status}` as never)}</Badge> : undefined}>
        <ProblemAlert error={sensors.error} onRetry={() => void sensors.refetch()} />
        {sensors.isPending ? <Skeleton lines={4} /> : current ? (
          <div className="g-stack" data-testid="current-sensor">
            <dl className="facts">
              <dt>{t('glucose.sensors.model')}</dt><dd>{current.modelName}{current.serialNumber ? ` · ${current.serialNumber}` : ''}</dd>
              {current.status === 'warming_up' ? <><dt>{t('glucose.sensors.warmupLeft')}</dt><dd>{countdown(current.warmupEndsAt, now, t)}</dd></> : null}
              {current.status !== 'pairing' ? <><dt>{t('glucose.sensors.expiresIn')}</dt><dd>{countdown(current.expiresAt, now, t)} · {formatDate(current.expiresAt, 'datetime')}</dd></> : null}
              <dt>{t('glucose.sensors.battery')}</dt><dd>{current.batteryPct === null ? '—' : `${current.batteryPct} %`}</dd>
              <dt>{t('glucose.sensors.signal')}</dt><dd>{current.signalQuality === null ? '—' : `${current.signalQuality} %`}</dd>
              <dt>{t('glucose.sensors.lastReading')}</dt><dd>{current.lastReadingAt ? formatDate(current.lastReadingAt, 'relative') : '—'}</dd>
            </dl>
            {current.hoursToExpiry !== null && current.hoursToExpiry < 24 ? <Alert tone="warning" title={t('glucose.sensors.expiringSoon')} /> : null}
            <div className="button-row">
              {current.status === 'pairing' ? <Button variant="primary" icon="play" busy={start.isPending} onClick={() => start.mutate(current.id)}>{t('glucose.sensors.start')}</Button> : null}
              {current.status === 'active' && current.calibrationPolicy !== 'none'
                ? <Button icon="check" onClick={() => setCalibrating(current)}>{t('glucose.sensors.calibrate')}</Button> : null}
              {current.status !== 'pairing' ? <Button icon="search" busy={diagnose.isPending} onClick={() => diagnose.mutate(current.id)}>{t('glucose.sensors.diagnose')}</Button> : null}
              <Button variant="danger" icon="x" onClick={() => setStopping(current)}>{t('glucose.sensors.stop')}</Button>
            </div>
            <ProblemAlert error={start.error ?? diagnose.error} />
            {diagnose.data && diagnose.data.sensorId === current.id ? (
              <div className="g-stack" data-testid="diagnostics">
                <dl className="facts">
                  <dt>{t('glucose.sensors.completeness')}</dt><dd>{diagnose.data.completenessPct24h} % ({diagnose.data.readingsLast24h}/{diagnose.data.expectedLast24h})</dd>
                  <dt>{t('glucose.sensors.gaps')}</dt><dd>{diagnose.data.gapsOver15MinLast24h}</dd>
                  <dt>{t('glucose.sensors.latency')}</dt><dd>{diagnose.data.medianLatencySec === null ? '—' : `${diagnose.data.medianLatencySec} s`}</dd>
                  <dt>{t('glucose.sensors.uploaderBattery')}</dt><dd>{diagnose.data.uploaderBatteryPct === null ? '—' : `${diagnose.data.uploaderBatteryPct} %`}</dd>
                </dl>
                {diagnose.data.recommendations.length === 0 ? <Alert tone="success" title={t('glucose.sensors.allGood')} /> : (
                  <Alert tone="warning" title={t('glucose.sensors.recommendations')}>
                    <ul className="alert-list">{diagnose.data.recommendations.map((r) => <li key={r}>{t(`glucose.sensors.rec.${r}` as never)}</li>)}</ul>
                  </Alert>
                )}
              </div>
            ) : null}
          </div>
        ) : (
          <EmptyState icon="cpu" title={t('glucose.sensors.none')}>{t('glucose.sensors.noneHint')}</EmptyState>
        )}
      </Card>

      <Card title={t('glucose.sensors.registerTitle')} description={t('glucose.sensors.registerLead')}>
        <form className="g-inline-form" onSubmit={(e) => { e.preventDefault(); register.mutate(); }}>
          <SelectField label={t('glucose.sensors.model')} value={model} onChange={(e) => setModel(e.target.value)} required name="model"
            options={[{ value: '', label: t('glucose.sensors.chooseModel') }, ...cgmModels.map((m) => ({ value: m.key, label: `${m.name} (${m.manufacturer})` }))]} />
          <TextField label={t('glucose.sensors.serial')} value={serial} onChange={(e) => setSerial(e.target.value)} maxLength={40} name="serialNumber" />
          <div className="button-row"><Button type="submit" variant="primary" icon="plus" disabled={!model} busy={register.isPending}>{t('glucose.sensors.register')}</Button></div>
        </form>
        <ProblemAlert error={register.error} />
      </Card>

      <Card title={t('glucose.sensors.history')}>
        {sensors.isPending ? <Skeleton lines={3} /> : history.length === 0 ? <p className="muted">{t('glucose.sensors.noHistory')}</p> : (
          <div className="table-wrap">
            <table className="table">
              <thead><tr><th>{t('glucose.sensors.model')}</th><th>{t('glucose.sensors.statusLabel')}</th><th>{t('glucose.sensors.started')}</th><th>{t('glucose.sensors.ended')}</th></tr></thead>
              <tbody>
                {history.map((s) => (
                  <tr key={s.id}>
                    <td>{s.modelName}{s.serialNumber ? ` · ${s.serialNumber}` : ''}</td>
                    <td><Badge tone={STATUS_TONE[s.status] ?? 'neutral'}>{t(`glucose.sensors.status.${s.status}` as never)}</Badge>{s.endReason ? ` ${t(`glucose.sensors.reason.${s.endReason}` as never)}` : ''}</td>
                    <td>{s.startedAt ? formatDate(s.startedAt, 'datetime') : '—'}</td>
                    <td>{s.endedAt ? formatDate(s.endedAt, 'datetime') : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      <StopDialog sensor={stopping} busy={stop.isPending} error={stop.error} onClose={() => setStopping(null)} onStop={(reason) => stopping && stop.mutate({ id: stopping.id, reason })} />
      {calibrating ? <CalibrationDialog sensor={calibrating} onClose={() => setCalibrating(null)} onDone={() => { setCalibrating(null); toast(t('glucose.sensors.calibrated')); void refresh(); }} /> : null}
    </>
  );
}

function StopDialog({ sensor, busy, error, onClose, onStop }: {
  sensor: Sensor | null; busy: boolean; error: unknown; onClose: () => void; onStop: (reason: 'replaced' | 'removed' | 'failed' | 'expired') => void;
}) {
  const t = useT();
  const [reason, setReason] = useState<'replaced' | 'removed' | 'failed' | 'expired'>('removed');
  return (
    <Dialog open={sensor !== null} title={t('glucose.sensors.stopTitle')} onClose={onClose}
      footer={<><Button onClick={onClose}>{t('action.cancel')}</Button><Button variant="danger" busy={busy} onClick={() => onStop(reason)}>{t('glucose.sensors.stop')}</Button></>}>
      <SelectField label={t('glucose.sensors.reasonLabel')} value={reason} onChange={(e) => setReason(e.target.value as typeof reason)}
        options={(['removed', 'replaced', 'failed', 'expired'] as const).map((r) => ({ value: r, label: t(`glucose.sensors.reason.${r}` as never) }))} />
      <ProblemAlert error={error} />
    </Dialog>
  );
}

/** Guided calibration: the three steps, then the finger-stick value; the server's limits come back as field errors. */
function CalibrationDialog({ sensor, onClose, onDone }: { sensor: Sensor; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const unit = useUnit();
  const [steps, setSteps] = useState<string[]>([]);
  const form = useForm({
    operation: 'POST /api/v1/glucose/patients/{patientId}/sensors/{sensorId}/calibrations',
    initial: { referenceValue: undefined as number | undefined },
    onSubmit: async (v) => {
      await api.post('/api/v1/glucose/patients/{patientId}/sensors/{sensorId}/calibrations', {
        params: { patientId: PATIENT, sensorId: sensor.id },
        body: { referenceValue: v.referenceValue!, unit, stepsCompleted: [...steps, 'enter_value'] as ('wash_hands' | 'finger_prick' | 'enter_value')[] },
      });
      onDone();
    },
  });
  const ready = steps.includes('wash_hands') && steps.includes('finger_prick');
  return (
    <Dialog open title={t('glucose.sensors.calibrateTitle')} onClose={onClose}
      footer={<><Button onClick={onClose}>{t('action.cancel')}</Button><Button variant="primary" busy={form.submitting} disabled={!ready} onClick={() => void form.handleSubmit()}>{t('glucose.sensors.calibrate')}</Button></>}>
      <form className="g-stack" onSubmit={(e) => void form.handleSubmit(e)}>
        <p className="small muted">{t('glucose.sensors.calibrateLimit')}</p>
        {STEPS.slice(0, 2).map((s) => (
          <Checkbox key={s} label={t(`glucose.sensors.step.${s}` as never)} checked={steps.includes(s)} onChange={(c) => setSteps((x) => (c ? [...x, s] : x.filter((y) => y !== s)))} />
        ))}
        <TextField label={t('glucose.sensors.referenceValue', { unit })} type="number" step="0.1" inputMode="decimal" disabled={!ready} {...form.field('referenceValue', { number: true })} />
        <ProblemAlert error={form.failure} fields={['referenceValue']} />
      </form>
    </Dialog>
  );
}
