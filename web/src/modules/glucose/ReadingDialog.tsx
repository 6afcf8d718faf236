import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { ApiError } from '../../api/problem';
import { useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { SelectField, TextField } from '../../platform/ui/Field';
import { Dialog } from '../../platform/ui/Dialog';
import { Alert, ProblemAlert } from '../../platform/ui/feedback';
import { useToast } from '../../platform/ui/toast';
import { glucoseKeys } from './api';
import type { GlucoseUnit } from './units';

const CONTEXTS = ['fasting', 'preprandial', 'postprandial_1h', 'postprandial_2h', 'bedtime', 'exercise', 'stress', 'correction'] as const;

/**
 * A finger-stick entered in the viewer's unit. When the server finds it far from the sensor (422
 * outlier_confirmation_required), the same dialog asks to confirm and sends it again with confirmOutlier.
 */
export function ReadingDialog({ patientId, unit, open, onClose }: { patientId: string; unit: GlucoseUnit; open: boolean; onClose: () => void }) {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [value, setValue] = useState('');
  const [context, setContext] = useState('');
  const [notes, setNotes] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  // One key per entry, so a retry after a lost answer is not stored twice.
  const [key, setKey] = useState(() => crypto.randomUUID());
  const close = () => { setValue(''); setContext(''); setNotes(''); setError(null); setConfirming(null); setKey(crypto.randomUUID()); onClose(); };

  const send = async (confirmOutlier: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/v1/glucose/patients/{patientId}/readings', {
        params: { patientId },
        body: { value: Number(value.replace(',', '.')), unit, ...(context ? { context: context as (typeof CONTEXTS)[number] } : {}), ...(notes ? { notes } : {}), ...(confirmOutlier ? { confirmOutlier } : {}) },
        headers: { 'idempotency-key': confirmOutlier ? `${key}-confirmed` : key },
      });
      toast(t('glucose.log.saved'));
      void queryClient.invalidateQueries({ queryKey: glucoseKeys.patient(patientId) });
      void queryClient.invalidateQueries({ queryKey: glucoseKeys.patients });
      close();
    } catch (err) {
      // The server's reason, without its advice to API clients (after the semicolon).
      if (err instanceof ApiError && err.code === 'outlier_confirmation_required') setConfirming(err.detail.split(';')[0]);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = error instanceof ApiError ? error.fieldErrors() : {};
  const numeric = Number(value.replace(',', '.'));
  const invalid = value.trim() === '' || !Number.isFinite(numeric);

  return (
    <Dialog open={open} title={t('glucose.log.title')} onClose={close}
      footer={<>
        <Button onClick={close}>{t('action.cancel')}</Button>
        {confirming
          ? <Button variant="primary" busy={busy} onClick={() => void send(true)}>{t('glucose.log.confirm')}</Button>
          : <Button variant="primary" busy={busy} disabled={invalid} onClick={() => void send(false)}>{t('glucose.log.save')}</Button>}
      </>}>
      {confirming ? <Alert tone="warning" title={t('glucose.log.outlierTitle')}>{confirming}. {t('glucose.log.outlierHint')}</Alert> : null}
      <TextField label={t('glucose.log.value', { unit })} inputMode="decimal" autoFocus value={value} error={fieldError.value}
        hint={unit === 'mmol/L' ? t('glucose.log.rangeMmol') : t('glucose.log.rangeMg')}
        onChange={(e) => { setValue(e.target.value); setConfirming(null); }} />
      <SelectField label={t('glucose.log.context')} value={context} onChange={(e) => setContext(e.target.value)}
        options={[{ value: '', label: '—' }, ...CONTEXTS.map((c) => ({ value: c, label: t(`glucose.context.${c}`) }))]} />
      <TextField label={t('glucose.log.notes')} value={notes} maxLength={500} error={fieldError.notes} onChange={(e) => setNotes(e.target.value)} />
      <ProblemAlert error={error} fields={['value', 'notes']} />
    </Dialog>
  );
}
