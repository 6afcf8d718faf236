import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type ApiResult } from '../../api/client';
import { hasMessage, useT, type MessageKey } from '../i18n';
import { Button } from '../ui/Button';
import { Alert, ProblemAlert, TableSkeleton } from '../ui/feedback';
import { Badge, FormActions, PageHeader } from '../ui/layout';
import { useToast } from '../ui/toast';

type Preferences = ApiResult<'/api/v1/me/notification-preferences', 'get'>;
type Channel = Preferences['categories'][number]['channels'][number];
const CHANNELS: Channel[] = ['inapp', 'email', 'sms', 'whatsapp', 'push'];

export default function NotificationPreferences() {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const prefs = useQuery({ queryKey: ['notification-preferences'], queryFn: () => api.get('/api/v1/me/notification-preferences') });
  const [draft, setDraft] = useState<Record<string, Channel[] | null>>({});
  useEffect(() => setDraft({}), [prefs.data]);

  const save = useMutation({
    mutationFn: () => api.put('/api/v1/me/notification-preferences', {
      body: { categories: Object.entries(draft).map(([category, channels]) => ({ category, channels })) },
    }),
    onSuccess: (next) => {
      queryClient.setQueryData(['notification-preferences'], next);
      toast(t('common.saved'));
    },
  });

  const channelsOf = (c: Preferences['categories'][number]) => {
    const d = draft[c.category];
    return d === undefined ? c.channels : d === null ? c.defaultChannels : d;
  };
  const toggle = (c: Preferences['categories'][number], channel: Channel, on: boolean) => {
    const current = channelsOf(c);
    setDraft((d) => ({ ...d, [c.category]: on ? [...current, channel] : current.filter((x) => x !== channel) }));
  };
  const dirty = Object.keys(draft).length > 0;

  return (
    <>
      <PageHeader title={t('notifyPrefs.title')} description={t('notifyPrefs.description')} />
      <Alert tone="info" action={<Link className="btn btn-sm btn-secondary" to="/account/preferences">{t('nav.preferences')}</Link>}>{t('notifyPrefs.quietHours')}</Alert>
      <ProblemAlert error={prefs.error ?? save.error} onRetry={() => void prefs.refetch()} />
      {prefs.isPending ? <TableSkeleton rows={4} columns={6} /> : prefs.data ? (
        <div className="table-wrap">
          <table className="table prefs-table" data-testid="notification-preferences">
            <thead>
              <tr>
                <th>{t('notifyPrefs.category')}</th>
                {CHANNELS.map((ch) => <th key={ch} className="center">{t(`channel.${ch}` as MessageKey)}</th>)}
                <th aria-label={t('notifyPrefs.reset')} />
              </tr>
            </thead>
            <tbody>
              {prefs.data.categories.map((c) => {
                const channels = channelsOf(c);
                const customized = draft[c.category] === undefined ? c.customized : draft[c.category] !== null;
                return (
                  <tr key={c.category}>
                    <td>
                      <strong>{hasMessage(`category.${c.category}`) ? t(`category.${c.category}` as MessageKey) : c.category}</strong>
                      {customized ? <> <Badge tone="info">{t('notifyPrefs.customized')}</Badge></> : null}
                      <div className="muted small">{hasMessage(`categoryHint.${c.category}`) ? t(`categoryHint.${c.category}` as MessageKey) : c.description}</div>
                    </td>
                    {CHANNELS.map((ch) => (
                      <td key={ch} className="center" data-label={t(`channel.${ch}` as MessageKey)}>
                        <input type="checkbox" className="check" checked={channels.includes(ch)} onChange={(e) => toggle(c, ch, e.target.checked)}
                          aria-label={`${c.category}: ${t(`channel.${ch}` as MessageKey)}`} />
                      </td>
                    ))}
                    <td className="right">
                      {customized ? <Button size="sm" variant="ghost" onClick={() => setDraft((d) => ({ ...d, [c.category]: null }))}>{t('notifyPrefs.reset')}</Button> : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {prefs.data?.categories.some((c) => channelsOf(c).length === 0) ? <Alert tone="warning">{t('notifyPrefs.noneWarning')}</Alert> : null}
      <FormActions>
        <Button variant="primary" disabled={!dirty} busy={save.isPending} onClick={() => save.mutate()}>{t('action.save')}</Button>
        {dirty ? <Button variant="ghost" onClick={() => setDraft({})}>{t('action.cancel')}</Button> : null}
      </FormActions>
    </>
  );
}
