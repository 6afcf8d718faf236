import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useT } from '../../platform/i18n';
import { useForm } from '../../platform/forms/use-form';
import { Button } from '../../platform/ui/Button';
import { TextField } from '../../platform/ui/Field';
import { EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Card } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { glucoseKeys } from './api';

/** The people texted or called for help on an urgent low (escalation level 3, "call a contact"). */
export function EmergencyContacts({ patientId }: { patientId: string }) {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const key = [...glucoseKeys.patient(patientId), 'emergency-contacts'];
  const contacts = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients/{patientId}/emergency-contacts', { params: { patientId }, signal }),
  });
  const remove = useMutation({
    mutationFn: (contactId: string) => api.delete('/api/v1/glucose/patients/{patientId}/emergency-contacts/{contactId}', { params: { patientId, contactId } }),
    onSuccess: () => { toast(t('glucose.contacts.removed')); void queryClient.invalidateQueries({ queryKey: key }); },
  });
  const form = useForm({
    operation: 'POST /api/v1/glucose/patients/{patientId}/emergency-contacts',
    initial: { name: '', phoneE164: '', relation: '' },
    onSubmit: async (v) => {
      await api.post('/api/v1/glucose/patients/{patientId}/emergency-contacts', { params: { patientId }, body: { name: v.name, phoneE164: v.phoneE164, ...(v.relation ? { relation: v.relation } : {}) } });
      toast(t('glucose.contacts.added', { name: v.name }));
      form.reset();
      setAdding(false);
      await queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const items = contacts.data ?? [];
  return (
    <Card title={t('glucose.contacts.title')} description={t('glucose.contacts.lead')}
      actions={!adding ? <Button size="sm" icon="plus" onClick={() => setAdding(true)}>{t('glucose.contacts.add')}</Button> : undefined}>
      <ProblemAlert error={contacts.error ?? remove.error} onRetry={() => void contacts.refetch()} />
      {contacts.isPending ? <Skeleton lines={2} /> : items.length === 0 && !contacts.error && !adding ? (
        <EmptyState icon="user" title={t('glucose.contacts.none')}>{t('glucose.contacts.noneHint')}</EmptyState>
      ) : (
        <ul className="g-list" data-testid="emergency-contacts">
          {items.map((c) => (
            <li key={c.id}>
              <div className="g-list-main"><strong>{c.name}</strong><span>{[c.relation, c.phoneE164].filter(Boolean).join(' · ')}</span></div>
              <Button size="sm" icon="trash" busy={remove.isPending && remove.variables === c.id} onClick={() => remove.mutate(c.id)}>{t('glucose.team.remove')}</Button>
            </li>
          ))}
        </ul>
      )}
      {adding ? (
        <form onSubmit={form.handleSubmit} noValidate className="narrow" style={{ marginTop: 16 }}>
          <TextField label={t('glucose.contacts.name')} autoComplete="off" {...form.field('name')} />
          <TextField label={t('field.phone')} hint={t('field.phoneHint')} type="tel" autoComplete="off" {...form.field('phoneE164')} />
          <TextField label={t('glucose.contacts.relation')} hint={t('glucose.contacts.relationHint')} {...form.field('relation')} />
          <ProblemAlert error={form.failure} fields={form.fields} />
          <div className="button-row">
            <Button type="submit" variant="primary" busy={form.submitting}>{t('glucose.contacts.save')}</Button>
            <Button onClick={() => { form.reset(); setAdding(false); }}>{t('action.cancel')}</Button>
          </div>
        </form>
      ) : null}
    </Card>
  );
}
