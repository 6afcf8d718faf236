/**
 * The delay pg-boss waits before retry `n` (1 for the first retry) of a queue with `retryBackoff`:
 * `min(retryDelayMax, retryDelay × (2^n / 2 + 2^n / 2 × random))`, i.e. uniformly between
 * `retryDelay × 2^(n−1)` and `retryDelay × 2^n` seconds. Mirrors pg-boss's SQL (its exponent is the
 * failed attempt's retry count + 1, capped at 16; a retryDelay below 1 s counts as 1 s).
 */
export function retryBackoffSeconds(retry: number, retryDelay: number, retryDelayMax: number | null, random: () => number = Math.random): number {
  const exponent = Math.min(16, retry);
  const half = 2 ** exponent / 2;
  const delay = Math.max(retryDelay, 1) * (half + half * random());
  return retryDelayMax === null ? delay : Math.min(retryDelayMax, delay);
}

/** The earliest and latest delay before retry `n`. */
export const retryBackoffBounds = (retry: number, retryDelay: number, retryDelayMax: number | null) => ({
  min: retryBackoffSeconds(retry, retryDelay, retryDelayMax, () => 0),
  max: retryBackoffSeconds(retry, retryDelay, retryDelayMax, () => 1),
});
