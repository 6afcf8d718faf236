export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before letting a probe through. */
  cooldownMs: number;
  /** Probes allowed at once while half-open. */
  halfOpenMaxCalls: number;
}

/**
 * A circuit breaker for one host: after `failureThreshold` consecutive failures it opens and refuses
 * calls for `cooldownMs`, so a dead provider costs nothing but a fast error; then it lets
 * `halfOpenMaxCalls` probes through; a probe's success closes it, a failure opens it again.
 */
export class CircuitBreaker {
  private currentState: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probes = 0;

  constructor(readonly host: string, private readonly options: BreakerOptions, private readonly now: () => number = Date.now) {}

  get state(): BreakerState {
    if (this.currentState === 'open' && this.now() - this.openedAt >= this.options.cooldownMs) {
      this.currentState = 'half_open';
      this.probes = 0;
    }
    return this.currentState;
  }

  /** Asks to make a call; false means refuse it now. A granted call must end with success() or failure(). */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open') return false;
    if (this.probes >= this.options.halfOpenMaxCalls) return false;
    this.probes += 1;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.probes = 0;
    this.currentState = 'closed';
  }

  failure(): void {
    if (this.currentState === 'half_open') {
      this.open();
      return;
    }
    this.failures += 1;
    if (this.failures >= this.options.failureThreshold) this.open();
  }

  /** A granted call that ended without telling anything about the host's health (e.g. the caller aborted). */
  release(): void {
    if (this.currentState === 'half_open' && this.probes > 0) this.probes -= 1;
  }

  private open(): void {
    this.currentState = 'open';
    this.openedAt = this.now();
    this.probes = 0;
  }
}
