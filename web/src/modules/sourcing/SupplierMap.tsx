import { useMemo, useRef } from 'react';
import { useT } from '../../platform/i18n';
import { Chart } from '../../platform/ui/Chart';
import { loadSourcingCharts } from './charts-loader';
import { BAND_COLOUR, MODE_COLOUR } from './api';

export interface MapFeature {
  type: 'Feature';
  geometry: { type: 'Point'; coordinates: [number, number] } | { type: 'LineString'; coordinates: [number, number][] };
  properties: { kind: 'site' | 'destination' | 'route'; supplierId?: string; siteId?: string; name?: string; band?: string | null; weightedScore?: number | null; mode?: string; modes?: string[] };
}

export type Bbox = [number, number, number, number];

/** The view that shows every point, with a margin; a lone point gets a small box around it. */
function fit(points: [number, number][]): { center: [number, number]; zoom: number } {
  if (!points.length) return { center: [-40, 35], zoom: 1.2 };
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  const [minLon, maxLon, minLat, maxLat] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  // At zoom 1 the whole world (360° of longitude) fills the width; zoom so the data spans about 75 % of it.
  const span = Math.max(maxLon - minLon, (maxLat - minLat) * 1.5, 12);
  return { center: [(minLon + maxLon) / 2, (minLat + maxLat) / 2], zoom: Math.max(1, Math.min(10, 360 / (span * 1.35))) };
}

/**
 * Supplier sites coloured by the band of their latest approved score, destinations as diamonds, routes coloured by the
 * first transport mode, over a bundled world outline (no tiles, no network). Drag or zoom to filter (onBbox);
 * click a site to select its supplier.
 */
export function SupplierMap({ features, selected, onSelect, onBbox, height = 420, showRoutes = true }: {
  features: MapFeature[]; selected?: string | null; onSelect?: (supplierId: string) => void; onBbox?: (bbox: Bbox) => void; height?: number; showRoutes?: boolean;
}) {
  const t = useT();
  // The view is fitted to the data once per data set; afterwards it follows the user's pan and zoom (kept on georoam),
  // so a new selection redraws the markers without moving the map.
  const view = useRef<{ key: string; center: [number, number]; zoom: number } | null>(null);
  const option = useMemo(() => {
    const sites = features.filter((f) => f.properties.kind === 'site');
    const dests = features.filter((f) => f.properties.kind === 'destination');
    const routes = showRoutes ? features.filter((f) => f.properties.kind === 'route') : [];
    const key = [...sites, ...dests].map((f) => f.geometry.coordinates.join(',')).join(';');
    if (view.current?.key !== key) view.current = { key, ...fit([...sites, ...dests].map((f) => f.geometry.coordinates as [number, number])) };
    const { center, zoom } = view.current;
    const bandName = (b: string | null | undefined) => (b ? t(`sourcing.band.${b}` as 'sourcing.band.high') : t('sourcing.noScore'));
    return {
      backgroundColor: '#f4f8fb',
      tooltip: { trigger: 'item', formatter: (p: { data: { name: string; score?: number | null; band?: string | null; kind: string; mode?: string } }) =>
        p.data.kind === 'site' ? `${p.data.name}<br/>${bandName(p.data.band)}${p.data.score != null ? ` · ${p.data.score}` : ''}`
          : p.data.kind === 'route' ? `${t('sourcing.route')}: ${p.data.mode ?? ''}` : `${p.data.name} (${t('sourcing.destination')})` },
      geo: {
        map: 'world', roam: true, center, zoom, scaleLimit: { min: 1, max: 40 },
        itemStyle: { areaColor: '#e9ecf1', borderColor: '#b9c1cc', borderWidth: 0.6 },
        emphasis: { disabled: true }, select: { disabled: true }, silent: true,
      },
      series: [
        {
          type: 'lines', coordinateSystem: 'geo', silent: false, zlevel: 1,
          data: routes.map((r) => ({ coords: r.geometry.coordinates, kind: 'route', mode: r.properties.mode, lineStyle: { color: MODE_COLOUR[r.properties.mode ?? 'road'] ?? '#888' } })),
          lineStyle: { width: 1.6, opacity: 0.7, curveness: 0.15, type: 'dashed' },
        },
        {
          type: 'scatter', coordinateSystem: 'geo', name: 'sites', zlevel: 2,
          data: sites.map((s) => {
            const on = selected != null && s.properties.supplierId === selected;
            return {
              name: s.properties.name, value: s.geometry.coordinates, kind: 'site', supplierId: s.properties.supplierId, band: s.properties.band, score: s.properties.weightedScore,
              symbolSize: on ? 20 : 12,
              itemStyle: { color: BAND_COLOUR[(s.properties.band ?? 'none') as 'none'], borderColor: on ? '#111827' : '#fff', borderWidth: on ? 3 : 1.5 },
            };
          }),
        },
        {
          type: 'scatter', coordinateSystem: 'geo', name: 'destinations', symbol: 'diamond', symbolSize: 16, zlevel: 2,
          data: dests.map((d) => ({ name: d.properties.name, value: d.geometry.coordinates, kind: 'destination' })),
          itemStyle: { color: '#1d4ed8', borderColor: '#fff', borderWidth: 1.5 },
        },
      ],
    };
  }, [features, selected, showRoutes, t]);

  return (
    <Chart load={loadSourcingCharts} option={option} height={height} label={t('sourcing.mapLabel')} testId="supplier-map" merge
      on={{
        click: (p: { data?: { kind?: string; supplierId?: string } }) => { if (p.data?.kind === 'site' && p.data.supplierId) onSelect?.(p.data.supplierId); },
        georoam: (_p, chart) => {
          const geo = (chart.getOption() as { geo?: { center?: [number, number]; zoom?: number }[] }).geo?.[0];
          if (view.current && geo?.center && geo.zoom) view.current = { ...view.current, center: geo.center, zoom: geo.zoom };
          if (!onBbox) return;
          const w = chart.getWidth();
          const h = chart.getHeight();
          const a = chart.convertFromPixel({ geoIndex: 0 }, [0, h]) as number[];
          const b = chart.convertFromPixel({ geoIndex: 0 }, [w, 0]) as number[];
          if (!a || !b) return;
          const clamp = (v: number, lo: number, hi: number) => Math.round(Math.min(hi, Math.max(lo, v)) * 1000) / 1000;
          onBbox([clamp(a[0]!, -180, 180), clamp(a[1]!, -90, 90), clamp(b[0]!, -180, 180), clamp(b[1]!, -90, 90)]);
        },
      }} />
  );
}

export function MapLegend() {
  const t = useT();
  return (
    <div className="src-legend small muted">
      {(['high', 'medium', 'low', 'none'] as const).map((b) => (
        <span key={b}><i className="src-dot" style={{ background: BAND_COLOUR[b] }} />{b === 'none' ? t('sourcing.noScore') : t(`sourcing.band.${b}`)}</span>
      ))}
      <span><i className="src-diamond" />{t('sourcing.destination')}</span>
      <span><i className="src-line" />{t('sourcing.route')}</span>
    </div>
  );
}
