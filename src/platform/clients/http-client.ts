import type { BreakerOptions, CircuitBreaker } from './breaker.js';
import { fullJitterDelay, parseRetryAfter } from './backoff.js';
import { OutboundHttpError } from './errors.js';
import type { ClientMetrics } from './metrics.js';

/** RFC 9110 §9.2.2: repeating these has the same effect as doing them once. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const RETRY_STATUSES = new Set([429, 502, 503, 504]);

export interface ClientOptions {
  /** Names the provider in metrics, logs and errors: `twilio`, `fcm`, `discord`, `webhook`, `llm.openai`… */
  target: string;
  baseUrl?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Extra attempts after the first, for idempotent or retryable calls. */
  retries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A Retry-After longer than this is not waited for: the call fails with `retryAfterMs` so a job can come back later. */
  maxRetryAfterMs?: number;
  /** Breaker settings for this client's host, over the factory's (used when the host's breaker is first created). */
  breaker?: Partial<BreakerOptions>;
}

export interface CallOptions {
  method?: string;
  /** Appended to baseUrl, or a full URL. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  json?: unknown;
  form?: URLSearchParams | Record<string, string>;
  body?: string;
  timeoutMs?: number;
  retries?: number;
  /** A POST or PATCH that is safe to repeat (the target deduplicates, or a repeat is harmless). */
  retryable?: boolean;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  json<T = unknown>(): T;
}

export interface ClientRuntime {
  breakerFor(host: string, target: string, overrides?: Partial<BreakerOptions>): CircuitBreaker;
  metrics: ClientMetrics;
  sleep(ms: number): Promise<void>;
  random(): number;
}

type Outcome = 'ok' | 'client_error' | 'server_error' | 'rate_limited' | 'timeout' | 'network' | 'circuit_open';

/** One provider's client: every outbound call goes through `request`. */
export class HttpClient {
  private readonly options: Required<Omit<ClientOptions, 'baseUrl' | 'headers' | 'breaker'>> & Pick<ClientOptions, 'baseUrl' | 'headers' | 'breaker'>;

  constructor(options: ClientOptions, private readonly runtime: ClientRuntime) {
    this.options = {
      timeoutMs: 10_000, retries: 2, backoffBaseMs: 250, backoffMaxMs: 5_000, maxRetryAfterMs: 10_000, ...options,
    };
  }

  get target(): string {
    return this.options.target;
  }

  /** Resolves with any 2xx response; rejects with OutboundHttpError for every other outcome. */
  async request(call: CallOptions): Promise<HttpResponse> {
    const method = (call.method ?? 'GET').toUpperCase();
    const url = this.url(call);
    const { body, contentType } = encodeBody(call);
    const headers = { ...this.options.headers, ...(contentType ? { 'content-type': contentType } : {}), ...call.headers };
    const mayRetry = IDEMPOTENT.has(method) || call.retryable === true;
    const maxAttempts = 1 + (mayRetry ? (call.retries ?? this.options.retries) : 0);
    const timeoutMs = call.timeoutMs ?? this.options.timeoutMs;
    const target = this.options.target;
    const breaker = this.runtime.breakerFor(url.host, target, this.options.breaker);

    for (let attempt = 1; ; attempt += 1) {
      const fail = (init: Omit<ConstructorParameters<typeof OutboundHttpError>[0], 'target' | 'host' | 'method' | 'attempts'>) =>
        new OutboundHttpError({ target, host: url.host, method, attempts: attempt, ...init });
      if (!breaker.tryAcquire()) {
        this.record('circuit_open', 0);
        throw fail({ failure: 'circuit_open' });
      }
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
      const started = performance.now();
      let error: OutboundHttpError;
      let waitMs: number | undefined;
      try {
        const res = await fetch(url, { method, headers, body, signal, redirect: 'manual' });
        const text = await res.text();
        const seconds = (performance.now() - started) / 1000;
        if (res.status >= 200 && res.status < 300) {
          breaker.success();
          this.record('ok', seconds);
          return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
        }
        const outcome: Outcome = res.status === 429 ? 'rate_limited' : res.status >= 500 ? 'server_error' : 'client_error';
        this.record(outcome, seconds);
        if (res.status >= 500) breaker.failure(); else breaker.success();
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        error = fail({ failure: 'http_status', status: res.status, body: text, headers: res.headers, retryAfterMs });
        if (!RETRY_STATUSES.has(res.status)) throw error;
        if (retryAfterMs !== undefined) {
          if (retryAfterMs > this.options.maxRetryAfterMs) throw error;
          waitMs = retryAfterMs;
        }
      } catch (err) {
        if (err instanceof OutboundHttpError) throw err;
        const seconds = (performance.now() - started) / 1000;
        if (call.signal?.aborted) {
          breaker.release();
          throw call.signal.reason ?? err;
        }
        const timedOut = timeout.aborted;
        this.record(timedOut ? 'timeout' : 'network', seconds);
        breaker.failure();
        error = fail({ failure: timedOut ? 'timeout' : 'network', cause: err });
      }
      if (attempt >= maxAttempts) throw error;
      await this.runtime.sleep(waitMs ?? fullJitterDelay(attempt, this.options.backoffBaseMs, this.options.backoffMaxMs, this.runtime.random));
    }
  }

  private url(call: CallOptions): URL {
    const url = /^https?:\/\//.test(call.path) ? new URL(call.path) : new URL(joinPath(this.options.baseUrl, call.path));
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.append(key, String(value));
    }
    return url;
  }

  private record(outcome: Outcome, seconds: number): void {
    const labels = { target: this.options.target, outcome };
    this.runtime.metrics.requests.inc(labels);
    if (outcome !== 'circuit_open') this.runtime.metrics.duration.observe(labels, seconds);
  }
}

function joinPath(baseUrl: string | undefined, path: string): string {
  if (!baseUrl) throw new Error(`no baseUrl for relative path ${path}`);
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function encodeBody(call: CallOptions): { body?: string; contentType?: string } {
  if (call.json !== undefined) return { body: JSON.stringify(call.json), contentType: 'application/json' };
  if (call.form !== undefined) {
    const form = call.form instanceof URLSearchParams ? call.form : new URLSearchParams(call.form);
    return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
  }
  return { body: call.body };
}
