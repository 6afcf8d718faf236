import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useAuth } from '../../platform/auth/auth';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Checkbox, SelectField, TextField } from '../../platform/ui/Field';
import { ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Card, FormActions, PageHeader } from '../../platform/ui/layout';
import { Icon } from '../../platform/ui/icons';
import { useToast } from '../../platform/ui/toast';
import { glucoseKeys, useResolvedPatientId, useUnit } from './api';
import { formatGlucose, toUnit } from './units';
import type { Subscription } from './alerts-api';
import { EscalationPolicyEditor, fromDraft, toDraft, type EscalationDraft, type EscalationPolicy } from './EscalationPolicy';
import './glucose.css';

const TOGGLES = ['low', 'high', 'urgent_high', 'rapid_fall', 'rapid_rise', 'predicted_low', 'stale_data'] as const;
type Toggle = (typeof TOGGLES)[number];

interface Settings {
  urgentLow: number; low: number; high: number; urgentHigh: number; rapidRate: number;
  staleWarningMin: number; staleUrgentMin: number; hysteresisMgdl: number; enabled: Record<Toggle, boolean>;
  renotifyCriticalMin: number; ackSilenceMin: number; ackSilenceUrgentLowMin: number; escalation: EscalationPolicy;
}

/** Glucose thresholds with their allowed range (mg/dL, §3.1) and the consensus default. */
const THRESHOLDS = [
  { key: 'urgentLow', min: 50, max: 65, standard: 54 },
  { key: 'low', min: 60, max: 100, standard: 70 },
  { key: 'high', min: 120, max: 300, standard: 180 },
  { key: 'urgentHigh', min: 180, max: 400, standard: 250 },
] as const;
const MINUTES = [
  { key: 'staleWarningMin', min: 10, max: 60 },
  { key: 'staleUrgentMin', min: 20, max: 120 },
  { key: 'ackSilenceMin', min: 10, max: 120 },
  { key: 'renotifyCriticalMin', min: 2, max: 30 },
] as const;

function SubscriptionCard({ patientId }: { patientId: string }) {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const subs = useQuery({
    queryKey: [...glucoseKeys.alerts, 'subscriptions'],
    queryFn: ({ signal }) => api.get('/api/v1/glucose/me/alert-subscriptions', { signal }) as Promise<Subscription[]>,
  });
  const mine = subs.data?.find((s) => s.patientId === patientId);
  const save = useMutation({
    mutationFn: (level: Subscription['level']) => api.put('/api/v1/glucose/me/alert-subscriptions', { body: [{ patientId, level }] }),
    onSuccess: () => { toast(t('common.saved')); void queryClient.invalidateQueries({ queryKey: [...glucoseKeys.alerts, 'subscriptions'] }); },
  });
  return (
    <Card title={t('glucose.settings.mine')} description={t('glucose.settings.mineLead')}>
      {subs.isPending ? <Skeleton lines={1} /> : (
        <div className="g-narrow">
          <SelectField label={t('glucose.settings.level')} value={mine?.level ?? 'critical'} disabled={save.isPending} onChange={(e) => save.mutate(e.target.value as Subscription['level'])}
            hint={mine?.isDefault ? t('glucose.settings.levelDefault') : undefined}
            options={(['all', 'critical', 'none'] as const).map((l) => ({ value: l, label: t(`glucose.settings.level.${l}`) }))} />
        </div>
      )}
      <ProblemAlert error={subs.error ?? save.error} />
    </Card>
  );
}

export default function AlertSettings() {
  const t = useT();
  const { locale } = useI18n();
  const toast = useToast();
  const { me } = useAuth();
  const unit = useUnit();
  const queryClient = useQueryClient();
  const patientId = useResolvedPatientId(useParams().patientId ?? 'me');
  const self = patientId === me?.id;
  const key = [...glucoseKeys.patient(patientId ?? ''), 'alert-settings'];
  const settings = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients/{patientId}/alert-settings', { params: { patientId: patientId! }, signal }) as Promise<Settings>,
    enabled: Boolean(patientId),
  });
  const patients = useQuery({
    queryKey: glucoseKeys.patients,
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients', { query: { limit: 200 }, signal }),
    enabled: !self,
  });
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [enabled, setEnabled] = useState<Record<Toggle, boolean> | null>(null);
  const [escalation, setEscalation] = useState<EscalationDraft | null>(null);
  useEffect(() => {
    const s = settings.data;
    if (!s) return;
    setDraft({
      ...Object.fromEntries(THRESHOLDS.map((th) => [th.key, unit === 'mmol/L' ? toUnit(s[th.key], unit).toFixed(1) : String(toUnit(s[th.key], unit))])),
      ...Object.fromEntries(MINUTES.map((m) => [m.key, String(s[m.key])])),
    });
    setEnabled(s.enabled);
    setEscalation(toDraft(s.escalation));
  }, [settings.data, unit]);
  const save = useMutation({
    mutationFn: () => {
      // Thresholds go in the viewer's unit; the server converts mmol/L as the spec says.
      const body = {
        unit,
        ...Object.fromEntries(THRESHOLDS.map((th) => [th.key, Number(draft[th.key])])),
        ...Object.fromEntries(MINUTES.map((m) => [m.key, Number(draft[m.key])])),
        enabled: enabled ?? settings.data!.enabled,
        escalation: escalation ? fromDraft(escalation) : settings.data!.escalation,
      };
      return api.put('/api/v1/glucose/patients/{patientId}/alert-settings', { params: { patientId: patientId! }, body }) as Promise<Settings>;
    },
    onSuccess: (next) => { queryClient.setQueryData(key, next); toast(t('common.saved')); void queryClient.invalidateQueries({ queryKey: glucoseKeys.patient(patientId!) }); },
  });
  const fieldErrors = save.error && typeof save.error === 'object' && 'fieldErrors' in save.error ? (save.error as { fieldErrors: () => Record<string, string> }).fieldErrors() : {};
  const name = self ? null : patients.data?.items.find((p) => p.patientId === patientId)?.displayName;
  const step = unit === 'mmol/L' ? '0.1' : '1';

  return (
    <>
      {!self ? <Link className="back-link" to={`/glucose/patients/${patientId}`}><Icon name="chevronLeft" size={16} />{name ?? t('glucose.myPatients')}</Link> : null}
      <PageHeader title={t('glucose.alertSettings')} description={self ? t('glucose.settings.leadSelf') : t('glucose.settings.leadOther', { name: name ?? '' })} />
      <ProblemAlert error={settings.error} onRetry={() => void settings.refetch()} />
      <div className="g-stack">
        {settings.isPending ? <Card><Skeleton lines={6} /></Card> : settings.data ? (
          <form onSubmit={(e) => { e.preventDefault(); save.mutate(); }} noValidate className="g-stack">
            <Card title={t('glucose.settings.thresholds')} description={t('glucose.settings.thresholdsLead', { unit })}>
              <div className="grid-2 tight">
                {THRESHOLDS.map((th) => (
                  <TextField key={th.key} name={th.key} label={t(`glucose.settings.${th.key}`)} type="number" inputMode="decimal" step={step}
                    value={draft[th.key] ?? ''} onChange={(e) => setDraft({ ...draft, [th.key]: e.target.value })}
                    error={fieldErrors[th.key]}
                    hint={t('glucose.settings.rangeHint', { min: formatGlucose(th.min, unit, locale), max: formatGlucose(th.max, unit, locale), standard: formatGlucose(th.standard, unit, locale), unit })} />
                ))}
              </div>
            </Card>
            <Card title={t('glucose.settings.rules')} description={t('glucose.settings.rulesLead')}>
              <Checkbox label={t('glucose.alertType.urgent_low')} hint={t('glucose.settings.urgentLowAlways')} checked disabled onChange={() => {}} />
              {TOGGLES.map((k) => (
                <Checkbox key={k} label={t(`glucose.alertType.${k}`)} checked={enabled?.[k] ?? true} onChange={(v) => setEnabled({ ...(enabled ?? settings.data!.enabled), [k]: v })} />
              ))}
            </Card>
            <Card title={t('glucose.settings.timing')}>
              <div className="grid-2 tight">
                {MINUTES.map((m) => (
                  <TextField key={m.key} name={m.key} label={t(`glucose.settings.${m.key}`)} type="number" inputMode="numeric" min={m.min} max={m.max}
                    value={draft[m.key] ?? ''} onChange={(e) => setDraft({ ...draft, [m.key]: e.target.value })} error={fieldErrors[m.key]}
                    hint={t('glucose.settings.minutesHint', { min: m.min, max: m.max })} />
                ))}
              </div>
            </Card>
            {escalation ? <EscalationPolicyEditor value={escalation} onChange={setEscalation} errors={fieldErrors} /> : null}
            <ProblemAlert error={save.error} fields={[...THRESHOLDS.map((x) => x.key), ...MINUTES.map((x) => x.key), ...Object.keys(fieldErrors).filter((f) => f.startsWith('escalation.'))]} />
            <FormActions><Button type="submit" variant="primary" busy={save.isPending}>{t('action.save')}</Button></FormActions>
          </form>
        ) : null}
        {!self && patientId ? <SubscriptionCard patientId={patientId} /> : null}
      </div>
    </>
  );
}
