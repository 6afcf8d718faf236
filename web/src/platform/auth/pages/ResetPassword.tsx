import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../../../api/client';
import { useT } from '../../i18n';
import { useForm } from '../../forms/use-form';
import { passwordProblem } from '../../forms/rules';
import { Button } from '../../ui/Button';
import { TextField } from '../../ui/Field';
import { Alert, ProblemAlert } from '../../ui/feedback';

export default function ResetPassword() {
  const t = useT();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const form = useForm({
    operation: 'POST /api/v1/auth/password/reset',
    initial: { password: '', confirm: '' },
    extra: (v) => ({
      password: passwordProblem(v.password),
      confirm: v.confirm !== v.password ? { key: 'validation.mismatch' } : null,
    }),
    onSubmit: async (values) => {
      await api.post('/api/v1/auth/password/reset', { body: { token, password: values.password }, auth: false });
      navigate('/sign-in', { replace: true, state: { notice: 'reset' } });
    },
  });
  if (token.length < 20) {
    return (
      <div className="auth-card">
        <h1>{t('auth.reset.title')}</h1>
        <Alert tone="error" title={t('auth.reset.badLink')}>{t('auth.reset.badLinkHint')}</Alert>
        <p className="auth-switch"><Link to="/forgot-password">{t('auth.reset.askAgain')}</Link></p>
      </div>
    );
  }
  return (
    <div className="auth-card">
      <h1>{t('auth.reset.title')}</h1>
      <p className="auth-lead">{t('auth.reset.lead')}</p>
      <form onSubmit={form.handleSubmit} noValidate>
        <TextField label={t('field.newPassword')} type="password" autoComplete="new-password" autoFocus hint={t('field.passwordHint')} {...form.field('password')} />
        <TextField label={t('field.confirmPassword')} type="password" autoComplete="new-password" {...form.field('confirm')} />
        <ProblemAlert error={form.failure} fields={form.fields} />
        {form.failure?.code === 'invalid_reset_token' ? <p className="auth-switch"><Link to="/forgot-password">{t('auth.reset.askAgain')}</Link></p> : null}
        <Button type="submit" variant="primary" block busy={form.submitting}>{t('auth.reset.submit')}</Button>
      </form>
    </div>
  );
}
