import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { request } from '../../api/client';
import { useI18n } from '../../platform/i18n';
import { useAuth } from '../../platform/auth/auth';
import { Button } from '../../platform/ui/Button';
import { Dialog } from '../../platform/ui/Dialog';
import { SelectField } from '../../platform/ui/Field';
import { EmptyState, ProblemAlert, TableSkeleton } from '../../platform/ui/feedback';
import { Badge, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { OPS, notifyKeys, type OpsAlert, type OpsRun, type Page } from './notify-api';
import './operations-notify.css';

const RUN_KINDS = ['', 'quote_notify', 'notification_reconcile', 'cleanup_temp', 'cleanup_logs', 'runs_reconcile', 'backup', 'retention', 'checksum_verify', 'restore_verify', 'restore', 'export', 'module_job'];
const statusTone = (s: string) => (s === 'succeeded' ? 'success' : s === 'failed' ? 'danger' : s === 'running' ? 'info' : 'neutral');
const severityTone = (s: string) => (s === 'critical' ? 'danger' : s === 'high' ? 'warning' : 'neutral');
const query = (filters: Record<string, string>, cursor?: string) => new URLSearchParams({ ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)), limit: '50', ...(cursor ? { cursor } : {}) }).toString();

function Runs() {
  const { t, formatDate } = useI18n();
  const [filters, setFilters] = useState({ kind: '', status: '' });
  const [open, setOpen] = useState<OpsRun | null>(null);
  const runs = useInfiniteQuery({
    queryKey: notifyKeys.runs(filters), initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => request<Page<OpsRun>>('GET', `${OPS}/runs?${query(filters, pageParam)}`, { signal }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = runs.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <div className="ops-history-filters">
        <SelectField label={t('opsHistory.kind')} name="kind" value={filters.kind} onChange={(e) => setFilters({ ...filters, kind: e.target.value })}
          options={RUN_KINDS.map((k) => ({ value: k, label: k || t('opsHistory.all') }))} />
        <SelectField label={t('opsHistory.status')} name="status" value={filters.status} onChange={(e) => setFilters({ ...filters, status: e.target.value })}
          options={['', 'running', 'succeeded', 'failed', 'cancelled', 'skipped'].map((s) => ({ value: s, label: s || t('opsHistory.all') }))} />
      </div>
      <ProblemAlert error={runs.error} onRetry={() => void runs.refetch()} />
      {runs.isPending ? <TableSkeleton rows={5} columns={6} /> : items.length === 0 && !runs.error ? <EmptyState icon="clock" title={t('opsHistory.noRuns')}>{t('opsHistory.noRunsHint')}</EmptyState> : (
        <div className="table-wrap">
          <table className="table" data-testid="runs-table">
            <thead><tr><th>{t('opsHistory.started')}</th><th>{t('opsHistory.kind')}</th><th>{t('opsHistory.queue')}</th><th>{t('opsHistory.trigger')}</th><th>{t('opsHistory.status')}</th><th>{t('opsHistory.duration')}</th><th /></tr></thead>
            <tbody>{items.map((r) => (
              <tr key={r.id}>
                <td>{formatDate(r.startedAt, 'datetime')}</td><td>{r.kind}</td><td><code>{r.queue}</code></td><td>{r.trigger}{r.attempt > 1 ? ` #${r.attempt}` : ''}</td>
                <td><Badge tone={statusTone(r.status)}>{r.status}</Badge>{r.error ? <div className="ops-error">{r.error.code}</div> : null}</td>
                <td>{r.durationMs === null ? '—' : `${(r.durationMs / 1000).toFixed(1)} s`}</td>
                <td><Button size="sm" variant="ghost" onClick={() => setOpen(r)}>{t('opsHistory.details')}</Button></td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      )}
      {runs.hasNextPage ? <Button onClick={() => void runs.fetchNextPage()} busy={runs.isFetchingNextPage}>{t('opsHistory.more')}</Button> : null}
      <Dialog open={open !== null} title={open ? `${open.kind} · ${open.status}` : ''} onClose={() => setOpen(null)} wide>
        {open ? <pre className="ops-mono">{JSON.stringify({ summary: open.summary, error: open.error, scheduleKey: open.scheduleKey, scheduledFor: open.scheduledFor, jobId: open.jobId }, null, 2)}</pre> : null}
      </Dialog>
    </>
  );
}

function Alerts() {
  const { t, formatDate } = useI18n();
  const { hasRole } = useAuth();
  const toast = useToast();
  const qc = useQueryClient();
  const [filters, setFilters] = useState({ severity: '', acknowledged: 'false' });
  const alerts = useInfiniteQuery({
    queryKey: notifyKeys.alerts(filters), initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => request<Page<OpsAlert>>('GET', `${OPS}/alerts?${query(filters, pageParam)}`, { signal }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const ack = useMutation({
    mutationFn: (id: string) => request('POST', `${OPS}/alerts/${id}/acknowledge`),
    onSuccess: () => { toast(t('opsHistory.acknowledged')); void qc.invalidateQueries({ queryKey: notifyKeys.all }); },
  });
  const items = alerts.data?.pages.flatMap((p) => p.items) ?? [];
  const isAdmin = hasRole('admin');
  return (
    <>
      <div className="ops-history-filters">
        <SelectField label={t('opsHistory.severity')} name="severity" value={filters.severity} onChange={(e) => setFilters({ ...filters, severity: e.target.value })}
          options={['', 'critical', 'high', 'medium', 'low'].map((s) => ({ value: s, label: s || t('opsHistory.all') }))} />
        <SelectField label={t('opsHistory.state')} name="acknowledged" value={filters.acknowledged} onChange={(e) => setFilters({ ...filters, acknowledged: e.target.value })}
          options={[{ value: 'false', label: t('opsHistory.open') }, { value: 'true', label: t('opsHistory.acknowledgedState') }, { value: '', label: t('opsHistory.all') }]} />
      </div>
      <ProblemAlert error={alerts.error ?? ack.error} onRetry={() => void alerts.refetch()} />
      {alerts.isPending ? <TableSkeleton rows={4} columns={5} /> : items.length === 0 && !alerts.error ? <EmptyState icon="check" title={t('opsHistory.noAlerts')} /> : (
        <div className="table-wrap">
          <table className="table" data-testid="alerts-table">
            <thead><tr><th>{t('opsHistory.raised')}</th><th>{t('opsHistory.severity')}</th><th>{t('opsHistory.alert')}</th><th>{t('opsHistory.delivery')}</th><th /></tr></thead>
            <tbody>{items.map((a) => (
              <tr key={a.id}>
                <td>{formatDate(a.raisedAt, 'datetime')}</td>
                <td><Badge tone={severityTone(a.severity)}>{a.severity}</Badge></td>
                <td><strong>{a.title}</strong><div className="ops-kpi-meta">{a.kind}</div></td>
                <td>{Object.entries(a.delivery).map(([channel, d]) => (
                  <div key={channel}><Badge tone={d.status === 'sent' || d.status === 'delivered' ? 'success' : d.status === 'pending' ? 'info' : 'danger'}>{channel.split(':')[0]}: {d.status}</Badge></div>
                ))}</td>
                <td>{a.acknowledgedAt ? formatDate(a.acknowledgedAt, 'relative') : isAdmin ? <Button size="sm" onClick={() => ack.mutate(a.id)} busy={ack.isPending && ack.variables === a.id}>{t('opsHistory.acknowledge')}</Button> : null}</td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      )}
      {alerts.hasNextPage ? <Button onClick={() => void alerts.fetchNextPage()} busy={alerts.isFetchingNextPage}>{t('opsHistory.more')}</Button> : null}
    </>
  );
}

/** Operations history and alerts (spec §9.11): operation runs with filters and a summary drawer; ops alerts with delivery per channel and acknowledge. */
export default function OpsHistory() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'alerts' ? 'alerts' : 'runs';
  return (
    <>
      <PageHeader title={t('opsHistory.title')} description={t('opsHistory.lead')} />
      <div className="ops-tabs" role="tablist">
        <Button variant={tab === 'runs' ? 'primary' : 'secondary'} role="tab" aria-selected={tab === 'runs'} onClick={() => setParams({})}>{t('opsHistory.runs')}</Button>
        <Button variant={tab === 'alerts' ? 'primary' : 'secondary'} role="tab" aria-selected={tab === 'alerts'} onClick={() => setParams({ tab: 'alerts' })}>{t('opsHistory.alerts')}</Button>
      </div>
      {tab === 'runs' ? <Runs /> : <Alerts />}
    </>
  );
}
