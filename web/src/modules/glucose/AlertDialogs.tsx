import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Checkbox, SelectField, TextField } from '../../platform/ui/Field';
import { Dialog } from '../../platform/ui/Dialog';
import { ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import type { Alert } from './alerts-api';

const SNOOZE_MINUTES = [5, 10, 15, 20, 30, 45, 60];

/** 5–60 minutes; an urgent low needs an explicit override with a reason and at most 30 minutes (§4.3.3). */
export function SnoozeDialog({ alert, busy, error, onSnooze, onClose }: {
  alert: Alert | null; busy: boolean; error: unknown;
  onSnooze: (body: { minutes: number; reason?: string; override?: boolean }) => void; onClose: () => void;
}) {
  const t = useT();
  const [minutes, setMinutes] = useState('15');
  const [override, setOverride] = useState(false);
  const [reason, setReason] = useState('');
  const urgent = alert?.type === 'urgent_low';
  const options = SNOOZE_MINUTES.filter((m) => !urgent || m <= 30);
  const blocked = urgent && (!override || reason.trim().length < 3);
  return (
    <Dialog open={alert !== null} title={t('glucose.alert.snoozeTitle')} onClose={onClose}
      footer={<>
        <Button onClick={onClose}>{t('action.cancel')}</Button>
        <Button variant="primary" icon="clock" busy={busy} disabled={blocked}
          onClick={() => onSnooze({ minutes: Number(minutes), ...(urgent ? { override: true, reason: reason.trim() } : {}) })}>{t('glucose.alert.snooze')}</Button>
      </>}>
      <SelectField label={t('glucose.alert.snoozeFor')} value={minutes} onChange={(e) => setMinutes(e.target.value)}
        options={options.map((m) => ({ value: String(m), label: t('glucose.alert.minutes', { n: m }) }))} />
      {urgent ? (
        <>
          <p className="muted">{t('glucose.alert.urgentSnoozeText')}</p>
          <Checkbox label={t('glucose.alert.override')} checked={override} onChange={setOverride} />
          <TextField label={t('glucose.alert.reason')} hint={t('glucose.alert.reasonHint')} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={200} />
        </>
      ) : <p className="muted">{t('glucose.alert.snoozeText')}</p>}
      <ProblemAlert error={error} />
    </Dialog>
  );
}

/** Treat a low: carbohydrates taken (5–60 g, 15 by default); the server schedules the recheck. */
export function TreatDialog({ alert, busy, error, onTreat, onClose }: {
  alert: Alert | null; busy: boolean; error: unknown; onTreat: (carbsG: number) => void; onClose: () => void;
}) {
  const t = useT();
  const [carbs, setCarbs] = useState('15');
  const value = Number(carbs);
  const invalid = !Number.isInteger(value) || value < 5 || value > 60;
  return (
    <Dialog open={alert !== null} title={t('glucose.alert.treatTitle')} onClose={onClose}
      footer={<>
        <Button onClick={onClose}>{t('action.cancel')}</Button>
        <Button variant="primary" busy={busy} disabled={invalid} onClick={() => onTreat(value)}>{t('glucose.alert.treat')}</Button>
      </>}>
      <p>{t('glucose.alert.treatText')}</p>
      <TextField label={t('glucose.alert.carbs')} type="number" inputMode="numeric" min={5} max={60} step={1} value={carbs}
        onChange={(e) => setCarbs(e.target.value)} error={invalid ? t('glucose.alert.carbsRange') : undefined} />
      <ProblemAlert error={error} />
    </Dialog>
  );
}

/** Call a contact: the server texts them at once and answers the number for the phone to dial (§4.3.5). */
export function CallDialog({ alert, busy, error, onCall, onClose }: {
  alert: Alert | null; busy: boolean; error: unknown; onCall: (contactId: string) => void; onClose: () => void;
}) {
  const t = useT();
  const contacts = useQuery({
    queryKey: ['glucose', 'patient', alert?.patientId ?? '', 'emergency-contacts'],
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients/{patientId}/emergency-contacts', { params: { patientId: alert!.patientId }, signal }),
    enabled: alert !== null,
  });
  const items = contacts.data ?? [];
  return (
    <Dialog open={alert !== null} title={t('glucose.alert.callTitle')} onClose={onClose} footer={<Button onClick={onClose}>{t('action.cancel')}</Button>}>
      <p className="muted">{t('glucose.alert.callText')}</p>
      {contacts.isPending ? <Skeleton lines={2} /> : items.length === 0 && !contacts.error ? <p>{t('glucose.alert.noContacts')}</p> : (
        <ul className="g-list">
          {items.map((c) => (
            <li key={c.id}>
              <div className="g-list-main"><strong>{c.name}</strong><span>{[c.relation, c.phoneE164].filter(Boolean).join(' · ')}</span></div>
              <Button size="sm" variant="primary" busy={busy} onClick={() => onCall(c.id)}>{t('glucose.alert.call')}</Button>
            </li>
          ))}
        </ul>
      )}
      <ProblemAlert error={contacts.error ?? error} />
    </Dialog>
  );
}
