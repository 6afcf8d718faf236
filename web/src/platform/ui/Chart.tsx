import { useEffect, useRef } from 'react';
import type { EChartsCoreOption, EChartsType } from 'echarts/core';

type ChartHandlers = Record<string, (params: any, chart: EChartsType) => void>;
/** Loads ECharts with the chart types a page needs registered; a module with other types (maps, radar) passes its own. */
export type ChartLoader = () => Promise<{ init: (typeof import('echarts/core'))['init'] }>;

const platformCharts: ChartLoader = () => import('./echarts');

/**
 * An Apache ECharts chart that fills its box and follows its size. ECharts loads with the first chart
 * on screen, so pages without charts do not pay for it. Modules use this for their charts too: `load` brings
 * their own chart types, `on` their event handlers (marker clicks, map moves), and `merge` keeps the user's
 * zoom and pan when the option changes (otherwise it is replaced).
 */
export function Chart({ option, height = 260, label, load = platformCharts, on, merge = false, testId }: {
  option: EChartsCoreOption; height?: number; label: string; load?: ChartLoader; on?: ChartHandlers; merge?: boolean; testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const latest = useRef(option);
  latest.current = option;
  const handlers = useRef(on);
  handlers.current = on;
  const loader = useRef(load);

  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | undefined;
    void loader.current().then(({ init }) => {
      if (disposed || !box.current) return;
      const c = init(box.current, undefined, { renderer: 'canvas' });
      chart.current = c;
      c.setOption(latest.current);
      for (const name of Object.keys(handlers.current ?? {})) c.on(name, (p: unknown) => handlers.current?.[name]?.(p, c));
      // A chart laid out in a zero-size box (the page is leaving, or the box is hidden) can throw inside ECharts
      // (geo maps do): resize only a live chart in a visible box.
      const el = box.current;
      observer = new ResizeObserver(() => { if (!c.isDisposed() && el.isConnected && el.clientWidth > 0 && el.clientHeight > 0) c.resize(); });
      observer.observe(el);
      el.dataset.ready = 'true';
    });
    return () => {
      disposed = true;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c || c.isDisposed() || !box.current?.isConnected) return;
    c.setOption(option, merge ? { lazyUpdate: true } : { notMerge: true });
  }, [option, merge]);

  return <div ref={box} className="chart" style={{ height }} role="img" aria-label={label} data-testid={testId} />;
}
