import { useMemo, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, type ApiResult } from '../../api/client';
import { useT, useI18n } from '../../platform/i18n';
import { Chart } from '../../platform/ui/Chart';
import { Skeleton } from '../../platform/ui/feedback';
import { Badge } from '../../platform/ui/layout';
import { CurrentValue } from './CurrentValue';
import { GlucoseChart } from './GlucoseChart';
import { formatGlucose, toUnit, DEFAULT_TARGETS, type GlucoseUnit } from './units';
import { glucoseKeys, type Current } from './api';
import './glucose.css';

export type Summary = ApiResult<'/api/v1/glucose/patients/{patientId}/dashboard/summary', 'get'>;

export interface WidgetProps { patientId: string; summary: Summary | undefined; unit: GlucoseUnit; now: number; size: string }

/**
 * What each catalog widget shows, one entry per widget (the web side of the server's widget registry). A widget
 * registered on the server without an entry here shows its title and description; capabilities add theirs.
 */
export const widgetViews: Record<string, (props: WidgetProps) => ReactNode> = {
  glucose_live: LiveWidget,
  alerts: AlertsWidget,
  time_in_range: TimeInRangeWidget,
  health_score: HealthScoreWidget,
  nutrition_today: NutritionWidget,
  activity_today: ActivityWidget,
  sensor_status: SensorWidget,
  agp_mini: AgpMiniWidget,
  patients_overview: PatientsOverviewWidget,
  glucose_chart: ChartWidget,
  next_medication: NextMedicationWidget,
  medication_stock: MedicationStockWidget,
};

function LiveWidget({ summary, unit, now }: WidgetProps) {
  const t = useT();
  if (!summary) return <Skeleton lines={2} height={22} />;
  const current = summary.glucose as unknown as Current;
  if (!current.reading) return <p className="muted">{t('glucose.dash.noReading')}</p>;
  return <CurrentValue current={current} unit={unit} targets={DEFAULT_TARGETS} now={now} />;
}

function AlertsWidget({ summary, patientId }: WidgetProps) {
  const t = useT();
  if (!summary) return <Skeleton lines={3} />;
  if (summary.alerts.length === 0) return <p className="muted">{t('glucose.dash.noAlerts')}</p>;
  return (
    <ul className="dash-list">
      {summary.alerts.map((a) => (
        <li key={a.id}>
          <Badge tone={a.severity === 'critical' ? 'danger' : 'warning'}>{t(`glucose.alertType.${a.type}` as 'glucose.alertType.low')}</Badge>{' '}
          <span className="muted small">{t(`glucose.alertStatus.${a.status}` as 'glucose.alertStatus.pending')} · {new Date(a.triggeredAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</span>
        </li>
      ))}
      <li><Link to="/glucose/alerts" className="small">{t('glucose.dash.allAlerts')}</Link>{patientId ? null : null}</li>
    </ul>
  );
}

const BAND_COLORS = ['#E8772E', '#F6C343', '#3E9B4F', '#E2403A', '#8E1B1B'];

/** The 5-band bar: >250, 181–250, 70–180, 54–69, <54 (widths in percent of readings). */
export function RangeBar({ bands }: { bands: { above250Pct: number; from181to250Pct: number; inRangePct: number; from54to69Pct: number; below54Pct: number } }) {
  const t = useT();
  const parts = [bands.above250Pct, bands.from181to250Pct, bands.inRangePct, bands.from54to69Pct, bands.below54Pct];
  const names = ['veryHigh', 'high', 'inRange', 'low', 'veryLow'] as const;
  return (
    <div>
      <div className="dash-rangebar" role="img" aria-label={t('glucose.dash.tirAria', { tir: bands.inRangePct.toFixed(1) })}>
        {parts.map((p, i) => (p > 0 ? <span key={names[i]} style={{ width: `${p}%`, background: BAND_COLORS[i] }} title={`${t(`glucose.dash.band.${names[i]}`)} ${p.toFixed(1)} %`} /> : null))}
      </div>
      <div className="dash-rangelegend small">
        {parts.map((p, i) => <span key={names[i]}><i style={{ background: BAND_COLORS[i] }} />{t(`glucose.dash.band.${names[i]}`)} {p.toFixed(1)} %</span>)}
      </div>
    </div>
  );
}

function useMetrics(patientId: string, days: number) {
  return useQuery({
    queryKey: [...glucoseKeys.patient(patientId), 'metrics', days],
    queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/analytics/metrics', {
      params: { patientId }, query: { from: new Date(Date.now() - days * 86_400_000).toISOString(), to: new Date().toISOString() },
    }),
    staleTime: 60_000,
  });
}

function TimeInRangeWidget({ patientId }: WidgetProps) {
  const t = useT();
  const metrics = useMetrics(patientId, 1);
  if (metrics.isPending) return <Skeleton lines={2} />;
  if (metrics.isError) return <p className="muted">{t('glucose.dash.unavailable')}</p>;
  const m = metrics.data;
  if (!m.bands) return <p className="muted">{t('glucose.dash.noReading')}</p>;
  return (
    <div>
      <p className="dash-big">{m.bands.inRangePct.toFixed(0)} %<span className="muted small"> {t('glucose.dash.inRange24h')}</span></p>
      <RangeBar bands={m.bands} />
    </div>
  );
}

function HealthScoreWidget({ summary }: WidgetProps) {
  const t = useT();
  if (!summary) return <Skeleton lines={2} />;
  const h = summary.healthScore;
  const tone = h.score >= 75 ? 'good' : h.score >= 50 ? 'fair' : 'poor';
  return (
    <div className="dash-score">
      <span className={`dash-score-value ${tone}`} data-testid="health-score">{h.score}</span>
      <ul className="small muted">
        <li>{t('glucose.dash.glycemia')} {Math.round(h.components.glycemia)}</li>
        <li>{t('glucose.dash.adherence')} {Math.round(h.components.adherence)}</li>
        <li>{t('glucose.dash.nutrition')} {Math.round(h.components.nutrition)}</li>
        <li>{t('glucose.dash.activity')} {Math.round(h.components.activity)}</li>
      </ul>
    </div>
  );
}

function Progress({ label, value, goal, suffix }: { label: string; value: number; goal: number | null; suffix: string }) {
  const pct = goal ? Math.min(100, (100 * value) / goal) : 0;
  return (
    <div className="dash-progress">
      <div className="small"><strong>{label}</strong> {Math.round(value)}{goal ? ` / ${goal}` : ''} {suffix}</div>
      {goal ? <div className="dash-meter"><span style={{ width: `${pct}%` }} /></div> : null}
    </div>
  );
}

function NutritionWidget({ summary }: WidgetProps) {
  const t = useT();
  if (!summary) return <Skeleton lines={2} />;
  const n = summary.nutrition;
  if (!n) return <p className="muted">{t('glucose.dash.unavailable')}</p>;
  return (
    <div>
      <Progress label={t('glucose.dash.calories')} value={n.caloriesKcal.consumed} goal={n.caloriesKcal.goal} suffix="kcal" />
      <Progress label={t('glucose.dash.carbs')} value={n.carbsG.consumed} goal={n.carbsG.goal} suffix="g" />
      <p className="small muted">{n.lastMeal ? t('glucose.dash.lastMeal', { name: n.lastMeal.name, time: new Date(n.lastMeal.takenAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) }) : t('glucose.dash.noMeal')}</p>
    </div>
  );
}

function ActivityWidget({ summary }: WidgetProps) {
  const t = useT();
  if (!summary) return <Skeleton lines={2} />;
  const a = summary.activity;
  if (!a) return <p className="muted">{t('glucose.dash.unavailable')}</p>;
  return (
    <div>
      <Progress label={t('glucose.dash.steps')} value={a.steps.value} goal={a.steps.goal} suffix="" />
      <Progress label={t('glucose.dash.activeMinutes')} value={a.activeMinutes.value} goal={a.activeMinutes.goal} suffix="min" />
    </div>
  );
}

function SensorWidget({ summary }: WidgetProps) {
  const t = useT();
  if (!summary) return <Skeleton lines={2} />;
  const sensor = (summary.glucose as unknown as Current).sensor;
  if (!sensor) return <p className="muted">{t('glucose.dash.noSensor')}</p>;
  return (
    <div className="small">
      <p><strong>{sensor.model}</strong> · {sensor.status}</p>
      {sensor.expiresAt ? <p className="muted">{t('glucose.dash.expires', { date: new Date(sensor.expiresAt).toLocaleString() })}</p> : null}
      {sensor.batteryPct !== null ? <p className="muted">{t('glucose.dash.battery', { pct: sensor.batteryPct })}</p> : null}
    </div>
  );
}

function AgpMiniWidget({ patientId, unit }: WidgetProps) {
  const t = useT();
  const { locale } = useI18n();
  const agp = useQuery({
    queryKey: [...glucoseKeys.patient(patientId), 'agp-mini'],
    queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/analytics/agp', { params: { patientId } }),
    staleTime: 300_000,
  });
  if (agp.isPending) return <Skeleton lines={3} />;
  if (agp.isError) return <p className="muted">{t('glucose.dash.unavailable')}</p>;
  const points = [...agp.data.profile].sort((a, b) => a.minuteOfDay - b.minuteOfDay);
  if (!points.some((p) => p.p50 !== null)) return <p className="muted">{t('glucose.dash.notEnoughAgp')}</p>;
  const v = (x: number | null) => (x === null ? null : toUnit(x, unit));
  const x = points.map((p) => p.minuteOfDay / 60);
  const series = (key: 'p5' | 'p25' | 'p50' | 'p75' | 'p95') => points.map((p, i) => [x[i], v(p[key])]);
  const option = {
    animation: false, grid: { left: 34, right: 8, top: 8, bottom: 20 },
    xAxis: { type: 'value', min: 0, max: 24, interval: 6, axisLabel: { formatter: (h: number) => `${h}h` } },
    yAxis: { type: 'value', min: 0, max: unit === 'mmol/L' ? 19.4 : 350 },
    series: [
      { type: 'line', data: series('p95'), showSymbol: false, lineStyle: { width: 0.8, color: '#8FB0DA', type: 'dashed' } },
      { type: 'line', data: series('p75'), showSymbol: false, lineStyle: { width: 1, color: '#6F9BD1' } },
      { type: 'line', data: series('p50'), showSymbol: false, lineStyle: { width: 2, color: '#1B3F7A' },
        markLine: { silent: true, symbol: 'none', lineStyle: { color: '#3E9B4F' }, label: { show: false }, data: [{ yAxis: v(70) }, { yAxis: v(180) }] } },
      { type: 'line', data: series('p25'), showSymbol: false, lineStyle: { width: 1, color: '#6F9BD1' } },
      { type: 'line', data: series('p5'), showSymbol: false, lineStyle: { width: 0.8, color: '#8FB0DA', type: 'dashed' } },
    ],
  };
  const m = agp.data;
  return (
    <div>
      <Chart option={option} height={140} label={t('glucose.dash.agpAria')} />
      <p className="small muted">
        {m.bands ? t('glucose.dash.agpSummary', { tir: m.bands.inRangePct.toFixed(0), mean: formatGlucose(m.meanMgdl, unit, locale), unit }) : null}{' '}
        <Link to="/glucose/reports">{t('glucose.reports.title')}</Link>
      </p>
    </div>
  );
}

function PatientsOverviewWidget(_: WidgetProps) {
  const t = useT();
  const patients = useQuery({ queryKey: glucoseKeys.patients, queryFn: () => api.get('/api/v1/glucose/patients') });
  if (patients.isPending) return <Skeleton lines={3} />;
  if (patients.isError) return <p className="muted">{t('glucose.dash.unavailable')}</p>;
  if (patients.data.items.length === 0) return <p className="muted">{t('glucose.dash.noPatients')}</p>;
  return (
    <ul className="dash-list dash-patients">
      {patients.data.items.slice(0, 8).map((p) => (
        <li key={p.patientId}><Link to={`/glucose/patients/${p.patientId}`}>{p.displayName}</Link></li>
      ))}
      <li><Link to="/glucose/patients" className="small">{t('glucose.dash.allPatients')}</Link></li>
    </ul>
  );
}

/** The medication block of the summary (provided by the medications capability). */
interface MedicationBlock {
  nextDose: { doseId: string; name: string; scheduledAt: string; status: string; countdownSeconds: number; isDelayed: boolean } | null;
  adherence7dPct: number | null;
  lowStock: { stockId: string; name: string; status: string; unitsRemaining: number }[];
}

function NextMedicationWidget({ summary, patientId }: WidgetProps) {
  const t = useT();
  if (!summary) return <Skeleton lines={2} />;
  const m = summary.medication as unknown as MedicationBlock | null;
  if (!m) return <p className="muted">{t('glucose.dash.unavailable')}</p>;
  if (!m.nextDose) return <p className="muted">{t('glucose.dash.noDose')}</p>;
  const minutes = Math.round(m.nextDose.countdownSeconds / 60);
  return (
    <div>
      <p><strong>{m.nextDose.name}</strong> · {new Date(m.nextDose.scheduledAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</p>
      <p className="small muted">{m.nextDose.isDelayed ? t('glucose.dash.doseLate', { min: Math.abs(minutes) }) : t('glucose.dash.doseIn', { min: Math.max(0, minutes) })}</p>
      <Link to={`/glucose/patients/${patientId}/medications`} className="small">{t('glucose.dash.openMedications')}</Link>
    </div>
  );
}

function MedicationStockWidget({ summary }: WidgetProps) {
  const t = useT();
  if (!summary) return <Skeleton lines={2} />;
  const m = summary.medication as unknown as MedicationBlock | null;
  if (!m) return <p className="muted">{t('glucose.dash.unavailable')}</p>;
  if (m.lowStock.length === 0) return <p className="muted">{t('glucose.dash.stockOk')}</p>;
  return (
    <ul className="dash-list">
      {m.lowStock.map((s) => <li key={s.stockId}><Badge tone={s.status === 'critical' ? 'danger' : 'warning'}>{s.name}</Badge> <span className="small muted">{s.unitsRemaining}</span></li>)}
    </ul>
  );
}

const CHART_HOURS = [3, 6, 12, 24];

function ChartWidget({ patientId, unit, size }: WidgetProps) {
  const t = useT();
  const [hours, setHours] = useState(6);
  const span = useMemo(() => {
    const to = Math.ceil(Date.now() / 60_000) * 60_000 + 60_000;
    return { from: to - hours * 3_600_000, to };
  }, [hours]);
  const history = useQuery({
    queryKey: glucoseKeys.history(patientId, hours),
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients/{patientId}/readings', {
      params: { patientId }, query: { from: new Date(span.from).toISOString(), to: new Date(span.to).toISOString(), granularity: 'raw', limit: 2000 }, signal,
    }),
  });
  return (
    <div>
      <div className="dash-segmented" role="group" aria-label={t('glucose.dash.chartHours')}>
        {CHART_HOURS.map((h) => <button key={h} type="button" className={h === hours ? 'active' : ''} onClick={() => setHours(h)}>{h} h</button>)}
        <Link to={`/glucose/patients/${patientId}`} className="small">{t('glucose.dash.openChart')}</Link>
      </div>
      {history.isPending ? <Skeleton lines={4} /> : (
        <div className={`dash-chart ${size}`}>
          <GlucoseChart history={history.data} unit={unit} targets={DEFAULT_TARGETS} fromMs={span.from} toMs={span.to} timeZone={Intl.DateTimeFormat().resolvedOptions().timeZone} />
        </div>
      )}
    </div>
  );
}
