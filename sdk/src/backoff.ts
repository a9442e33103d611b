export interface BackoffOptions {
  /** Upper bound of the first delay. */
  minDelayMs: number;
  /** No delay is longer than this. */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minDelayMs: 1_000, maxDelayMs: 30_000 };

/**
 * Delay before reconnection attempt `attempt` (0 for the first): exponential backoff with full
 * jitter, uniform in [0, min(max, min * 2^attempt)). The jitter spreads the reconnections of
 * many devices dropped at once (a node restarting) instead of bringing them back together.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * ceiling);
}
