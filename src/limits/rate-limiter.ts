/**
 * Per-app request allowance over fixed windows, as JPush reports it in the
 * X-Rate-Limit-Limit / -Remaining / -Reset headers. Counts live in this process; in a
 * cluster, `shared` adds what the other nodes counted in the same window, so the limit holds
 * for the cluster (give or take what the others took since their last report).
 */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends. */
  resetSeconds: number;
}

/** Counts of the other nodes of a cluster (the bus's shared counters). */
export interface SharedCounts {
  othersCount(key: string, windowStart: number): number;
  add(key: string, windowStart: number, amount?: number): void;
}

interface Window {
  start: number;
  count: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private lastSweep = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly shared?: SharedCounts,
  ) {}

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
    const others = this.shared?.othersCount(key, w.start) ?? 0;
    if (w.count + others >= limit) return { allowed: false, limit, remaining: 0, resetSeconds };
    w.count++;
    this.shared?.add(key, w.start);
    return { allowed: true, limit, remaining: limit - w.count - others, resetSeconds };
  }

  /** Drops windows that ended long ago so idle apps do not accumulate. */
  private sweep(now: number, windowMs: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, w] of this.windows) if (now - w.start >= Math.max(windowMs, 60_000) * 2) this.windows.delete(key);
  }
}
