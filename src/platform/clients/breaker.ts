export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before letting a probe through. */
  cooldownMs: number;
  /** Probes allowed at once while half-open. */
  halfOpenMaxCalls: number;
  /**
   * Optional failure-rate rule besides the consecutive one: over the last `windowSize` calls, open when at least
   * `minimumCalls` were made and the share of failures reaches `failureRateThreshold` (0–1). Off unless windowSize is set.
   */
  windowSize?: number;
  failureRateThreshold?: number;
  minimumCalls?: number;
}

/**
 * A circuit breaker for one host: after `failureThreshold` consecutive failures (or, when configured, a failure rate
 * over a sliding window of calls) it opens and refuses
 * calls for `cooldownMs`, so a dead provider costs nothing but a fast error; then it lets
 * `halfOpenMaxCalls` probes through; a probe's success closes it, a failure opens it again.
 */
export class CircuitBreaker {
  private currentState: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probes = 0;
  /** Outcomes of the last `windowSize` calls while closed (true = failure), oldest first. */
  private window: boolean[] = [];

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
    // A successful probe closes the circuit on a clean slate; a success while closed counts in the window.
    if (this.currentState === 'closed') this.remember(false); else this.window = [];
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
    this.remember(true);
    if (this.failures >= this.options.failureThreshold || this.rateExceeded()) this.open();
  }

  /** Failures and calls in the current window (both 0 when the rate rule is off). */
  get windowCounts(): { calls: number; failures: number } {
    return { calls: this.window.length, failures: this.window.filter(Boolean).length };
  }

  private remember(failed: boolean): void {
    const size = this.options.windowSize;
    if (!size) return;
    this.window.push(failed);
    if (this.window.length > size) this.window.shift();
  }

  private rateExceeded(): boolean {
    const { windowSize, failureRateThreshold, minimumCalls = 1 } = this.options;
    if (!windowSize || failureRateThreshold === undefined) return false;
    const { calls, failures } = this.windowCounts;
    return calls >= minimumCalls && failures / calls >= failureRateThreshold;
  }

  /** A granted call that ended without telling anything about the host's health (e.g. the caller aborted). */
  release(): void {
    if (this.currentState === 'half_open' && this.probes > 0) this.probes -= 1;
  }

  private open(): void {
    this.window = [];
    this.currentState = 'open';
    this.openedAt = this.now();
    this.probes = 0;
  }
}
