import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type ApiResult } from '../../api/client';
import { useAuth } from '../../platform/auth/auth';
import { useI18n, useT } from '../../platform/i18n';
import { useForm } from '../../platform/forms/use-form';
import { Button } from '../../platform/ui/Button';
import { TextField } from '../../platform/ui/Field';
import { Dialog } from '../../platform/ui/Dialog';
import { EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Badge, Card, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { glucoseKeys } from './api';
import { EmergencyContacts } from './EmergencyContacts';
import './glucose.css';

type Invitation = ApiResult<'/api/v1/glucose/care-team/invitations', 'get'>['sent'][number];
type Link = ApiResult<'/api/v1/glucose/patients/{patientId}/care-team', 'get'>['items'][number];

const STATUS_TONE: Record<string, 'neutral' | 'success' | 'warning' | 'danger' | 'info'> = {
  pending: 'info', accepted: 'success', declined: 'danger', cancelled: 'neutral', expired: 'warning',
};

function InviteForm({ relations }: { relations: ('caregiver' | 'clinician')[] }) {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [relation, setRelation] = useState(relations[0]);
  const form = useForm({
    operation: 'POST /api/v1/glucose/care-team/invitations',
    initial: { patientEmail: '', message: '' },
    onSubmit: async (values) => {
      await api.post('/api/v1/glucose/care-team/invitations', {
        body: { patientEmail: values.patientEmail, relation, ...(values.message ? { message: values.message } : {}) },
        headers: { 'idempotency-key': crypto.randomUUID() },
      });
      toast(t('glucose.team.invited', { email: values.patientEmail }));
      form.reset();
      await queryClient.invalidateQueries({ queryKey: glucoseKeys.careTeam });
    },
  });
  return (
    <Card title={t('glucose.team.followTitle')} description={t('glucose.team.followLead')}>
      <form onSubmit={form.handleSubmit} noValidate className="narrow">
        <TextField label={t('glucose.team.patientEmail')} type="email" autoComplete="off" {...form.field('patientEmail')} />
        {relations.length > 1 ? (
          <fieldset className="fieldset">
            <legend>{t('glucose.team.as')}</legend>
            <div className="segmented" role="radiogroup">
              {relations.map((r) => (
                <button key={r} type="button" role="radio" aria-checked={relation === r} className={relation === r ? 'active' : ''} onClick={() => setRelation(r)}>
                  {t(`glucose.relation.${r}`)}
                </button>
              ))}
            </div>
          </fieldset>
        ) : null}
        <TextField label={t('glucose.team.message')} hint={t('glucose.team.messageHint')} {...form.field('message')} />
        <ProblemAlert error={form.failure} fields={form.fields} />
        <Button type="submit" variant="primary" icon="mail" busy={form.submitting}>{t('glucose.team.send')}</Button>
      </form>
    </Card>
  );
}

function InvitationList({ items, mine }: { items: Invitation[]; mine: boolean }) {
  const t = useT();
  const { formatDate } = useI18n();
  const toast = useToast();
  const queryClient = useQueryClient();
  const act = useMutation({
    mutationFn: async ({ id, action }: { id: string; action: 'accept' | 'decline' | 'cancel' }) => {
      if (action === 'cancel') return api.delete('/api/v1/glucose/care-team/invitations/{invitationId}', { params: { invitationId: id } });
      if (action === 'accept') return api.post('/api/v1/glucose/care-team/invitations/{invitationId}/accept', { params: { invitationId: id }, body: {} });
      return api.post('/api/v1/glucose/care-team/invitations/{invitationId}/decline', { params: { invitationId: id }, body: {} });
    },
    onSuccess: (_r, v) => {
      toast(t(`glucose.team.done.${v.action}`));
      void queryClient.invalidateQueries({ queryKey: glucoseKeys.all });
    },
  });
  return (
    <>
      <ProblemAlert error={act.error} />
      <ul className="g-list" data-testid={mine ? 'sent-invitations' : 'received-invitations'}>
        {items.map((i) => (
          <li key={i.id}>
            <div className="g-list-main">
              <strong>{mine ? i.patientEmail : i.inviter?.displayName ?? i.patientEmail}</strong>
              <span>
                {mine ? t(`glucose.relation.${i.relation}`) : t('glucose.team.wantsToFollow', { relation: t(`glucose.relation.${i.relation}`), email: i.inviter?.email ?? '' })}
                {' · '}{formatDate(i.createdAt, 'relative')}
              </span>
              {i.message ? <span>“{i.message}”</span> : null}
            </div>
            <div className="button-row">
              <Badge tone={STATUS_TONE[i.status] ?? 'neutral'}>{t(`glucose.invitation.${i.status}` as 'glucose.invitation.pending')}</Badge>
              {mine && i.status === 'pending' ? <Button size="sm" busy={act.isPending && act.variables?.id === i.id} onClick={() => act.mutate({ id: i.id, action: 'cancel' })}>{t('glucose.team.cancelInvite')}</Button> : null}
              {!mine ? (
                <>
                  <Button size="sm" variant="primary" icon="check" busy={act.isPending && act.variables?.id === i.id && act.variables.action === 'accept'} onClick={() => act.mutate({ id: i.id, action: 'accept' })}>{t('glucose.team.accept')}</Button>
                  <Button size="sm" onClick={() => act.mutate({ id: i.id, action: 'decline' })}>{t('glucose.team.decline')}</Button>
                </>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}

function TeamList({ patientId }: { patientId: string }) {
  const t = useT();
  const { formatDate } = useI18n();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [removing, setRemoving] = useState<Link | null>(null);
  const team = useQuery({
    queryKey: [...glucoseKeys.careTeam, 'links', patientId],
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients/{patientId}/care-team', { params: { patientId }, signal }),
  });
  const remove = useMutation({
    mutationFn: (link: Link) => api.delete('/api/v1/glucose/patients/{patientId}/care-team/{linkId}', { params: { patientId, linkId: link.id }, body: null as never }),
    onSuccess: (_r, link) => {
      setRemoving(null);
      toast(t('glucose.team.removed', { name: link.member.displayName }));
      void queryClient.invalidateQueries({ queryKey: glucoseKeys.careTeam });
    },
  });
  const items = team.data?.items ?? [];
  return (
    <Card title={t('glucose.team.members')} description={t('glucose.team.membersLead')}>
      <ProblemAlert error={team.error} onRetry={() => void team.refetch()} />
      {team.isPending ? <Skeleton lines={3} /> : items.length === 0 && !team.error ? (
        <EmptyState icon="users" title={t('glucose.team.noMembers')}>{t('glucose.team.noMembersHint')}</EmptyState>
      ) : (
        <ul className="g-list" data-testid="care-team">
          {items.map((l) => (
            <li key={l.id}>
              <div className="g-list-main">
                <strong>{l.member.displayName}</strong>
                <span>{t(`glucose.relation.${l.relation}`)} · {l.member.email} · {t('glucose.team.since', { date: formatDate(l.since, 'date') })}</span>
              </div>
              <Button size="sm" icon="trash" onClick={() => setRemoving(l)}>{t('glucose.team.remove')}</Button>
            </li>
          ))}
        </ul>
      )}
      <Dialog open={removing !== null} title={t('glucose.team.removeTitle', { name: removing?.member.displayName ?? '' })} onClose={() => setRemoving(null)}
        footer={<>
          <Button onClick={() => setRemoving(null)}>{t('action.cancel')}</Button>
          <Button variant="danger" busy={remove.isPending} onClick={() => removing && remove.mutate(removing)}>{t('glucose.team.remove')}</Button>
        </>}>
        <p>{t('glucose.team.removeText')}</p>
        <ProblemAlert error={remove.error} />
      </Dialog>
    </Card>
  );
}

export default function CareTeam() {
  const t = useT();
  const { me, hasRole } = useAuth();
  const invitations = useQuery({
    queryKey: [...glucoseKeys.careTeam, 'invitations'],
    queryFn: ({ signal }) => api.get('/api/v1/glucose/care-team/invitations', { signal }),
  });
  const patient = hasRole('patient');
  const relations = (['caregiver', 'clinician'] as const).filter((r) => me?.roles.includes(r));
  const received = invitations.data?.received ?? [];
  const sent = invitations.data?.sent ?? [];
  return (
    <>
      <PageHeader title={t('glucose.careTeam')} description={patient ? t('glucose.team.leadPatient') : t('glucose.team.leadFollower')} />
      <ProblemAlert error={invitations.error} onRetry={() => void invitations.refetch()} />
      <div className="g-stack">
        {patient ? (
          <>
            {invitations.isPending ? <Card><Skeleton lines={2} /></Card> : received.length ? (
              <Card title={t('glucose.team.requests')} description={t('glucose.team.requestsLead')}>
                <InvitationList items={received} mine={false} />
              </Card>
            ) : null}
            {me ? <TeamList patientId={me.id} /> : null}
            {me ? <EmergencyContacts patientId={me.id} /> : null}
          </>
        ) : null}
        {relations.length ? (
          <>
            <InviteForm relations={relations} />
            <Card title={t('glucose.team.sent')}>
              {invitations.isPending ? <Skeleton lines={2} /> : sent.length ? <InvitationList items={sent} mine /> : <p className="muted">{t('glucose.team.noneSent')}</p>}
            </Card>
          </>
        ) : null}
      </div>
    </>
  );
}
