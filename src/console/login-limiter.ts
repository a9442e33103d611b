/**
 * Failed sign-ins counted per source address and per operator name over a sliding window;
 * past the allowance both wait until the oldest failure leaves the window. In memory: each
 * node counts its own, which still bounds guessing to attempts x nodes per window.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly attempts: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before `keys` may try again; 0 when they may now. */
  retryAfter(keys: readonly string[]): number {
    let wait = 0;
    for (const key of keys) {
      const recent = this.recent(key);
      if (recent.length >= this.attempts) wait = Math.max(wait, recent[0]! + this.windowMs - this.now());
    }
    return Math.ceil(wait / 1000);
  }

  failed(keys: readonly string[]): void {
    for (const key of keys) {
      const recent = this.recent(key);
      recent.push(this.now());
      this.failures.set(key, recent);
    }
    // a flood of distinct names must not grow the map without bound
    if (this.failures.size > 100_000) this.prune();
  }

  succeeded(keys: readonly string[]): void {
    for (const key of keys) this.failures.delete(key);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > since);
  }

  private prune(): void {
    for (const key of [...this.failures.keys()]) {
      const recent = this.recent(key);
      if (recent.length === 0) this.failures.delete(key);
      else this.failures.set(key, recent);
    }
  }
}
