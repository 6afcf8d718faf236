import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { api } from '../../../api/client';
import { useAuth } from '../auth';
import { useT } from '../../i18n';
import { useForm } from '../../forms/use-form';
import { Button } from '../../ui/Button';
import { TextField } from '../../ui/Field';
import { Alert, ProblemAlert } from '../../ui/feedback';

type Notice = 'reset' | undefined;

export default function SignIn() {
  const t = useT();
  const { signedIn, ended } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const state = location.state as { from?: string; notice?: Notice } | null;
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const [email, setEmail] = useState('');

  const finish = (tokens: Parameters<typeof signedIn>[0]) => {
    signedIn(tokens);
    navigate(state?.from && state.from.startsWith('/') ? state.from : '/', { replace: true });
  };

  const form = useForm({
    operation: 'POST /api/v1/auth/login',
    initial: { email: '', password: '' },
    onSubmit: async (values) => {
      const answer = await api.post('/api/v1/auth/login', { body: values, auth: false });
      if ('mfaRequired' in answer) {
        setEmail(values.email);
        setMfaToken(answer.mfaToken);
      } else finish(answer);
    },
  });

  if (mfaToken) return <TotpChallenge mfaToken={mfaToken} email={email} onBack={() => setMfaToken(null)} onSignedIn={finish} />;

  return (
    <div className="auth-card">
      <h1>{t('auth.signIn.title')}</h1>
      <p className="auth-lead">{t('auth.signIn.lead')}</p>
      {ended?.reason === 'expired' ? <Alert tone="warning" title={t('auth.sessionEnded')}>{ended.detail || t('auth.sessionEndedHint')}</Alert> : null}
      {state?.notice === 'reset' ? <Alert tone="success">{t('auth.reset.done')}</Alert> : null}
      {ended?.reason === 'totp_enabled' ? <Alert tone="success">{t('auth.totp.signInAgain')}</Alert> : null}
      <form onSubmit={form.handleSubmit} noValidate>
        <TextField label={t('field.email')} type="email" autoComplete="username" autoFocus {...form.field('email')} />
        <TextField label={t('field.password')} type="password" autoComplete="current-password" {...form.field('password')} />
        <div className="auth-row"><Link to="/forgot-password">{t('auth.forgot.link')}</Link></div>
        <ProblemAlert error={form.failure} fields={form.fields} />
        <Button type="submit" variant="primary" block busy={form.submitting}>{t('auth.signIn.submit')}</Button>
      </form>
      <p className="auth-switch">{t('auth.signIn.noAccount')} <Link to="/register">{t('auth.register.link')}</Link></p>
    </div>
  );
}

function TotpChallenge({ mfaToken, email, onBack, onSignedIn }: { mfaToken: string; email: string; onBack: () => void; onSignedIn: (tokens: Parameters<ReturnType<typeof useAuth>['signedIn']>[0]) => void }) {
  const t = useT();
  const [useRecovery, setUseRecovery] = useState(false);
  const form = useForm({
    operation: 'POST /api/v1/auth/login/totp',
    initial: { code: '', recoveryCode: '' },
    extra: (v) => (useRecovery
      ? { recoveryCode: v.recoveryCode ? null : { key: 'validation.required' }, code: null }
      : { code: v.code ? null : { key: 'validation.required' } }),
    onSubmit: async (values) => {
      const body = useRecovery ? { mfaToken, recoveryCode: values.recoveryCode.trim() } : { mfaToken, code: values.code.trim() };
      onSignedIn(await api.post('/api/v1/auth/login/totp', { body, auth: false }));
    },
  });
  return (
    <div className="auth-card">
      <h1>{t('auth.totp.challengeTitle')}</h1>
      <p className="auth-lead">{useRecovery ? t('auth.totp.recoveryLead') : t('auth.totp.challengeLead', { email })}</p>
      <form onSubmit={form.handleSubmit} noValidate>
        {useRecovery
          ? <TextField key="recovery" label={t('field.recoveryCode')} autoComplete="off" autoFocus placeholder="xxxxx-xxxxx" {...form.field('recoveryCode')} />
          : <TextField key="code" label={t('field.totpCode')} inputMode="numeric" autoComplete="one-time-code" autoFocus placeholder="123456" maxLength={6} {...form.field('code')} />}
        <ProblemAlert error={form.failure} fields={form.fields} />
        <Button type="submit" variant="primary" block busy={form.submitting}>{t('auth.totp.verify')}</Button>
      </form>
      <div className="auth-links">
        <button className="link-btn" onClick={() => { setUseRecovery((r) => !r); form.reset(); }}>
          {useRecovery ? t('auth.totp.useCode') : t('auth.totp.useRecovery')}
        </button>
        <button className="link-btn" onClick={onBack}>{t('auth.totp.back')}</button>
      </div>
    </div>
  );
}
