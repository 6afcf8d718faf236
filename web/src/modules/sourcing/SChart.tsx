import { useEffect, useRef } from 'react';
import type { EChartsCoreOption, EChartsType } from 'echarts/core';

type Handlers = Record<string, (params: any, chart: EChartsType) => void>;

/**
 * Like the platform's Chart, with the sourcing charts (geo map, radar, lines) registered and event handlers
 * (marker clicks, map moves). The option is replaced on change; `merge` keeps the user's zoom and pan.
 */
export function SChart({ option, height = 320, label, on, merge = false, testId }: {
  option: EChartsCoreOption; height?: number; label: string; on?: Handlers; merge?: boolean; testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const latest = useRef(option);
  latest.current = option;
  const handlers = useRef(on);
  handlers.current = on;

  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | undefined;
    void import('./charts').then(({ init }) => {
      if (disposed || !box.current) return;
      const c = init(box.current, undefined, { renderer: 'canvas' });
      chart.current = c;
      c.setOption(latest.current);
      for (const name of Object.keys(handlers.current ?? {})) c.on(name, (p: unknown) => handlers.current?.[name]?.(p, c));
      // A geo chart laid out in a zero-size box (the page is leaving, or the box is hidden) throws inside ECharts:
      // resize only a live chart in a visible box.
      const el = box.current;
      observer = new ResizeObserver(() => { if (!c.isDisposed() && el.isConnected && el.clientWidth > 0 && el.clientHeight > 0) c.resize(); });
      observer.observe(el);
      box.current.dataset.ready = 'true';
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
