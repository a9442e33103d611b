/**
 * Per-app request allowance over fixed windows, as JPush reports it in the
 * X-Rate-Limit-Limit / -Remaining / -Reset headers. Counts live in this process; in a
 * cluster each node enforces its own share.
 */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends. */
  resetSeconds: number;
}

interface Window {
  start: number;
  count: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private lastSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one request of `key` against `limit` per `windowSeconds`; limit 0 = unlimited. */
  hit(key: string, limit: number, windowSeconds: number): RateDecision {
    const now = this.now();
    const windowMs = windowSeconds * 1000;
    this.sweep(now, windowMs);
    if (limit === 0) return { allowed: true, limit: 0, remaining: 0, resetSeconds: 0 };
    let w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) {
      w = { start: now - (now % windowMs), count: 0 };
      this.windows.set(key, w);
    }
    const resetSeconds = Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
    if (w.count >= limit) return { allowed: false, limit, remaining: 0, resetSeconds };
    w.count++;
    return { allowed: true, limit, remaining: limit - w.count, resetSeconds };
  }

  /** Drops windows that ended long ago so idle apps do not accumulate. */
  private sweep(now: number, windowMs: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, w] of this.windows) if (now - w.start >= Math.max(windowMs, 60_000) * 2) this.windows.delete(key);
  }
}
