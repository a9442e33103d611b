/**
 * A token bucket that waits rather than refuses: `take(n)` resolves once n sends fit under
 * `perSecond` (0 = no limit). Bursts up to one second's worth.
 */
export class RateGate {
  private tokens: number;
  private at = Date.now();
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  /** Waits for room for n sends; rejects when `signal` aborts (shutdown: the work stays queued). */
  take(n: number, signal?: AbortSignal): Promise<void> {
    if (this.perSecond <= 0 || n <= 0) return Promise.resolve();
    const run = this.tail.catch(() => undefined).then(async () => {
      for (;;) {
        if (signal?.aborted) throw new Error('relay stopping');
        const now = Date.now();
        this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.at) * this.perSecond) / 1000);
        this.at = now;
        // a batch larger than the bucket goes once the bucket is full
        if (this.tokens >= Math.min(n, this.perSecond)) {
          this.tokens -= n;
          return;
        }
        const wait = ((Math.min(n, this.perSecond) - this.tokens) / this.perSecond) * 1000;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.ceil(wait));
          function done() {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
          }
          signal?.addEventListener('abort', done, { once: true });
        });
      }
    });
    this.tail = run;
    return run;
  }
}
