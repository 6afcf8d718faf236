import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type ApiResult } from '../../api/client';
import type { Role } from '../../modules';
import { useAuth } from '../auth/auth';
import { useI18n, useT, type MessageKey } from '../i18n';
import { Button } from '../ui/Button';
import { TextAreaField } from '../ui/Field';
import { Dialog } from '../ui/Dialog';
import { EmptyState, ProblemAlert, Skeleton } from '../ui/feedback';
import { Badge, Card, PageHeader } from '../ui/layout';
import { Icon } from '../ui/icons';
import { useToast } from '../ui/toast';
import { initials } from '../layout/UserMenu';
import { ROLES } from './roles';

type User = ApiResult<'/api/v1/users/{id}', 'get'>;

export default function UserDetail() {
  const { id = '' } = useParams();
  const t = useT();
  const user = useQuery({ queryKey: ['users', id], queryFn: () => api.get('/api/v1/users/{id}', { params: { id } }) });
  return (
    <>
      <Link to="/admin/users" className="back-link"><Icon name="chevronLeft" size={16} />{t('users.title')}</Link>
      {user.isPending ? <Skeleton lines={6} /> : user.error ? (
        (user.error as { status?: number }).status === 404
          ? <EmptyState icon="users" title={t('users.notFound')} action={<Link className="btn btn-secondary" to="/admin/users">{t('users.title')}</Link>} />
          : <ProblemAlert error={user.error} onRetry={() => void user.refetch()} />
      ) : <UserView user={user.data} />}
    </>
  );
}

function UserView({ user }: { user: User }) {
  const t = useT();
  const { formatDate } = useI18n();
  const { me } = useAuth();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [revoking, setRevoking] = useState<Role | null>(null);
  const [lockOpen, setLockOpen] = useState(false);
  const [reason, setReason] = useState('');

  const updated = (next: User) => {
    queryClient.setQueryData(['users', user.id], next);
    void queryClient.invalidateQueries({ queryKey: ['users'], exact: false, refetchType: 'none' });
    void queryClient.invalidateQueries({ queryKey: ['audit', 'user', user.id] });
  };
  const grant = useMutation({
    mutationFn: (role: Role) => api.post('/api/v1/users/{id}/roles', { params: { id: user.id }, body: { role } }),
    onSuccess: (next, role) => { updated(next); toast(t('users.granted', { role: t(`role.${role}` as MessageKey) })); },
  });
  const revoke = useMutation({
    mutationFn: (role: Role) => api.delete('/api/v1/users/{id}/roles/{role}', { params: { id: user.id, role } }),
    onSuccess: (next, role) => { updated(next); setRevoking(null); toast(t('users.revoked', { role: t(`role.${role}` as MessageKey) })); },
  });
  const lock = useMutation({
    mutationFn: (action: 'lock' | 'unlock') => action === 'lock'
      ? api.post('/api/v1/users/{id}/lock', { params: { id: user.id }, body: reason.trim() ? { reason: reason.trim() } : {} })
      : api.post('/api/v1/users/{id}/unlock', { params: { id: user.id }, body: {} }),
    onSuccess: (next, action) => { updated(next); setLockOpen(false); setReason(''); toast(action === 'lock' ? t('users.lockedToast') : t('users.unlockedToast')); },
  });
  const activity = useQuery({
    queryKey: ['audit', 'user', user.id],
    queryFn: () => api.get('/api/v1/audit-events', { query: { entity: 'user', entityId: user.id, limit: 8 } }),
  });
  const self = me?.id === user.id;
  const locked = user.status === 'locked';

  return (
    <>
      <PageHeader
        title={<span className="title-with-avatar"><span className="avatar large">{initials(user.displayName)}</span>{user.displayName}</span>}
        description={user.email}
        actions={locked
          ? <Button variant="primary" icon="unlock" busy={lock.isPending} onClick={() => lock.mutate('unlock')}>{t('users.unlock')}</Button>
          : <Button variant="danger" icon="lock" disabled={self} title={self ? t('users.cannotLockSelf') : undefined} onClick={() => setLockOpen(true)}>{t('users.lock')}</Button>} />
      <ProblemAlert error={grant.error ?? revoke.error ?? (lockOpen ? null : lock.error)} />
      <div className="grid-2">
        <Card title={t('users.roles')} description={t('users.rolesHint')}>
          <ul className="role-list" data-testid="role-list">
            {ROLES.map((role) => {
              const has = user.roles.includes(role);
              const busy = (grant.isPending && grant.variables === role) || (revoke.isPending && revoke.variables === role);
              return (
                <li key={role} className={has ? 'granted' : undefined}>
                  <span className="role-mark" aria-hidden="true">{has ? <Icon name="check" size={16} /> : null}</span>
                  <div>
                    <strong>{t(`role.${role}` as MessageKey)}</strong>
                    <span className="muted small">{t(`roleHint.${role}` as MessageKey)}</span>
                  </div>
                  {has
                    ? <Button size="sm" variant="ghost" busy={busy} onClick={() => setRevoking(role)} aria-label={`${t('users.revoke')} ${t(`role.${role}` as MessageKey)}`}>{t('users.revoke')}</Button>
                    : <Button size="sm" variant="secondary" icon="plus" busy={busy} onClick={() => grant.mutate(role)} aria-label={`${t('users.grant')} ${t(`role.${role}` as MessageKey)}`}>{t('users.grant')}</Button>}
                </li>
              );
            })}
          </ul>
        </Card>
        <div className="stack">
          <Card title={t('users.account')}>
            <dl className="facts">
              <dt>{t('users.status')}</dt>
              <dd data-testid="user-status">{locked ? <Badge tone="danger">{t('status.locked')}</Badge> : <Badge tone="success">{t('status.active')}</Badge>}</dd>
              <dt>{t('profile.twoFactor')}</dt>
              <dd>{user.totpEnabled ? <Badge tone="success">{t('common.on')}</Badge> : <Badge>{t('common.off')}</Badge>}</dd>
              <dt>{t('field.language')}</dt><dd>{user.locale === 'fr' ? 'Français' : 'English'}</dd>
              <dt>{t('field.timeZone')}</dt><dd>{user.timeZone}</dd>
              <dt>{t('field.phone')}</dt><dd>{user.phone ?? '—'}</dd>
              <dt>{t('users.created')}</dt><dd>{formatDate(user.createdAt)}</dd>
            </dl>
          </Card>
          <Card title={t('users.activity')} actions={<Link className="btn btn-sm btn-ghost" to={`/admin/audit?entity=user&entityId=${user.id}`}>{t('common.seeAll')}</Link>}>
            {activity.isPending ? <Skeleton lines={3} /> : activity.data?.items.length ? (
              <ul className="activity">
                {activity.data.items.map((e) => (
                  <li key={e.id}><Link to={`/admin/audit/${e.id}`}><code>{e.action}</code></Link><span className="muted small">{formatDate(e.at, 'relative')} · {e.actorEmail ?? t('audit.system')}</span></li>
                ))}
              </ul>
            ) : <p className="muted">{t('users.noActivity')}</p>}
          </Card>
        </div>
      </div>
      <Dialog open={revoking !== null} title={t('users.revokeTitle', { role: revoking ? t(`role.${revoking}` as MessageKey) : '' })} onClose={() => setRevoking(null)}
        footer={<>
          <Button variant="ghost" onClick={() => setRevoking(null)}>{t('action.cancel')}</Button>
          <Button variant="danger" busy={revoke.isPending} onClick={() => revoking && revoke.mutate(revoking)}>{t('users.revoke')}</Button>
        </>}>
        <p>{t('users.revokeText', { name: user.displayName })}</p>
      </Dialog>
      <Dialog open={lockOpen} title={t('users.lockTitle', { name: user.displayName })} onClose={() => setLockOpen(false)}
        footer={<>
          <Button variant="ghost" onClick={() => setLockOpen(false)}>{t('action.cancel')}</Button>
          <Button variant="danger" icon="lock" busy={lock.isPending} onClick={() => lock.mutate('lock')}>{t('users.lock')}</Button>
        </>}>
        <p>{t('users.lockText')}</p>
        <TextAreaField label={t('users.reason')} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} rows={3} />
        <ProblemAlert error={lock.error} />
      </Dialog>
    </>
  );
}
