import { Counter, type Registry } from 'prom-client';
import type { ModuleContext } from '../../../platform/types.js';

interface OpsMetrics {
  notifications: Counter<'kind' | 'status'>;
  alerts: Counter<'kind' | 'severity'>;
}

const byRegistry = new WeakMap<Registry, OpsMetrics>();

/** §6.6 `atrium_quote_notifications_total{kind,status}` and `atrium_ops_alerts_total{kind,severity}`, one set per app registry. */
export function opsMetrics(ctx: Pick<ModuleContext, 'metrics'>): OpsMetrics {
  let m = byRegistry.get(ctx.metrics);
  if (!m) {
    const registers = [ctx.metrics];
    m = {
      notifications: new Counter({ name: 'atrium_quote_notifications_total', help: 'Quote notifications by kind and status (queued/skipped when detected, delivered/failed when settled)', labelNames: ['kind', 'status'], registers }),
      alerts: new Counter({ name: 'atrium_ops_alerts_total', help: 'Ops alerts raised, by kind and severity', labelNames: ['kind', 'severity'], registers }),
    };
    byRegistry.set(ctx.metrics, m);
  }
  return m;
}
