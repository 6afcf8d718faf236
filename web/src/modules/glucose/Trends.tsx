import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import type { EChartsCoreOption } from 'echarts/core';
import { useAuth } from '../../platform/auth/auth';
import { useI18n, useT } from '../../platform/i18n';
import type { MessageKey } from '../../platform/i18n/en';
import { Alert as Notice, EmptyState, ProblemAlert, Skeleton, TableSkeleton } from '../../platform/ui/feedback';
import { Badge, Card, PageHeader } from '../../platform/ui/layout';
import { Chart } from '../../platform/ui/Chart';
import { Icon } from '../../platform/ui/icons';
import { Button } from '../../platform/ui/Button';
import { useResolvedPatientId, useUnit } from './api';
import { formatGlucose, toUnit, type GlucoseUnit } from './units';
import { analyticsKeys, fetchAggregates, fetchAgp, fetchEpisodes, fetchInsights, type Agp, type Period } from './analytics-api';
import './glucose.css';
import './analytics.css';

const RANGES = [7, 14, 30, 90] as const;
const PERIODS: Period[] = ['day', 'week', 'month'];
const EPISODES_PER_PAGE = 10;

type Bands = NonNullable<Agp['bands']>;

/** Largest-remainder integers that sum to 100 (the AGP report's labels); a non-zero value under 1 shows "<1". */
export function displayPercents(values: number[]): string[] {
  const total = values.reduce((a, b) => a + b, 0);
  if (total <= 0) return values.map(() => '0');
  const scaled = values.map((x) => (x * 100) / total);
  const floors = scaled.map(Math.floor);
  let left = 100 - floors.reduce((a, b) => a + b, 0);
  for (const { i } of scaled.map((x, i) => ({ i, r: x - floors[i] })).sort((a, b) => b.r - a.r || a.i - b.i)) { if (left-- <= 0) break; floors[i]++; }
  return floors.map((v, i) => (v === 0 && values[i] > 0 ? '<1' : String(v)));
}

const hm = (pct: number) => { const minutes = Math.round((pct / 100) * 1440); return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')}`; };

function TimeInRanges({ bands, unit }: { bands: Bands; unit: GlucoseUnit }) {
  const t = useT();
  const { locale } = useI18n();
  // the consensus bounds in the viewer's unit (mmol/L: 3.0, 3.9, 10.0, 13.9)
  const b = (mgdl: number) => formatGlucose(mgdl, unit, locale);
  const rows = [
    { key: 'ga-vhigh', label: t('trends.band.veryHigh', { v: `${b(250)} ${unit}` }), pct: bands.above250Pct },
    { key: 'ga-high', label: t('trends.band.high', { a: unit === 'mg/dL' ? '181' : b(180), b: b(250) }), pct: bands.from181to250Pct },
    { key: 'ga-in', label: t('trends.band.inRange', { a: b(70), b: b(180) }), pct: bands.inRangePct },
    { key: 'ga-low', label: t('trends.band.low', { a: b(54), b: unit === 'mg/dL' ? '69' : b(70) }), pct: bands.from54to69Pct },
    { key: 'ga-vlow', label: t('trends.band.veryLow', { v: b(54) }), pct: bands.below54Pct },
  ];
  const shown = displayPercents(rows.map((r) => r.pct));
  return (
    <div className="ga-tir" data-testid="time-in-ranges">
      <div className="ga-tir-bar" aria-hidden="true">{rows.map((r) => <span key={r.key} className={r.key} style={{ flexGrow: r.pct }} />)}</div>
      <div className="ga-tir-labels">
        {rows.map((r, i) => (
          <div key={r.key}><span className={`ga-swatch ${r.key}`} /><strong>{shown[i]} %</strong><span>{r.label}</span><span className="muted">{hm(r.pct)}</span></div>
        ))}
      </div>
    </div>
  );
}

function Tile({ label, value, hint, tone }: { label: string; value: string; hint?: string; tone?: 'good' | 'warn' | 'bad' }) {
  return <div className={`ga-tile ${tone ?? ''}`}><span className="ga-tile-label">{label}</span><span className="ga-tile-value">{value}</span>{hint ? <span className="ga-tile-hint">{hint}</span> : null}</div>;
}

const fmt = (x: number | null | undefined, locale: string, digits = 1) =>
  x === null || x === undefined ? '—' : new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(x);

function agpOption(agp: Agp, unit: GlucoseUnit, t: (k: MessageKey) => string): EChartsCoreOption {
  const points = agp.profile.filter((c) => c.p50 !== null).map((c) => ({ ...c, minute: c.minuteOfDay === 0 ? 1440 : c.minuteOfDay })).sort((a, b) => a.minute - b.minute);
  const v = (x: number | null) => (x === null ? null : toUnit(x, unit));
  const xy = (f: (c: (typeof points)[number]) => number | null) => points.map((c) => [c.minute, v(f(c))]);
  const diff = (a: (c: (typeof points)[number]) => number | null, b: (c: (typeof points)[number]) => number | null) => points.map((c) => [c.minute, v(a(c))! - v(b(c))!]);
  const max = unit === 'mmol/L' ? 19.4 : 350;
  return {
    animation: false,
    grid: { left: 44, right: 36, top: 24, bottom: 32 },
    tooltip: { trigger: 'axis', valueFormatter: (x: unknown) => (typeof x === 'number' ? String(Math.round(x * 10) / 10) : '') },
    xAxis: { type: 'value', min: 0, max: 1440, interval: 180, axisLabel: { formatter: (m: number) => `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:00` } },
    yAxis: { type: 'value', min: 0, max, name: unit },
    series: [
      { name: 'p5', type: 'line', data: xy((c) => c.p5), stack: 'outer', lineStyle: { opacity: 0 }, symbol: 'none', tooltip: { show: false } },
      { name: '5–95 %', type: 'line', data: diff((c) => c.p95, (c) => c.p5), stack: 'outer', lineStyle: { opacity: 0 }, symbol: 'none', areaStyle: { color: 'rgba(46,155,110,0.16)' }, tooltip: { show: false } },
      { name: 'p25', type: 'line', data: xy((c) => c.p25), stack: 'inner', lineStyle: { opacity: 0 }, symbol: 'none', tooltip: { show: false } },
      { name: '25–75 %', type: 'line', data: diff((c) => c.p75, (c) => c.p25), stack: 'inner', lineStyle: { opacity: 0 }, symbol: 'none', areaStyle: { color: 'rgba(46,155,110,0.38)' }, tooltip: { show: false } },
      {
        name: t('trends.median'), type: 'line', data: xy((c) => c.p50), symbol: 'none', smooth: 0.3, lineStyle: { color: '#12715b', width: 2.5 },
        markLine: { silent: true, symbol: 'none', lineStyle: { color: '#9aa3ad', type: 'dashed' }, data: [{ yAxis: toUnit(70, unit) }, { yAxis: toUnit(180, unit) }] },
      },
      { name: 'p95', type: 'line', data: xy((c) => c.p95), symbol: 'none', lineStyle: { color: 'rgba(46,155,110,0.5)', width: 1, type: 'dotted' } },
      { name: 'p5 ', type: 'line', data: xy((c) => c.p5), symbol: 'none', lineStyle: { color: 'rgba(46,155,110,0.5)', width: 1, type: 'dotted' } },
    ],
  };
}

/** The trends of one patient (§8): AGP, metric tiles, period comparison, insights, episodes. Used by the patient's page and the clinician's detail. */
export function TrendsPanel({ patientId, self }: { patientId: string; self: boolean }) {
  const t = useT();
  const { locale } = useI18n();
  const unit = useUnit();
  const [days, setDays] = useState<(typeof RANGES)[number]>(14);
  const [period, setPeriod] = useState<Period>('week');
  const [episodePage, setEpisodePage] = useState(0);
  const agp = useQuery({ queryKey: analyticsKeys.agp(patientId, days), queryFn: ({ signal }) => fetchAgp(patientId, days, signal) });
  const aggregates = useQuery({ queryKey: analyticsKeys.aggregates(patientId, period), queryFn: ({ signal }) => fetchAggregates(patientId, period, signal) });
  const episodes = useQuery({ queryKey: analyticsKeys.episodes(patientId, days), queryFn: ({ signal }) => fetchEpisodes(patientId, days, signal) });
  const insights = useQuery({ queryKey: analyticsKeys.insights(patientId, days), queryFn: ({ signal }) => fetchInsights(patientId, days, signal) });
  const option = useMemo(() => (agp.data ? agpOption(agp.data, unit, t) : null), [agp.data, unit, t]);
  const m = agp.data;
  const g = (x: number | null | undefined) => (x === null || x === undefined ? '—' : formatGlucose(x, unit, locale));
  const dateTime = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: m?.timezone });
  const episodeItems = [...(episodes.data?.items ?? [])].reverse();
  const pageItems = episodeItems.slice(episodePage * EPISODES_PER_PAGE, (episodePage + 1) * EPISODES_PER_PAGE);
  const pages = Math.ceil(episodeItems.length / EPISODES_PER_PAGE);

  return (
    <>
      <div className="ga-toolbar">
        <div className="segmented" role="tablist" aria-label={t('trends.range')}>
          {RANGES.map((d) => <button key={d} role="tab" aria-selected={days === d} className={days === d ? 'active' : ''} onClick={() => { setDays(d); setEpisodePage(0); }}>{t('trends.days', { n: d })}</button>)}
        </div>
        <Link className="btn btn-sm btn-secondary" to={self ? '/glucose/reports' : `/glucose/patients/${patientId}/reports`}><Icon name="download" size={15} />{t('trends.reports')}</Link>
      </div>
      <ProblemAlert error={agp.error} onRetry={() => void agp.refetch()} />
      {agp.isPending ? <Card><Skeleton lines={6} height={28} /></Card> : m && m.n === 0 ? (
        <EmptyState icon="clock" title={t('trends.noData', { n: days })}>{self ? t('trends.noDataSelf') : t('trends.noDataHint')}</EmptyState>
      ) : m ? (
        <>
          {!m.sufficient ? (
            <Notice tone="warning" title={t('trends.insufficient')}>
              {t('trends.insufficientHint', { active: fmt(m.activePct, locale), days })}
            </Notice>
          ) : null}
          {m.basis === 'manual' ? <Notice tone="info" title={t('trends.manualBasis')} /> : null}
          <div className="ga-grid">
            <Card title={t('trends.timeInRanges')}>{m.bands ? <TimeInRanges bands={m.bands} unit={unit} /> : null}</Card>
            <Card title={t('trends.agp')} description={t('trends.agpHint', { days: m.days })}>
              {option && m.profile.some((c) => c.p50 !== null) ? <div data-testid="agp-chart"><Chart option={option} height={300} label={t('trends.agp')} /></div>
                : <EmptyState icon="clock" title={t('trends.agpEmpty')}>{t('trends.agpEmptyHint')}</EmptyState>}
            </Card>
          </div>
          <Card title={t('trends.metrics')}>
            <div className="ga-tiles" data-testid="metric-tiles">
              <Tile label={t('trends.mean')} value={`${g(m.meanMgdl)} ${unit}`} />
              <Tile label={t('trends.gmi')} value={`${fmt(m.gmiPct, locale)} %`} />
              <Tile label={t('trends.cv')} value={`${fmt(m.cvPct, locale)} %`} hint={m.cvPct === null ? undefined : m.cvPct <= 36 ? t('trends.cvStable') : t('trends.cvUnstable')} tone={m.cvPct === null ? undefined : m.cvPct <= 36 ? 'good' : 'warn'} />
              <Tile label={t('trends.gri')} value={m.gri ? `${fmt(m.gri.value, locale)} · ${m.gri.zone}` : '—'} hint={t('trends.griHint')} tone={m.gri ? (m.gri.zone <= 'B' ? 'good' : m.gri.zone === 'C' ? 'warn' : 'bad') : undefined} />
              <Tile label={t('trends.lbgi')} value={fmt(m.lbgi, locale, 2)} hint={m.lbgi === null ? undefined : m.lbgi <= 1.1 ? t('trends.riskMinimal') : m.lbgi <= 2.5 ? t('trends.riskLow') : m.lbgi <= 5 ? t('trends.riskModerate') : t('trends.riskHigh')} />
              <Tile label={t('trends.hbgi')} value={fmt(m.hbgi, locale, 2)} hint={m.hbgi === null ? undefined : m.hbgi < 4.5 ? t('trends.riskLow') : m.hbgi <= 9 ? t('trends.riskModerate') : t('trends.riskHigh')} />
              <Tile label={t('trends.mage')} value={m.mage === null ? '—' : `${g(m.mage)} ${unit}`} />
              <Tile label={t('trends.modd')} value={m.modd === null ? '—' : `${g(m.modd)} ${unit}`} />
              <Tile label={t('trends.conga')} value={m.conga.value === null ? '—' : `${g(m.conga.value)} ${unit}`} />
              <Tile label={t('trends.active')} value={`${fmt(m.activePct, locale)} %`} tone={m.activePct !== null && m.activePct >= 70 ? 'good' : 'warn'} hint={t('trends.readings', { n: m.n })} />
              <Tile label={t('trends.below54')} value={`${fmt(m.bands?.below54Pct, locale)} %`} hint={t('trends.target1')} tone={m.bands && m.bands.below54Pct >= 1 ? 'bad' : 'good'} />
              <Tile label={t('trends.inRange')} value={`${fmt(m.bands?.inRangePct, locale)} %`} hint={t('trends.target70')} tone={m.bands && m.bands.inRangePct > 70 ? 'good' : 'warn'} />
            </div>
          </Card>
        </>
      ) : null}

      <Card title={t('trends.comparison')} className="ga-section" actions={
        <div className="segmented" role="tablist" aria-label={t('trends.period')}>
          {PERIODS.map((p) => <button key={p} role="tab" aria-selected={period === p} className={period === p ? 'active' : ''} onClick={() => setPeriod(p)}>{t(`trends.period.${p}`)}</button>)}
        </div>}>
        <ProblemAlert error={aggregates.error} onRetry={() => void aggregates.refetch()} />
        {aggregates.isPending ? <TableSkeleton rows={4} columns={6} /> : aggregates.data ? (
          <div className="table-wrap">
            <table className="table ga-table" data-testid="period-table">
              <thead><tr><th>{t('trends.periodCol')}</th><th className="num">{t('trends.inRange')}</th><th className="num">{t('trends.below70')}</th><th className="num">{t('trends.mean')}</th><th className="num">{t('trends.gmi')}</th><th className="num">{t('trends.cv')}</th><th className="num">{t('trends.gri')}</th><th className="num">{t('trends.active')}</th></tr></thead>
              <tbody>
                {[...aggregates.data.items].reverse().map((i) => (
                  <tr key={i.periodStart}>
                    <td className="nowrap">{i.periodStart === i.periodEnd ? i.periodStart : `${i.periodStart} → ${i.periodEnd}`}</td>
                    <td className="num">{i.n ? `${fmt(i.bands?.inRangePct, locale)} %` : '—'}</td>
                    <td className="num">{i.n ? `${fmt(i.bands?.below70Pct, locale)} %` : '—'}</td>
                    <td className="num">{g(i.meanMgdl)}</td><td className="num">{i.gmiPct === null ? '—' : `${fmt(i.gmiPct, locale)} %`}</td>
                    <td className="num">{i.cvPct === null ? '—' : `${fmt(i.cvPct, locale)} %`}</td><td className="num">{i.gri ? `${fmt(i.gri.value, locale)} ${i.gri.zone}` : '—'}</td>
                    <td className="num">{fmt(i.activePct, locale)} %</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {aggregates.data?.comparison ? (
          <p className="muted" data-testid="comparison">
            {t('trends.vsPrevious', { from: aggregates.data.comparison.from, to: aggregates.data.comparison.to })}{' '}
            <Delta label={t('trends.inRange')} value={aggregates.data.comparison.delta.bands?.inRangePct ?? null} suffix=" pp" better="up" locale={locale} />{' · '}
            <Delta label={t('trends.mean')} value={aggregates.data.comparison.delta.meanMgdl === null ? null : unit === 'mmol/L' ? aggregates.data.comparison.delta.meanMgdl / 18.0182 : aggregates.data.comparison.delta.meanMgdl} suffix={` ${unit}`} better="down" locale={locale} />{' · '}
            <Delta label={t('trends.gri')} value={aggregates.data.comparison.delta.gri} suffix="" better="down" locale={locale} />
          </p>
        ) : null}
      </Card>

      <Card title={t('trends.insights')} className="ga-section">
        <ProblemAlert error={insights.error} onRetry={() => void insights.refetch()} />
        {insights.isPending ? <Skeleton lines={2} /> : insights.data && insights.data.items.length === 0 ? <p className="muted">{t('trends.noInsights')}</p> : (
          <ul className="ga-insights" data-testid="insights">
            {insights.data?.items.map((i) => <InsightItem key={i.type} insight={i} unit={unit} locale={locale} dateTime={dateTime} />)}
          </ul>
        )}
      </Card>

      <Card title={t('trends.episodes')} className="ga-section">
        <ProblemAlert error={episodes.error} onRetry={() => void episodes.refetch()} />
        {episodes.isPending ? <TableSkeleton rows={3} columns={5} /> : episodeItems.length === 0 ? <p className="muted">{t('trends.noEpisodes')}</p> : (
          <>
            <div className="table-wrap">
              <table className="table ga-table" data-testid="episodes">
                <thead><tr><th>{t('trends.episodeKind')}</th><th>{t('trends.start')}</th><th className="num">{t('trends.duration')}</th><th className="num">{t('trends.extreme')}</th><th /></tr></thead>
                <tbody>{pageItems.map((e) => (
                  <tr key={`${e.kind}${e.level}${e.start}`}>
                    <td>{t(e.kind === 'hypo' ? 'trends.hypo' : 'trends.hyper', { level: e.level })}</td>
                    <td>{dateTime.format(new Date(e.start))}</td>
                    <td className="num">{t('trends.minutes', { n: Math.round(e.durationMin) })}</td>
                    <td className="num">{g(e.extremeValue)} {unit}</td>
                    <td>{e.nocturnal ? <Badge tone="info">{t('trends.nocturnal')}</Badge> : null}</td>
                  </tr>
                ))}</tbody>
              </table>
            </div>
            {pages > 1 ? (
              <div className="ga-pager">
                <Button size="sm" disabled={episodePage === 0} onClick={() => setEpisodePage(episodePage - 1)}>{t('trends.previous')}</Button>
                <span className="muted">{t('trends.page', { n: episodePage + 1, of: pages })}</span>
                <Button size="sm" disabled={episodePage + 1 >= pages} onClick={() => setEpisodePage(episodePage + 1)}>{t('trends.next')}</Button>
              </div>
            ) : null}
          </>
        )}
      </Card>
    </>
  );
}

function Delta({ label, value, suffix, better, locale }: { label: string; value: number | null; suffix: string; better: 'up' | 'down'; locale: string }) {
  if (value === null) return <span>{label}: —</span>;
  const cls = value === 0 ? '' : (value > 0) === (better === 'up') ? 'ga-delta-down' : 'ga-delta-up';
  return <span>{label}: <strong className={cls}>{value > 0 ? '+' : ''}{fmt(value, locale)}{suffix}</strong></span>;
}

type InsightData = NonNullable<Awaited<ReturnType<typeof fetchInsights>>>['items'][number];

function InsightItem({ insight, unit, locale, dateTime }: { insight: InsightData; unit: GlucoseUnit; locale: string; dateTime: Intl.DateTimeFormat }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const ev = insight.evidence as Record<string, unknown>;
  const g = (x: unknown) => (typeof x === 'number' ? formatGlucose(x, unit, locale) : '—');
  const key = insight.type as 'dawn_phenomenon' | 'nocturnal_hypoglycemia' | 'postprandial_peaks';
  return (
    <li className="ga-insight">
      <h3>{t(`trends.insight.${key}`)}</h3>
      <p>{t(`trends.insight.${key}.text`)}</p>
      <p><strong>{t(`trends.insight.${key}.advice`)}</strong></p>
      <Button size="sm" variant="ghost" onClick={() => setOpen(!open)} aria-expanded={open}>{open ? t('trends.hideEvidence') : t('trends.showEvidence')}</Button>
      {open ? (
        <div className="ga-evidence">
          {key === 'dawn_phenomenon' ? (
            <table className="table"><thead><tr><th>{t('trends.date')}</th><th className="num">{t('trends.nadir')}</th><th className="num">{t('trends.morningMean')}</th><th className="num">{t('trends.rise')}</th></tr></thead>
              <tbody>{(ev.nights as { date: string; nadir: number; morningMean: number; rise: number }[]).map((n) => <tr key={n.date}><td>{n.date}</td><td className="num">{g(n.nadir)}</td><td className="num">{g(n.morningMean)}</td><td className="num">+{g(n.rise)}</td></tr>)}</tbody></table>
          ) : key === 'nocturnal_hypoglycemia' ? (
            <table className="table"><thead><tr><th>{t('trends.start')}</th><th className="num">{t('trends.duration')}</th><th className="num">{t('trends.nadir')}</th></tr></thead>
              <tbody>{(ev.episodes as { start: string; durationMin: number; nadir: number; level: number }[]).map((e) => <tr key={`${e.start}${e.level}`}><td>{dateTime.format(new Date(e.start))} · L{e.level}</td><td className="num">{t('trends.minutes', { n: Math.round(e.durationMin) })}</td><td className="num">{g(e.nadir)}</td></tr>)}</tbody></table>
          ) : (
            (ev.mealTypes as { mealType: string; flagged: number; evaluable: number; meals: { mealId: string; takenAt: string; carbsG: number; peak: number; rise: number }[] }[]).map((group) => (
              <div key={group.mealType}>
                <strong>{group.mealType}</strong> <span className="muted">{t('trends.flaggedOf', { n: group.flagged, of: group.evaluable })}</span>
                <table className="table"><thead><tr><th>{t('trends.start')}</th><th className="num">{t('trends.carbs')}</th><th className="num">{t('trends.peak')}</th><th className="num">{t('trends.rise')}</th></tr></thead>
                  <tbody>{group.meals.map((meal) => <tr key={meal.mealId}><td>{dateTime.format(new Date(meal.takenAt))}</td><td className="num">{meal.carbsG} g</td><td className="num">{g(meal.peak)}</td><td className="num">+{g(meal.rise)}</td></tr>)}</tbody></table>
              </div>
            ))
          )}
        </div>
      ) : null}
    </li>
  );
}

export default function Trends() {
  const t = useT();
  const { me } = useAuth();
  const patientId = useResolvedPatientId(useParams().patientId);
  if (!patientId) return null;
  const self = patientId === me?.id;
  return (
    <>
      {!self ? <Link className="back-link" to={`/glucose/patients/${patientId}/clinical`}><Icon name="chevronLeft" size={16} />{t('clinic.patient')}</Link> : null}
      <PageHeader title={t('trends.title')} description={t('trends.lead')} />
      <TrendsPanel patientId={patientId} self={self} />
    </>
  );
}
