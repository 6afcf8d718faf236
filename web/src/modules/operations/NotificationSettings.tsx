import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, request } from '../../api/client';
import { useI18n } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Checkbox, SelectField, TextAreaField, TextField } from '../../platform/ui/Field';
import { Alert, EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Badge, Card, FormActions, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { NOTIFY_STATUSES, OPS, TIMEZONES, notifyKeys, type NotificationSettings as Settings, type OrgSummary, type Page } from './notify-api';
import './operations-notify.css';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// The server accepts Discord URLs only; this first check catches typos before the round trip.
const DISCORD = /^https?:\/\/[^/]+\/api\/webhooks\/\d+\/[\w-]+$/;

/** Notification settings of one organisation (spec §9.4): channels, write-only Discord webhook with "Send test", recipients, statuses, enable date, time zone. */
export default function NotificationSettings() {
  const { t } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const orgs = useQuery({ queryKey: notifyKeys.orgs, queryFn: ({ signal }) => request<Page<OrgSummary> | OrgSummary[]>('GET', `${OPS}/organizations`, { signal }) });
  const orgList: OrgSummary[] = Array.isArray(orgs.data) ? orgs.data : orgs.data?.items ?? [];
  const [orgId, setOrgId] = useState('');
  useEffect(() => { if (!orgId && orgList[0]) setOrgId(orgList[0].id); }, [orgId, orgList]);
  const settings = useQuery({ enabled: Boolean(orgId), queryKey: notifyKeys.settings(orgId), queryFn: ({ signal }) => request<Settings>('GET', `${OPS}/organizations/${orgId}/notification-settings`, { signal }) });

  const [form, setForm] = useState<Settings | null>(null);
  const [webhookUrl, setWebhookUrl] = useState('');
  const [recipients, setRecipients] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    if (settings.data) { setForm(settings.data); setRecipients(settings.data.emailRecipients.join('\n')); setWebhookUrl(''); setErrors({}); }
  }, [settings.data]);

  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => request<Settings>('PUT', `${OPS}/organizations/${orgId}/notification-settings`, { body }),
    onSuccess: (s) => { qc.setQueryData(notifyKeys.settings(orgId), s); toast(t('opsNotify.saved')); },
    onError: (err) => { if (err instanceof ApiError) setErrors(err.fieldErrors()); },
  });
  const test = useMutation({
    mutationFn: () => request<{ channels: { channel: string }[] }>('POST', `${OPS}/organizations/${orgId}/notification-settings/test`),
    onSuccess: (r) => toast(t('opsNotify.testSent', { channels: r.channels.map((c) => c.channel).join(', ') })),
  });

  const submit = () => {
    if (!form) return;
    const list = recipients.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
    const next: Record<string, string> = {};
    const bad = list.find((e) => !EMAIL.test(e));
    if (bad) next.emailRecipients = t('opsNotify.emailInvalid', { email: bad });
    if (webhookUrl && !DISCORD.test(webhookUrl)) next.discordWebhookUrl = t('opsNotify.webhookInvalid');
    if (form.webhookEnabled && !webhookUrl && form.discordWebhookUrl === null) next.discordWebhookUrl = t('opsNotify.webhookRequired');
    if (form.notifyStatuses.length === 0) next.notifyStatuses = t('opsNotify.statusRequired');
    setErrors(next);
    if (Object.keys(next).length) return;
    save.mutate({
      timezone: form.timezone, webhookEnabled: form.webhookEnabled, ...(webhookUrl ? { discordWebhookUrl: webhookUrl } : {}),
      emailEnabled: form.emailEnabled, emailRecipients: [...new Set(list)], notifyResponsible: form.notifyResponsible,
      notifyStatuses: form.notifyStatuses, notificationsEnabledFrom: form.notificationsEnabledFrom, locale: form.locale, version: form.version,
    });
  };
  const set = (patch: Partial<Settings>) => setForm((f) => (f ? { ...f, ...patch } : f));

  return (
    <>
      <PageHeader title={t('opsNotify.title')} description={t('opsNotify.lead')} />
      <ProblemAlert error={orgs.error ?? settings.error} onRetry={() => void (orgs.error ? orgs.refetch() : settings.refetch())} />
      {orgs.isPending ? <Skeleton lines={4} /> : orgList.length === 0 && !orgs.error ? (
        <EmptyState icon="bell" title={t('opsNotify.noOrg')}>{t('opsNotify.noOrgHint')}</EmptyState>
      ) : (
        <div className="ops-notify">
          {orgList.length > 1 ? (
            <SelectField label={t('opsNotify.organization')} name="organization" value={orgId} onChange={(e) => setOrgId(e.target.value)}
              options={orgList.map((o) => ({ value: o.id, label: `${o.name} (${o.code})` }))} />
          ) : null}
          {settings.isPending || !form ? <Skeleton lines={6} /> : (
            <form onSubmit={(e) => { e.preventDefault(); submit(); }} noValidate data-testid="notify-settings">
              {!form.saved ? <Alert tone="info">{t('opsNotify.notSaved')}</Alert> : null}
              <ProblemAlert error={save.error ?? test.error} fields={['discordWebhookUrl', 'emailRecipients', 'timezone', 'notifyStatuses']} />
              <Card title={t('opsNotify.discord')} actions={form.discordWebhookUrl ? <Badge tone="success">{t('opsNotify.webhookStored')}</Badge> : <Badge>{t('opsNotify.webhookNone')}</Badge>}>
                <Checkbox label={t('opsNotify.webhookEnabled')} name="webhookEnabled" checked={form.webhookEnabled} onChange={(v) => set({ webhookEnabled: v })} />
                <TextField label={t('opsNotify.webhookUrl')} name="discordWebhookUrl" type="url" autoComplete="off" value={webhookUrl} error={errors.discordWebhookUrl}
                  placeholder={form.discordWebhookUrl ? '***' : 'https://discord.com/api/webhooks/…'} hint={t('opsNotify.webhookHint')} onChange={(e) => setWebhookUrl(e.target.value.trim())} />
              </Card>
              <Card title={t('opsNotify.email')}>
                <Checkbox label={t('opsNotify.emailEnabled')} name="emailEnabled" checked={form.emailEnabled} onChange={(v) => set({ emailEnabled: v })} />
                <TextAreaField label={t('opsNotify.recipients')} name="emailRecipients" rows={3} value={recipients} error={errors.emailRecipients} hint={t('opsNotify.recipientsHint')} onChange={(e) => setRecipients(e.target.value)} />
                <Checkbox label={t('opsNotify.notifyResponsible')} name="notifyResponsible" checked={form.notifyResponsible} onChange={(v) => set({ notifyResponsible: v })} />
              </Card>
              <Card title={t('opsNotify.rules')}>
                <fieldset className="ops-notify-statuses">
                  <legend>{t('opsNotify.statuses')}</legend>
                  {NOTIFY_STATUSES.map((s) => (
                    <Checkbox key={s} label={t(`opsNotify.status.${s}` as 'opsNotify.status.issued')} name={`status-${s}`} checked={form.notifyStatuses.includes(s)}
                      onChange={(v) => set({ notifyStatuses: v ? [...form.notifyStatuses, s] : form.notifyStatuses.filter((x) => x !== s) })} />
                  ))}
                  {errors.notifyStatuses ? <p className="field-error" role="alert">{errors.notifyStatuses}</p> : null}
                </fieldset>
                <TextField label={t('opsNotify.enabledFrom')} name="notificationsEnabledFrom" type="date" required value={form.notificationsEnabledFrom} hint={t('opsNotify.enabledFromHint')} onChange={(e) => set({ notificationsEnabledFrom: e.target.value })} />
                <SelectField label={t('opsNotify.timezone')} name="timezone" value={form.timezone} error={errors.timezone} onChange={(e) => set({ timezone: e.target.value })}
                  options={[...new Set([form.timezone, ...TIMEZONES])].map((z) => ({ value: z, label: z }))} />
                <SelectField label={t('opsNotify.locale')} name="locale" value={form.locale} onChange={(e) => set({ locale: e.target.value })}
                  options={[{ value: 'fr-FR', label: 'Français' }, { value: 'en-GB', label: 'English (UK)' }, { value: 'en-US', label: 'English (US)' }]} />
              </Card>
              <FormActions>
                <Button onClick={() => test.mutate()} busy={test.isPending} disabled={!form.saved} icon="mail">{t('opsNotify.sendTest')}</Button>
                <Button type="submit" variant="primary" busy={save.isPending}>{t('opsNotify.save')}</Button>
              </FormActions>
            </form>
          )}
        </div>
      )}
    </>
  );
}
