import { useQueryClient } from '@tanstack/react-query';
import { api, type ApiBody } from '../../api/client';
import { useAuth, type Me } from '../auth/auth';
import { useI18n, useT } from '../i18n';
import { useForm } from '../forms/use-form';
import { Button } from '../ui/Button';
import { TextField } from '../ui/Field';
import { ProblemAlert } from '../ui/feedback';
import { Badge, Card, FormActions, PageHeader } from '../ui/layout';
import { PageLoading } from '../layout/status-pages';
import { useToast } from '../ui/toast';

export default function Profile() {
  const t = useT();
  const { me } = useAuth();
  return (
    <>
      <PageHeader title={t('profile.title')} description={t('profile.description')} />
      {me ? <ProfileForm me={me} key={me.id} /> : <PageLoading />}
    </>
  );
}

function ProfileForm({ me }: { me: Me }) {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const form = useForm({
    operation: 'PATCH /api/v1/me',
    initial: { displayName: me.displayName, email: me.email, phone: me.phone ?? '', currentPassword: '' },
    extra: (v) => ({
      currentPassword: v.email.toLowerCase() !== me.email && !v.currentPassword ? { key: 'validation.currentPasswordForEmail' } : null,
    }),
    onSubmit: async (v) => {
      const body: ApiBody<'/api/v1/me', 'patch'> = {};
      if (v.displayName.trim() !== me.displayName) body.displayName = v.displayName.trim();
      if (v.email.toLowerCase() !== me.email) Object.assign(body, { email: v.email, currentPassword: v.currentPassword });
      if ((v.phone || null) !== me.phone) body.phone = v.phone || null;
      if (Object.keys(body).length === 0) return;
      const updated = await api.patch('/api/v1/me', { body });
      queryClient.setQueryData(['me'], updated);
      form.reset({ displayName: updated.displayName, email: updated.email, phone: updated.phone ?? '', currentPassword: '' });
      toast(t('common.saved'));
    },
  });
  const emailChanged = form.values.email.toLowerCase() !== me.email;
  const dirty = form.values.displayName !== me.displayName || emailChanged || form.values.phone !== (me.phone ?? '');
  return (
    <div className="grid-2">
      <Card title={t('profile.details')}>
        <form onSubmit={form.handleSubmit} noValidate>
          <TextField label={t('field.displayName')} autoComplete="name" {...form.field('displayName')} />
          <TextField label={t('field.email')} type="email" autoComplete="email" {...form.field('email')} />
          {emailChanged ? (
            <TextField label={t('field.currentPassword')} type="password" autoComplete="current-password" hint={t('profile.emailNeedsPassword')} {...form.field('currentPassword')} />
          ) : null}
          <TextField label={t('field.phone')} type="tel" autoComplete="tel" placeholder="+33612345678" hint={t('field.phoneHint')} {...form.field('phone')} />
          <ProblemAlert error={form.failure} fields={form.fields} />
          <FormActions>
            <Button type="submit" variant="primary" busy={form.submitting} disabled={!dirty}>{t('action.save')}</Button>
          </FormActions>
        </form>
      </Card>
      <Card title={t('profile.account')}>
        <dl className="facts">
          <dt>{t('profile.roles')}</dt>
          <dd className="badges">{me.roles.map((r) => <Badge key={r} tone="primary">{t(`role.${r}` as 'role.admin')}</Badge>)}</dd>
          <dt>{t('profile.twoFactor')}</dt>
          <dd>{me.totpEnabled ? <Badge tone="success">{t('common.on')}</Badge> : <Badge>{t('common.off')}</Badge>}</dd>
          <dt>{t('profile.memberSince')}</dt>
          <dd><MemberSince iso={me.createdAt} /></dd>
        </dl>
      </Card>
    </div>
  );
}

function MemberSince({ iso }: { iso: string }) {
  const { formatDate } = useI18n();
  return <>{formatDate(iso, 'date')}</>;
}
