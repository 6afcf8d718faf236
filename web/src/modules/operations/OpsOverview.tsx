import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { request } from '../../api/client';
import { useI18n } from '../../platform/i18n';
import { Chart } from '../../platform/ui/Chart';
import { EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Badge, Card, PageHeader } from '../../platform/ui/layout';
import { OPS, notifyKeys, type HealthSummary, type Kpi, type OpsAlert, type Page, type Schedule } from './notify-api';
import './operations-notify.css';

const HOUR = 3600_000;

function kpiText(k: Kpi, percent: (v: number) => string) {
  if (k.value === null) return '—';
  return k.key === 'notificationDelivery' || k.key === 'automaticBackups' ? percent(k.value) : String(k.value);
}

function Sparkline({ k, label }: { k: Kpi; label: string }) {
  if (k.series.length === 0) return null;
  return (
    <Chart label={label} height={60} option={{
      grid: { left: 2, right: 2, top: 4, bottom: 2 }, xAxis: { type: 'category', show: false, data: k.series.map((p) => p.date) },
      yAxis: { type: 'value', show: false, min: 0 }, tooltip: { trigger: 'axis' },
      series: [{ type: k.key === 'unnoticedFailedRuns' ? 'bar' : 'line', data: k.series.map((p) => p.value), showSymbol: false, smooth: true,
        itemStyle: { color: k.ok === false ? '#c62828' : '#2e7d32' }, areaStyle: k.key === 'unnoticedFailedRuns' ? undefined : { opacity: 0.15 } }],
    }} />
  );
}

/** Operations overview (spec §9.5): the four KPIs with 30-day sparklines, open alerts, next runs, backup and verification ages. */
export default function OpsOverview() {
  const { t, formatDate } = useI18n();
  const summary = useQuery({ queryKey: notifyKeys.summary, queryFn: ({ signal }) => request<HealthSummary>('GET', `${OPS}/health/summary`, { signal }), refetchInterval: 60_000 });
  const alerts = useQuery({ queryKey: notifyKeys.alerts({ acknowledged: 'false' }), queryFn: ({ signal }) => request<Page<OpsAlert>>('GET', `${OPS}/alerts?acknowledged=false&limit=5`, { signal }) });
  const schedules = useQuery({ queryKey: notifyKeys.schedules, queryFn: ({ signal }) => request<Schedule[] | Page<Schedule>>('GET', '/api/v1/jobs/schedules', { signal }) });
  const scheduleList = (Array.isArray(schedules.data) ? schedules.data : schedules.data?.items ?? [])
    .filter((s) => s.module === 'operations' && s.enabled && s.nextRunAt).sort((a, b) => a.nextRunAt!.localeCompare(b.nextRunAt!)).slice(0, 6);
  const percent = (v: number) => `${(v * 100).toFixed(v === 1 ? 0 : 1)} %`;
  const age = (iso: string | null | undefined, limitHours: number) => {
    if (!iso) return <Badge tone="danger">{t('opsOverview.never')}</Badge>;
    return <Badge tone={Date.now() - Date.parse(iso) < limitHours * HOUR ? 'success' : 'danger'}>{formatDate(iso, 'relative')}</Badge>;
  };
  return (
    <>
      <PageHeader title={t('opsOverview.title')} description={t('opsOverview.lead')} />
      <ProblemAlert error={summary.error} onRetry={() => void summary.refetch()} />
      {summary.isPending ? <Skeleton lines={4} height={90} /> : summary.data ? (
        <div className="ops-kpis" data-testid="ops-kpis">
          {summary.data.kpis.map((k) => (
            <Card key={k.key} title={t(`opsOverview.kpi.${k.key}` as 'opsOverview.kpi.notificationDelivery')}
              actions={k.ok === null ? <Badge>{t('opsOverview.noData')}</Badge> : <Badge tone={k.ok ? 'success' : 'danger'}>{k.ok ? t('opsOverview.onTarget') : t('opsOverview.offTarget')}</Badge>}>
              <div className="ops-kpi-value">{kpiText(k, percent)}</div>
              <div className="ops-kpi-meta">{k.unavailable ? t('opsOverview.unavailable') : t('opsOverview.ratio', { n: k.numerator, d: k.denominator })}</div>
              <Sparkline k={k} label={t(`opsOverview.kpi.${k.key}` as 'opsOverview.kpi.notificationDelivery')} />
            </Card>
          ))}
        </div>
      ) : null}
      <div className="ops-overview-grid">
        <Card title={t('opsOverview.openAlerts')} actions={<Link to="/operations/history?tab=alerts">{t('opsOverview.seeAll')}</Link>}>
          <ProblemAlert error={alerts.error} />
          {alerts.isPending ? <Skeleton lines={3} /> : alerts.data?.items.length === 0 ? <EmptyState icon="check" title={t('opsOverview.noAlerts')} /> : (
            <ul className="ops-list">{alerts.data?.items.map((a) => (
              <li key={a.id}><span><Badge tone={a.severity === 'critical' ? 'danger' : 'warning'}>{a.severity}</Badge> {a.title}</span><span>{formatDate(a.raisedAt, 'relative')}</span></li>
            ))}</ul>
          )}
        </Card>
        <Card title={t('opsOverview.nextRuns')} actions={<Link to="/admin/jobs">{t('opsOverview.seeAll')}</Link>}>
          <ProblemAlert error={schedules.error} />
          {schedules.isPending ? <Skeleton lines={3} /> : scheduleList.length === 0 ? <EmptyState icon="clock" title={t('opsOverview.noSchedules')} /> : (
            <ul className="ops-list">{scheduleList.map((s) => <li key={s.key}><code>{s.key}</code><span>{formatDate(s.nextRunAt, 'datetime')}</span></li>)}</ul>
          )}
        </Card>
        <Card title={t('opsOverview.backups')}>
          {summary.data?.backups ? (
            <ul className="ops-list">
              <li><span>{t('opsOverview.lastBackup')}</span>{age(summary.data.backups.lastBackupAt, 26)}</li>
              <li><span>{t('opsOverview.lastVerify')}</span>{age(summary.data.backups.lastRestoreVerifyAt, 8 * 24)}</li>
            </ul>
          ) : <p className="ops-kpi-meta">{t('opsOverview.unavailable')}</p>}
        </Card>
      </div>
    </>
  );
}
