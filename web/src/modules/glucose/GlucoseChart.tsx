import { useMemo } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import { Chart } from '../../platform/ui/Chart';
import { useI18n, useT } from '../../platform/i18n';
import type { History } from './api';
import type { Alert } from './alerts-api';
import { coneSigma, type Prediction } from './sensors-api';
import { toUnit, type GlucoseUnit, type Targets } from './units';

type Reading = { id: string; measuredAt: string; value: number; source: string; flags: string[] };
const FLAGGED = ['suspect', 'outlier_confirmed', 'below_sensor_range', 'above_sensor_range'];
/** A gap longer than this breaks the CGM line instead of drawing across missing data. */
const GAP_MS = 15 * 60_000;

/**
 * The live chart: CGM line, finger-sticks as dots, the target band, flagged readings and markers (alerts, notes),
 * times on the patient's clock.
 */
export function GlucoseChart({ history, alerts = [], unit, targets, fromMs, toMs, timeZone, forecast }: {
  history: History | undefined; alerts?: Alert[]; unit: GlucoseUnit; targets: Targets; fromMs: number; toMs: number; timeZone: string;
  /** The current forecast: drawn as its primary trajectory with a cone of ±1 SD growing to 60 min. */
  forecast?: Prediction | null;
}) {
  const t = useT();
  const { locale } = useI18n();
  const option = useMemo<EChartsCoreOption>(() => {
    const readings = (history?.items ?? []).filter((i): i is Reading & typeof i => 'measuredAt' in i) as Reading[];
    const cgm: [number, number | null][] = [];
    let last = 0;
    for (const r of readings.filter((x) => x.source === 'cgm')) {
      const at = new Date(r.measuredAt).getTime();
      if (last && at - last > GAP_MS) cgm.push([last + 1, null]);
      cgm.push([at, toUnit(r.value, unit)]);
      last = at;
    }
    const dots = readings.filter((r) => r.source !== 'cgm').map((r) => [new Date(r.measuredAt).getTime(), toUnit(r.value, unit)]);
    const flagged = readings.filter((r) => r.flags.some((f) => FLAGGED.includes(f))).map((r) => ({ value: [new Date(r.measuredAt).getTime(), toUnit(r.value, unit)], flags: r.flags.join(', ') }));
    const markers = history?.markers ?? [];
    const top = toUnit(Math.max(targets.urgentHigh + 50, ...readings.map((r) => r.value + 20)), unit);
    const alertMarks = [
      ...markers.filter((m) => m.kind === 'alert').map((m) => ({ value: [new Date(m.at).getTime(), m.value !== undefined ? toUnit(m.value, unit) : top * 0.95], id: m.id, label: m.label })),
      // Beside the reading that raised it (below a low, above a high), so the reading's own dot stays visible.
      ...alerts.filter((a) => !markers.some((m) => m.id === a.id)).map((a) => {
        const up = a.family === 'high' || a.type === 'rapid_rise';
        const at = a.triggerValue !== null ? toUnit(a.triggerValue, unit) : top * 0.95;
        return {
          value: [new Date(a.triggeredAt).getTime(), Math.max(0, at + (up ? 1 : -1) * top * 0.06)], id: a.id, actual: a.triggerValue !== null ? at : undefined,
          label: t(`glucose.alertType.${a.type}`), symbol: up ? 'triangle' : 'path://M0,0 L10,0 L5,10 Z',
        };
      }),
    ];
    const otherMarks = markers.filter((m) => m.kind !== 'alert').map((m) => ({ value: [new Date(m.at).getTime(), toUnit(m.value ?? targets.low, unit)], id: m.id, kind: m.kind, label: m.label }));
    const time = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { hour: '2-digit', minute: '2-digit', timeZone });
    const full = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone });
    const fmt = (v: number) => (unit === 'mmol/L' ? v.toFixed(1) : String(v));
    const baseMs = forecast?.baseTime ? new Date(forecast.baseTime).getTime() : null;
    const path = baseMs !== null && forecast?.baseValue != null && forecast.trajectory.length
      ? [{ minutesAhead: 0, value: forecast.baseValue }, ...forecast.trajectory] : [];
    const at = (m: number) => baseMs! + m * 60_000;
    const coneLow = path.map((p) => [at(p.minutesAhead), toUnit(Math.max(0, p.value - coneSigma(p.minutesAhead)), unit)]);
    const coneBand = path.map((p) => [at(p.minutesAhead), toUnit(p.value + coneSigma(p.minutesAhead), unit) - toUnit(Math.max(0, p.value - coneSigma(p.minutesAhead)), unit)]);
    const coneLine = path.map((p) => [at(p.minutesAhead), toUnit(p.value, unit)]);
    const endMs = path.length ? Math.max(toMs, at(60) + 5 * 60_000) : toMs;
    return {
      animation: false,
      grid: { left: 44, right: 14, top: 16, bottom: 30 },
      tooltip: {
        trigger: 'item',
        formatter: (p: { seriesName: string; value: [number, number]; data: { label?: string; flags?: string; actual?: number } }) =>
          `${full.format(new Date(p.value[0]))}<br/><b>${fmt(p.data?.actual ?? p.value[1])} ${unit}</b> · ${p.seriesName}${p.data?.label ? `<br/>${escapeHtml(p.data.label)}` : ''}${p.data?.flags ? `<br/>${escapeHtml(p.data.flags)}` : ''}`,
      },
      xAxis: { type: 'time', min: fromMs, max: endMs, axisLabel: { formatter: (v: number) => time.format(new Date(v)), hideOverlap: true } },
      yAxis: { type: 'value', min: 0, max: unit === 'mmol/L' ? Math.ceil(top / 3) * 3 : Math.ceil(top / 50) * 50, splitLine: { lineStyle: { color: '#eef0f3' } } },
      series: [
        {
          name: t('glucose.chart.cgm'), type: 'line', data: cgm, showSymbol: false, connectNulls: false, lineStyle: { width: 2, color: '#0f5c56' }, itemStyle: { color: '#0f5c56' },
          markArea: { silent: true, itemStyle: { color: 'rgba(18, 113, 91, 0.10)' }, data: [[{ yAxis: toUnit(targets.low, unit) }, { yAxis: toUnit(targets.high, unit) }]] },
          markLine: {
            silent: true, symbol: 'none', label: { show: false },
            data: [
              { yAxis: toUnit(targets.urgentLow, unit), lineStyle: { color: '#b42318', type: 'dashed', width: 1 } },
              { yAxis: toUnit(targets.low, unit), lineStyle: { color: '#12715b', width: 1 } },
              { yAxis: toUnit(targets.high, unit), lineStyle: { color: '#12715b', width: 1 } },
            ],
          },
        },
        { name: t('glucose.chart.manual'), type: 'scatter', data: dots, symbolSize: 10, itemStyle: { color: '#6b3fa0', borderColor: '#fff', borderWidth: 1.5 }, z: 4 },
        { name: t('glucose.chart.flagged'), type: 'scatter', data: flagged, symbol: 'diamond', symbolSize: 11, itemStyle: { color: '#d48a00' }, z: 5 },
        { name: t('glucose.chart.alerts'), type: 'scatter', data: alertMarks, symbol: 'triangle', symbolSize: 14, itemStyle: { color: '#b42318' }, z: 6 },
        { name: t('glucose.chart.notes'), type: 'scatter', data: otherMarks, symbol: 'pin', symbolSize: 18, itemStyle: { color: '#1d5fa8' }, z: 6 },
        ...(path.length ? [
          { name: 'cone-low', type: 'line', data: coneLow, stack: 'cone', showSymbol: false, silent: true, lineStyle: { opacity: 0 }, tooltip: { show: false } },
          { name: t('glucose.forecast.cone'), type: 'line', data: coneBand, stack: 'cone', showSymbol: false, silent: true, lineStyle: { opacity: 0 }, areaStyle: { color: 'rgba(29, 95, 168, 0.16)' }, tooltip: { show: false } },
          { name: t('glucose.forecast.cone'), type: 'line', data: coneLine, showSymbol: false, lineStyle: { width: 2, type: 'dashed', color: '#1d5fa8' }, itemStyle: { color: '#1d5fa8' }, z: 3 },
        ] : []),
      ],
    };
  }, [history, alerts, unit, targets, fromMs, toMs, timeZone, locale, t, forecast]);
  return <Chart option={option} height={320} label={t('glucose.chart.label')} />;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
