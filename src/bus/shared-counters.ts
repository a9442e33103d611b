import type { Bus, BusEnvelope } from './types.js';

/**
 * Counters over fixed windows, summed across the cluster: each node counts its own hits and
 * reports the increments every `reportMs`; the total of a key is this node's count plus the
 * last reports of the others. Eventually consistent: a cluster can overshoot a limit by what
 * the other nodes took within one report interval (documented in docs/deployment.md). Exact
 * counts would cost a round trip to a shared server on every API request.
 */
export class SharedCounters {
  /** key → window start → count, from other nodes. */
  private readonly others = new Map<string, Map<number, number>>();
  /** Increments not yet reported: key → window start → amount. */
  private pending = new Map<string, Map<number, number>>();
  private timer: NodeJS.Timeout | undefined;
  private lastPrune = 0;

  constructor(
    private readonly bus: Bus,
    private readonly reportMs = 100,
  ) {
    bus.subscribe((e) => this.receive(e));
  }

  start(): void {
    this.timer = setInterval(() => this.report(), this.reportMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.report();
  }

  /** What the other nodes counted for this key in this window. */
  othersCount(key: string, windowStart: number): number {
    return this.others.get(key)?.get(windowStart) ?? 0;
  }

  /** Counts a local hit, reported to the others with the next report. */
  add(key: string, windowStart: number, amount = 1): void {
    if (!this.bus.clustered) return;
    let k = this.pending.get(key);
    if (!k) this.pending.set(key, (k = new Map()));
    k.set(windowStart, (k.get(windowStart) ?? 0) + amount);
  }

  private report(): void {
    if (this.pending.size === 0) return;
    const deltas: [string, number, number][] = [];
    for (const [key, windows] of this.pending) for (const [start, n] of windows) deltas.push([key, start, n]);
    this.pending = new Map();
    this.bus.publish({ type: 'counters', deltas });
  }

  private receive({ event }: BusEnvelope): void {
    if (event.type !== 'counters') return;
    for (const [key, start, n] of event.deltas) {
      if (typeof key !== 'string' || !Number.isFinite(start) || !Number.isFinite(n)) continue;
      let k = this.others.get(key);
      if (!k) this.others.set(key, (k = new Map()));
      k.set(start, (k.get(start) ?? 0) + n);
    }
    this.prune(Date.now());
  }

  /** Drops windows that started more than a day ago (the longest window counted is a day). */
  private prune(now: number): void {
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    const cutoff = now - 2 * 86_400_000;
    for (const [key, windows] of this.others) {
      for (const start of windows.keys()) if (start < cutoff) windows.delete(start);
      if (windows.size === 0) this.others.delete(key);
    }
  }
}
