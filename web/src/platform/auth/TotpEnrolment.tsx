import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useT } from '../i18n';
import { useForm } from '../forms/use-form';
import { Button } from '../ui/Button';
import { TextField } from '../ui/Field';
import { Alert, ProblemAlert, Skeleton } from '../ui/feedback';
import { useToast } from '../ui/toast';

/** Enrol an authenticator app: QR code and secret, a first code to confirm, then the recovery codes (shown once). */
export function TotpEnrolment({ onDone, onCancel, doneLabel }: { onDone: () => void; onCancel?: () => void; doneLabel?: string }) {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUrl: string; qr: string } | null>(null);
  const [startError, setStartError] = useState<unknown>(null);
  const [codes, setCodes] = useState<string[] | null>(null);

  const start = async () => {
    setStartError(null);
    try {
      const answer = await api.post('/api/v1/auth/totp/enroll');
      const { toDataURL } = await import('qrcode');
      const qr = await toDataURL(answer.otpauthUrl, { margin: 1, width: 208, errorCorrectionLevel: 'M' });
      setEnrolment({ ...answer, qr });
    } catch (err) {
      setStartError(err);
    }
  };
  useEffect(() => { void start(); }, []);

  const form = useForm({
    operation: 'POST /api/v1/auth/totp/confirm',
    initial: { code: '' },
    onSubmit: async (values) => {
      const answer = await api.post('/api/v1/auth/totp/confirm', { body: { code: values.code.trim() } });
      setCodes(answer.recoveryCodes);
      await queryClient.invalidateQueries({ queryKey: ['me'] });
    },
  });

  if (codes) {
    const text = codes.join('\n');
    return (
      <div className="stack">
        <Alert tone="success" title={t('totp.enabledTitle')}>{t('totp.recoveryLead')}</Alert>
        <ul className="recovery-codes" data-testid="recovery-codes">{codes.map((c) => <li key={c}><code>{c}</code></li>)}</ul>
        <div className="button-row">
          <Button icon="copy" onClick={() => void navigator.clipboard?.writeText(text).then(() => toast(t('totp.copied')))}>{t('action.copy')}</Button>
          <a className="btn btn-secondary" download="atrium-recovery-codes.txt" href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}>{t('action.download')}</a>
          <Button variant="primary" onClick={onDone}>{doneLabel ?? t('totp.savedThem')}</Button>
        </div>
      </div>
    );
  }
  if (startError) return <ProblemAlert error={startError} onRetry={() => void start()} />;
  if (!enrolment) return <Skeleton lines={5} />;
  return (
    <div className="totp-enrol">
      <ol className="steps">
        <li>
          <strong>{t('totp.step1')}</strong>
          <div className="totp-qr">
            <img src={enrolment.qr} width={208} height={208} alt={t('totp.qrAlt')} />
            <div>
              <p className="muted">{t('totp.manual')}</p>
              <code className="secret" data-testid="totp-secret">{enrolment.secret.replace(/(.{4})/g, '$1 ').trim()}</code>
            </div>
          </div>
        </li>
        <li>
          <strong>{t('totp.step2')}</strong>
          <form onSubmit={form.handleSubmit} noValidate className="inline-form">
            <TextField label={t('field.totpCode')} inputMode="numeric" autoComplete="one-time-code" placeholder="123456" maxLength={6} {...form.field('code')} />
            <div className="button-row">
              <Button type="submit" variant="primary" busy={form.submitting}>{t('totp.confirm')}</Button>
              {onCancel ? <Button variant="ghost" onClick={onCancel}>{t('action.cancel')}</Button> : null}
            </div>
          </form>
          <ProblemAlert error={form.failure} fields={form.fields} />
        </li>
      </ol>
    </div>
  );
}
