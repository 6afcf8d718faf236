import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useI18n, useT } from '../i18n';
import { EmptyState, ProblemAlert, Skeleton } from '../ui/feedback';
import { Card, PageHeader } from '../ui/layout';
import { Icon } from '../ui/icons';
import { DiffView } from './DiffView';

export default function AuditEventDetail() {
  const { id = '' } = useParams();
  const t = useT();
  const { formatDate } = useI18n();
  const event = useQuery({ queryKey: ['audit', 'event', id], queryFn: () => api.get('/api/v1/audit-events/{id}', { params: { id } }) });
  const e = event.data;
  return (
    <>
      <Link to="/admin/audit" className="back-link"><Icon name="chevronLeft" size={16} />{t('audit.title')}</Link>
      {event.isPending ? <Skeleton lines={6} /> : event.error ? (
        (event.error as { status?: number }).status === 404
          ? <EmptyState icon="list" title={t('audit.notFound')} />
          : <ProblemAlert error={event.error} onRetry={() => void event.refetch()} />
      ) : e ? (
        <>
          <PageHeader title={<code className="title-code">{e.action}</code>} description={formatDate(e.at)} />
          <div className="grid-2">
            <Card title={t('audit.details')}>
              <dl className="facts">
                <dt>{t('audit.actor')}</dt>
                <dd>{e.actorId ? <Link to={`/admin/users/${e.actorId}`}>{e.actorEmail ?? e.actorId}</Link> : t('audit.system')}</dd>
                <dt>{t('audit.entity')}</dt>
                <dd>{e.entity}{e.entityId ? <> · {e.entity === 'user' ? <Link to={`/admin/users/${e.entityId}`}><code>{e.entityId}</code></Link> : <code>{e.entityId}</code>}</> : null}</dd>
                <dt>{t('audit.ip')}</dt><dd>{e.ip ?? '—'}</dd>
                <dt>{t('audit.requestId')}</dt><dd><code>{e.requestId ?? '—'}</code></dd>
                <dt>{t('audit.eventId')}</dt><dd><code>{e.id}</code></dd>
              </dl>
              <p><Link to={`/admin/audit?entity=${encodeURIComponent(e.entity)}${e.entityId ? `&entityId=${encodeURIComponent(e.entityId)}` : ''}`}>{t('audit.sameEntity')}</Link></p>
            </Card>
            <Card title={t('audit.diff')}>
              <DiffView diff={e.diff} />
            </Card>
          </div>
        </>
      ) : null}
    </>
  );
}
