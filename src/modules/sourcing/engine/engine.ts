import { performance } from 'node:perf_hooks';
import { SignJWT } from 'jose';
import { Value } from 'typebox/value';
import { Type } from 'typebox';
import type { ClientFactory, HttpClient } from '../../../platform/clients/index.js';
import { OutboundHttpError } from '../../../platform/clients/index.js';
import { HttpError } from '../../../platform/http/errors.js';
import { ENGINE_VERSION } from '../scoring/params.js';
import { handleScoring, type ServiceContext } from '../scoring/service.js';
import type { ServicePath } from '../scoring/contract.js';

export const SERVICE_AUDIENCE = 'atrium:sourcing-scoring';
export const SERVICE_ISSUER = 'atrium';

export interface EngineOptions {
  /** SOURCING_SCORING_URL: unset = in process. */
  url?: string;
  /** Shared with the service: signs the service JWT. */
  secret: string;
  timeoutMs?: number;
  /** Scoring in process while the circuit is open (default off: callers get 503). */
  fallbackInProcess?: boolean;
  cooldownMs?: number;
  /** Told when the circuit of the remote service changes state (published on sourcing.ops). */
  onCircuitChange?: (state: string) => void;
}

const Versioned = Type.Object({ engineVersion: Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+' }) }, { additionalProperties: true });

const unavailable = (retryAfterSeconds: number, detail: string) =>
  new HttpError(503, 'scoring_unavailable', detail, undefined, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });

/**
 * Runs the scoring paths in process, or on the scoring service through the platform's resilient client (timeouts,
 * retries with full-jitter backoff, circuit breaker) when a URL is configured. Never invents a score: every failure is an error.
 */
export class ScoringEngine {
  private readonly client?: HttpClient;
  private readonly host?: string;
  private openedAt = 0;
  private readonly key: Uint8Array;

  constructor(private readonly options: EngineOptions, private readonly clients: ClientFactory) {
    this.key = new TextEncoder().encode(options.secret);
    if (options.url) {
      this.host = new URL(options.url).host;
      this.client = clients.client({
        target: 'sourcing.scoring', baseUrl: options.url.replace(/\/$/, ''), timeoutMs: options.timeoutMs ?? 2000,
        retries: 2, backoffBaseMs: 100, backoffMaxMs: 1000, maxRetryAfterMs: 3000,
        // Spec §5.8: over the last 20 calls, open after 5 consecutive failures or ≥ 50 % failures with at least 10 calls.
        breaker: { failureThreshold: 5, windowSize: 20, failureRateThreshold: 0.5, minimumCalls: 10 },
      });
    }
  }

  get remote() { return this.client !== undefined; }

  /** The last health probe (sourcing.scoring-probe), for GET /scoring/status. */
  lastProbe: { at: string; ok: boolean; status: number | null; ms: number; detail: string | null } | null = null;

  /**
   * GET /health of the remote service, one attempt (spec §6 sourcing.scoring-probe). It goes through the same client,
   * so a failed probe counts against the circuit like any call. In process there is nothing to probe.
   */
  async probe() {
    if (!this.client) return null;
    const t0 = performance.now();
    let result: NonNullable<ScoringEngine['lastProbe']>;
    try {
      const res = await this.client.request({ method: 'GET', path: '/health', retries: 0 });
      result = { at: new Date().toISOString(), ok: true, status: res.status, ms: Math.round(performance.now() - t0), detail: null };
    } catch (err) {
      if (!(err instanceof OutboundHttpError)) throw err;
      result = { at: new Date().toISOString(), ok: false, status: err.status ?? null, ms: Math.round(performance.now() - t0), detail: err.failure };
    }
    this.noteState();
    this.lastProbe = result;
    return result;
  }
  get circuitState() { return this.host ? this.clients.breakerState(this.host) : 'closed'; }

  private lastState: string = 'closed';
  /** Remembers when the circuit opened, for Retry-After (seconds until the probe). */
  private noteState() {
    const s = this.circuitState;
    if (s === 'open' && this.lastState !== 'open') this.openedAt = Date.now();
    if (s !== this.lastState) this.options.onCircuitChange?.(s);
    this.lastState = s;
  }

  private async token() {
    return new SignJWT({ scope: 'sourcing.scoring' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(SERVICE_ISSUER)
      .setAudience(SERVICE_AUDIENCE).setIssuedAt().setExpirationTime('60s').sign(this.key);
  }

  async call<T = any>(path: ServicePath, body: unknown, ctx: ServiceContext = {}): Promise<T> {
    if (!this.client) return handleScoring(path, body, ctx) as T;
    const cooldown = this.options.cooldownMs ?? 30_000;
    this.noteState();
    if (this.lastState === 'open') {
      if (this.options.fallbackInProcess) return handleScoring(path, body, ctx) as T;
      throw unavailable((cooldown - (Date.now() - this.openedAt)) / 1000, 'The scoring service is unavailable (circuit open); retry later.');
    }
    let res;
    try {
      res = await this.client.request({ method: 'POST', path, json: body, retryable: true, headers: { authorization: `Bearer ${await this.token()}` } });
    } catch (err) {
      if (!(err instanceof OutboundHttpError)) throw err;
      this.noteState();
      if (err.failure === 'http_status' && err.status !== undefined && err.status < 500 && err.status !== 429) {
        throw new HttpError(502, 'scoring_contract_error', `The scoring service refused the request (${err.status}).`);
      }
      if (err.failure === 'circuit_open' && this.options.fallbackInProcess) return handleScoring(path, body, ctx) as T;
      throw unavailable(err.failure === 'circuit_open' ? (cooldown - (Date.now() - this.openedAt)) / 1000 : (err.retryAfterMs ?? 5000) / 1000,
        `The scoring service is unavailable (${err.failure}${err.status ? ` ${err.status}` : ''} after ${err.attempts} attempt(s)).`);
    }
    this.noteState();
    let parsed: unknown;
    try { parsed = res.json(); } catch { throw new HttpError(502, 'scoring_contract_error', 'The scoring service answered something that is not JSON.'); }
    if (!Value.Check(Versioned, parsed)) throw new HttpError(502, 'scoring_contract_error', 'The scoring service answered without an engine version.');
    const major = (v: string) => v.split('.')[0];
    if (major(parsed.engineVersion) !== major(ENGINE_VERSION)) {
      throw new HttpError(502, 'scoring_version_mismatch', `The scoring service runs engine ${parsed.engineVersion}; this module needs ${major(ENGINE_VERSION)}.x.`);
    }
    return parsed as T;
  }
}
