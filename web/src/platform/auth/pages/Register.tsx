import { Link, useNavigate } from 'react-router';
import { api } from '../../../api/client';
import { useAuth } from '../auth';
import { useT } from '../../i18n';
import { useForm } from '../../forms/use-form';
import { passwordProblem } from '../../forms/rules';
import { Button } from '../../ui/Button';
import { TextField } from '../../ui/Field';
import { ProblemAlert } from '../../ui/feedback';

export default function Register() {
  const t = useT();
  const { signedIn } = useAuth();
  const navigate = useNavigate();
  const form = useForm({
    operation: 'POST /api/v1/auth/register',
    initial: { displayName: '', email: '', password: '' },
    extra: (v) => ({ password: passwordProblem(v.password, v.email) }),
    onSubmit: async (values) => {
      const tokens = await api.post('/api/v1/auth/register', {
        body: { ...values, displayName: values.displayName.trim() },
        auth: false,
        headers: { 'idempotency-key': crypto.randomUUID() },
      });
      signedIn(tokens);
      navigate('/', { replace: true });
    },
  });
  return (
    <div className="auth-card">
      <h1>{t('auth.register.title')}</h1>
      <p className="auth-lead">{t('auth.register.lead')}</p>
      <form onSubmit={form.handleSubmit} noValidate>
        <TextField label={t('field.displayName')} autoComplete="name" autoFocus {...form.field('displayName')} />
        <TextField label={t('field.email')} type="email" autoComplete="email" {...form.field('email')} />
        <TextField label={t('field.password')} type="password" autoComplete="new-password" hint={t('field.passwordHint')} {...form.field('password')} />
        <ProblemAlert error={form.failure} fields={form.fields} />
        <Button type="submit" variant="primary" block busy={form.submitting}>{t('auth.register.submit')}</Button>
      </form>
      <p className="auth-switch">{t('auth.register.haveAccount')} <Link to="/sign-in">{t('auth.signIn.link')}</Link></p>
    </div>
  );
}
