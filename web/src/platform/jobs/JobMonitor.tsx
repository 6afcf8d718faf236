import { useSearchParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useT, type MessageKey } from '../i18n';
import { Button } from '../ui/Button';
import { PageHeader } from '../ui/layout';
import { jobKeys, useLiveJobs } from './jobs-api';
import { QueuesTab } from './QueuesTab';
import { FailuresTab } from './FailuresTab';
import { DeadLetterTab } from './DeadLetterTab';
import { SchedulesTab } from './SchedulesTab';
import { LiveBadge } from './LiveBadge';

const TABS = ['queues', 'failures', 'dead-letter', 'schedules'] as const;
type Tab = (typeof TABS)[number];

export default function JobMonitor() {
  const t = useT();
  const [params, setParams] = useSearchParams();
  const tab: Tab = (TABS as readonly string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as Tab) : 'queues';
  const queryClient = useQueryClient();
  const { refetchInterval, live } = useLiveJobs();
  const queues = useQuery({ queryKey: [...jobKeys.all, 'queues'], queryFn: () => api.get('/api/v1/jobs/queues'), refetchInterval });
  const totals = (queues.data ?? []).reduce((acc, q) => ({
    ready: acc.ready + q.counts.ready, active: acc.active + q.counts.active, failed: acc.failed + q.counts.failed,
    completedLastHour: acc.completedLastHour + q.completedLastHour, failedLastHour: acc.failedLastHour + q.failedLastHour,
  }), { ready: 0, active: 0, failed: 0, completedLastHour: 0, failedLastHour: 0 });

  return (
    <>
      <PageHeader title={t('jobs.title')} description={t('jobs.description')}
        actions={<>
          <LiveBadge live={live} />
          <Button icon="refresh" onClick={() => void queryClient.invalidateQueries({ queryKey: jobKeys.all })}>{t('common.refresh')}</Button>
        </>} />
      <div className="stats">
        <Stat label={t('jobs.ready')} value={totals.ready} loading={queues.isPending} />
        <Stat label={t('jobs.active')} value={totals.active} loading={queues.isPending} />
        <Stat label={t('jobs.completedLastHour')} value={totals.completedLastHour} loading={queues.isPending} tone="success" />
        <Stat label={t('jobs.failedLastHour')} value={totals.failedLastHour} loading={queues.isPending} tone={totals.failedLastHour ? 'danger' : undefined} />
      </div>
      <div className="tabs" role="tablist">
        {TABS.map((id) => (
          <button key={id} role="tab" aria-selected={tab === id} className={tab === id ? 'active' : ''}
            onClick={() => setParams(id === 'queues' ? {} : { tab: id })}>
            {t(`jobs.tab.${id}` as MessageKey)}
          </button>
        ))}
      </div>
      {tab === 'queues' ? <QueuesTab queues={queues} /> : null}
      {tab === 'failures' ? <FailuresTab refetchInterval={refetchInterval} /> : null}
      {tab === 'dead-letter' ? <DeadLetterTab refetchInterval={refetchInterval} /> : null}
      {tab === 'schedules' ? <SchedulesTab refetchInterval={refetchInterval} /> : null}
    </>
  );
}

function Stat({ label, value, loading, tone }: { label: string; value: number; loading: boolean; tone?: 'success' | 'danger' }) {
  return (
    <div className={`stat${tone ? ` stat-${tone}` : ''}`}>
      <span className="stat-label">{label}</span>
      {loading ? <span className="skeleton" style={{ height: 28, width: 48 }} /> : <span className="stat-value">{value.toLocaleString()}</span>}
    </div>
  );
}
