export type OutboundFailure = 'http_status' | 'timeout' | 'network' | 'circuit_open';

const BODY_LIMIT = 2048;

/**
 * A failed outbound call. Carries what the target answered (status, body truncated to 2 KiB) so that
 * callers can keep the provider's own code and message. The URL is not kept: some carry secrets
 * (Discord webhook tokens), so only the host is.
 */
export class OutboundHttpError extends Error {
  readonly target: string;
  readonly host: string;
  readonly method: string;
  readonly failure: OutboundFailure;
  readonly status?: number;
  readonly body?: string;
  readonly headers?: Headers;
  readonly attempts: number;
  /** From the target's Retry-After, when it asked to wait longer than this client is willing to. */
  readonly retryAfterMs?: number;

  constructor(init: {
    target: string; host: string; method: string; failure: OutboundFailure; attempts: number;
    status?: number; body?: string; headers?: Headers; retryAfterMs?: number; cause?: unknown;
  }) {
    const what = init.failure === 'http_status' ? `answered ${init.status}`
      : init.failure === 'timeout' ? 'timed out'
        : init.failure === 'circuit_open' ? 'skipped: circuit open after repeated failures'
          : `network error (${causeMessage(init.cause)})`;
    super(`${init.target} ${init.method} ${init.host} ${what}`, { cause: init.cause });
    this.name = 'OutboundHttpError';
    this.target = init.target;
    this.host = init.host;
    this.method = init.method;
    this.failure = init.failure;
    this.status = init.status;
    this.body = init.body === undefined ? undefined : truncate(init.body);
    this.headers = init.headers;
    this.attempts = init.attempts;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** The body parsed as JSON, or undefined when it is not JSON. */
  json<T = unknown>(): T | undefined {
    if (!this.body) return undefined;
    try {
      return JSON.parse(this.body) as T;
    } catch {
      return undefined;
    }
  }

  /** Worth trying again later (by a job retry): the target was unreachable, overloaded or rate limiting. */
  get transient(): boolean {
    if (this.failure !== 'http_status') return true;
    return this.status === 408 || this.status === 429 || (this.status ?? 0) >= 500;
  }
}

const truncate = (body: string) => (body.length > BODY_LIMIT ? `${body.slice(0, BODY_LIMIT)}…` : body);

function causeMessage(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as Error & { cause?: unknown }).cause;
  const code = inner && typeof inner === 'object' && 'code' in inner ? String((inner as { code: unknown }).code) : undefined;
  return code ?? cause.message;
}
