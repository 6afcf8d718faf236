import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BreakerState, CircuitBreaker } from './breaker.js';

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** Outbound call metrics per target: attempts by outcome, attempt duration, breaker state per host. */
export function createClientMetrics(registry: Registry, breakers: () => Iterable<{ breaker: CircuitBreaker; targets: Set<string> }>) {
  const requests = new Counter({
    name: 'atrium_outbound_requests_total',
    help: 'Outbound HTTP attempts by target and outcome (ok, client_error, server_error, rate_limited, timeout, network, circuit_open)',
    labelNames: ['target', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'atrium_outbound_request_duration_seconds',
    help: 'Outbound HTTP attempt duration by target and outcome',
    labelNames: ['target', 'outcome'] as const,
    registers: [registry],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  new Gauge({
    name: 'atrium_outbound_circuit_state',
    help: 'Circuit breaker state per target and host: 0 closed, 1 half-open, 2 open',
    labelNames: ['target', 'host'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { breaker, targets } of breakers()) {
        for (const target of targets) this.set({ target, host: breaker.host }, STATE_VALUE[breaker.state]);
      }
    },
  });
  return { requests, duration };
}
export type ClientMetrics = ReturnType<typeof createClientMetrics>;
