import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useAuth } from '../auth/auth';
import { TotpEnrolment } from '../auth/TotpEnrolment';
import { useI18n, useT } from '../i18n';
import { useForm } from '../forms/use-form';
import { passwordProblem } from '../forms/rules';
import { Button } from '../ui/Button';
import { TextField } from '../ui/Field';
import { Alert, ProblemAlert, TableSkeleton } from '../ui/feedback';
import { Badge, Card, FormActions, PageHeader } from '../ui/layout';
import { useToast } from '../ui/toast';
import { describeDevice } from './device';

export default function Security() {
  const t = useT();
  return (
    <>
      <PageHeader title={t('security.title')} description={t('security.description')} />
      <div className="stack">
        <TwoFactorCard />
        <PasswordCard />
        <SessionsCard />
      </div>
    </>
  );
}

function PasswordCard() {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const { me } = useAuth();
  const form = useForm({
    operation: 'POST /api/v1/me/password',
    initial: { currentPassword: '', newPassword: '', confirm: '' },
    extra: (v) => ({
      newPassword: passwordProblem(v.newPassword, me?.email),
      confirm: v.confirm !== v.newPassword ? { key: 'validation.mismatch' } : null,
    }),
    onSubmit: async (v) => {
      await api.post('/api/v1/me/password', { body: { currentPassword: v.currentPassword, newPassword: v.newPassword } });
      form.reset();
      toast(t('security.passwordChanged'));
      await queryClient.invalidateQueries({ queryKey: ['sessions'] });
    },
  });
  return (
    <Card title={t('security.password')} description={t('security.passwordHint')}>
      <form onSubmit={form.handleSubmit} noValidate className="narrow">
        <TextField label={t('field.currentPassword')} type="password" autoComplete="current-password" {...form.field('currentPassword')} />
        <TextField label={t('field.newPassword')} type="password" autoComplete="new-password" hint={t('field.passwordHint')} {...form.field('newPassword')} />
        <TextField label={t('field.confirmPassword')} type="password" autoComplete="new-password" {...form.field('confirm')} />
        <ProblemAlert error={form.failure} fields={form.fields} />
        <FormActions><Button type="submit" variant="primary" busy={form.submitting}>{t('security.changePassword')}</Button></FormActions>
      </form>
    </Card>
  );
}

function TwoFactorCard() {
  const t = useT();
  const { me } = useAuth();
  const [mode, setMode] = useState<'idle' | 'enrol' | 'disable'>('idle');
  const queryClient = useQueryClient();
  const toast = useToast();
  const [useRecovery, setUseRecovery] = useState(false);
  const form = useForm({
    operation: 'DELETE /api/v1/auth/totp',
    initial: { code: '', recoveryCode: '' },
    extra: (v) => (useRecovery ? { recoveryCode: v.recoveryCode ? null : { key: 'validation.required' } } : { code: v.code ? null : { key: 'validation.required' } }),
    onSubmit: async (v) => {
      await api.delete('/api/v1/auth/totp', { body: useRecovery ? { recoveryCode: v.recoveryCode.trim() } : { code: v.code.trim() } });
      await queryClient.invalidateQueries({ queryKey: ['me'] });
      setMode('idle');
      form.reset();
      toast(t('security.totpDisabled'));
    },
  });
  if (!me) return null;
  const on = me.totpEnabled;
  return (
    <Card title={t('security.twoFactor')} description={t('security.twoFactorHint')}
      actions={on ? <Badge tone="success">{t('common.on')}</Badge> : <Badge tone="warning">{t('common.off')}</Badge>}>
      {mode === 'enrol' ? (
        <TotpEnrolment onDone={() => setMode('idle')} onCancel={() => setMode('idle')} />
      ) : mode === 'disable' ? (
        <form onSubmit={form.handleSubmit} noValidate className="narrow">
          <Alert tone="warning">{t('security.disableWarning')}</Alert>
          {useRecovery
            ? <TextField key="r" label={t('field.recoveryCode')} autoComplete="off" autoFocus {...form.field('recoveryCode')} />
            : <TextField key="c" label={t('field.totpCode')} inputMode="numeric" autoComplete="one-time-code" maxLength={6} autoFocus {...form.field('code')} />}
          <button type="button" className="link-btn small" onClick={() => { setUseRecovery((r) => !r); form.reset(); }}>
            {useRecovery ? t('auth.totp.useCode') : t('auth.totp.useRecovery')}
          </button>
          <ProblemAlert error={form.failure} fields={form.fields} />
          <FormActions>
            <Button type="submit" variant="danger" busy={form.submitting}>{t('security.turnOff')}</Button>
            <Button variant="ghost" onClick={() => { setMode('idle'); form.reset(); }}>{t('action.cancel')}</Button>
          </FormActions>
        </form>
      ) : on ? (
        <div className="card-row">
          <p>{t('security.totpOn')}</p>
          <Button variant="secondary" onClick={() => setMode('disable')}>{t('security.turnOff')}</Button>
        </div>
      ) : (
        <div className="card-row">
          <p>{t('security.totpOff')}</p>
          <Button variant="primary" icon="shield" onClick={() => setMode('enrol')}>{t('security.turnOn')}</Button>
        </div>
      )}
    </Card>
  );
}

function SessionsCard() {
  const t = useT();
  const { formatDate } = useI18n();
  const toast = useToast();
  const queryClient = useQueryClient();
  const sessions = useQuery({ queryKey: ['sessions'], queryFn: () => api.get('/api/v1/me/sessions') });
  const revoke = useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/me/sessions/{id}', { params: { id } }),
    onSuccess: () => { toast(t('security.sessionRevoked')); return queryClient.invalidateQueries({ queryKey: ['sessions'] }); },
  });
  const revokeOthers = useMutation({
    mutationFn: () => api.post('/api/v1/me/sessions/revoke-others'),
    onSuccess: (r) => { toast(t('security.othersRevoked', { n: r.revoked })); return queryClient.invalidateQueries({ queryKey: ['sessions'] }); },
  });
  const items = sessions.data?.items ?? [];
  const others = items.filter((s) => !s.current).length;
  return (
    <Card title={t('security.sessions')} description={t('security.sessionsHint')}
      actions={others > 0 ? <Button variant="secondary" icon="logout" busy={revokeOthers.isPending} onClick={() => revokeOthers.mutate()}>{t('security.revokeOthers')}</Button> : null}>
      <ProblemAlert error={sessions.error ?? revoke.error ?? revokeOthers.error} onRetry={() => void sessions.refetch()} />
      {sessions.isPending ? <TableSkeleton rows={2} columns={3} /> : (
        <ul className="session-list" data-testid="sessions">
          {items.map((s) => (
            <li key={s.id} className="session">
              <div className="session-main">
                <strong>{describeDevice(s.userAgent, t('security.unknownDevice'))}</strong>
                <span className="muted">{[s.ip, t('security.lastActive', { when: formatDate(s.lastUsedAt, 'relative') })].filter(Boolean).join(' · ')}</span>
                <span className="muted small">{t('security.signedInAt', { when: formatDate(s.createdAt) })}</span>
              </div>
              <div className="session-side">
                {s.current ? <Badge tone="primary">{t('security.thisDevice')}</Badge> : null}
                {s.twoFactor ? <Badge tone="success">{t('security.with2fa')}</Badge> : null}
                {!s.current ? <Button size="sm" variant="ghost" busy={revoke.isPending && revoke.variables === s.id} onClick={() => revoke.mutate(s.id)}>{t('security.signOutSession')}</Button> : null}
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
