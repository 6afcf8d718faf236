import { setTimeout as delay } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { CircuitBreaker, type BreakerOptions } from './breaker.js';
import { HttpClient, type ClientOptions } from './http-client.js';
import { createClientMetrics } from './metrics.js';

export { HttpClient, type CallOptions, type ClientOptions, type HttpResponse } from './http-client.js';
export { OutboundHttpError, type OutboundFailure } from './errors.js';
export type { BreakerState } from './breaker.js';

export interface ClientFactoryOptions {
  /** The app's metrics registry (a private one when absent). */
  registry?: Registry;
  /** Defaults for every client this factory makes; each client may override them. */
  defaults?: Partial<Omit<ClientOptions, 'target' | 'baseUrl' | 'headers'>>;
  breaker?: Partial<BreakerOptions>;
  /** Injected by tests: clock for the breaker, sleep between retries, jitter source. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * `platform.clients`: the one place outbound HTTP calls are made. Clients made by one factory share a
 * circuit breaker per host, so every caller of a failing provider backs off together.
 */
export class ClientFactory {
  private readonly breakers = new Map<string, { breaker: CircuitBreaker; targets: Set<string> }>();
  private readonly runtime;
  private readonly breakerOptions: BreakerOptions;

  constructor(private readonly options: ClientFactoryOptions = {}) {
    this.breakerOptions = { failureThreshold: 5, cooldownMs: 30_000, halfOpenMaxCalls: 1, ...options.breaker };
    const metrics = createClientMetrics(options.registry ?? new Registry(), () => this.breakers.values());
    this.runtime = {
      metrics,
      breakerFor: (host: string, target: string, overrides?: Partial<BreakerOptions>) => {
        let entry = this.breakers.get(host);
        if (!entry) {
          entry = { breaker: new CircuitBreaker(host, { ...this.breakerOptions, ...overrides }, options.now), targets: new Set() };
          this.breakers.set(host, entry);
        }
        entry.targets.add(target);
        return entry.breaker;
      },
      sleep: options.sleep ?? ((ms: number) => delay(ms)),
      random: options.random ?? Math.random,
    };
  }

  client(options: ClientOptions): HttpClient {
    return new HttpClient({ ...this.options.defaults, ...options }, this.runtime);
  }

  /** The breaker state of a host (`api.twilio.com`, `127.0.0.1:4010`); closed when never called. */
  breakerState(host: string) {
    return this.breakers.get(host)?.breaker.state ?? 'closed';
  }
}
