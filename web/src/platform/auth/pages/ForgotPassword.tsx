import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../../api/client';
import { useT } from '../../i18n';
import { useForm } from '../../forms/use-form';
import { Button } from '../../ui/Button';
import { TextField } from '../../ui/Field';
import { Alert, ProblemAlert } from '../../ui/feedback';

export default function ForgotPassword() {
  const t = useT();
  const [sentTo, setSentTo] = useState<string | null>(null);
  const form = useForm({
    operation: 'POST /api/v1/auth/password/forgot',
    initial: { email: '' },
    onSubmit: async (values) => {
      await api.post('/api/v1/auth/password/forgot', { body: values, auth: false });
      setSentTo(values.email);
    },
  });
  return (
    <div className="auth-card">
      <h1>{t('auth.forgot.title')}</h1>
      {sentTo ? (
        <>
          <Alert tone="success" title={t('auth.forgot.sentTitle')}>{t('auth.forgot.sent', { email: sentTo })}</Alert>
          <p className="auth-switch"><Link to="/sign-in">{t('auth.backToSignIn')}</Link></p>
        </>
      ) : (
        <>
          <p className="auth-lead">{t('auth.forgot.lead')}</p>
          <form onSubmit={form.handleSubmit} noValidate>
            <TextField label={t('field.email')} type="email" autoComplete="email" autoFocus {...form.field('email')} />
            <ProblemAlert error={form.failure} fields={form.fields} />
            <Button type="submit" variant="primary" block busy={form.submitting}>{t('auth.forgot.submit')}</Button>
          </form>
          <p className="auth-switch"><Link to="/sign-in">{t('auth.backToSignIn')}</Link></p>
        </>
      )}
    </div>
  );
}
