import type { Logger } from 'pino';
import type { PurgedRows, Store } from './types.js';

export interface RetentionOptions {
  /** Pushes, their receipts and inbox entries are kept this long after their time to live ended. */
  pushMs: number;
  /** cids are kept this long after they were issued and used. */
  cidMs: number;
  /** Callback batches still queued this long after they were queued are deleted. */
  callbackMs: number;
  /** Time between two sweeps. */
  intervalMs: number;
  /** Rows of each kind deleted per transaction; the event loop gets a turn between two. */
  batchRows: number;
}

/** EMAS IdempotentTokens matter for minutes; a day of them is plenty. */
const IDEMPOTENCY_KEEP_MS = 24 * 3600_000;
/** Free pages given back to the file system per step (4 MiB with 4 KiB pages). */
const RECLAIM_STEP_PAGES = 1024;
/** Free pages kept for new rows rather than given back: steady load reuses them at once. */
const KEEP_FREE_FRACTION = 0.05;
const KEEP_FREE_MIN_PAGES = 256;

export interface RetentionRun extends PurgedRows {
  reclaimedBytes: number;
  sizeBytes: number;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes what is past its retention, off the request path: on a timer, in small batches,
 * yielding to the event loop between two, then gives most of the freed space back to the
 * file system.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionRun> | null = null;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly options: RetentionOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.run().catch((err: unknown) => this.logger.error({ err }, 'retention sweep failed'));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep under way (it ends after its current batch). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One sweep (a sweep already under way is joined, not doubled). */
  run(now = Date.now()): Promise<RetentionRun> {
    this.running ??= this.sweep(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async sweep(now: number): Promise<RetentionRun> {
    const { pushMs, cidMs, callbackMs, batchRows } = this.options;
    const cutoffs = {
      pushesExpiredBefore: now - pushMs,
      cidsBefore: now - cidMs,
      callbacksBefore: now - callbackMs,
      idempotencyBefore: now - IDEMPOTENCY_KEEP_MS,
    };
    const total: PurgedRows = {
      pushes: 0,
      inbox: 0,
      cids: 0,
      callbacks: 0,
      smsJobs: 0,
      smsSends: 0,
      emasDeferred: 0,
      scheduleRuns: 0,
      idempotency: 0,
    };
    const kinds = Object.keys(total) as (keyof PurgedRows)[];
    while (!this.stopped) {
      const r = await this.store.retention.purge(cutoffs, batchRows);
      for (const k of kinds) total[k] += r[k];
      // a kind that filled its batch may have more
      if (Math.max(...kinds.map((k) => r[k])) < batchRows) break;
      await yieldToLoop();
    }
    let reclaimed = 0;
    let space = await this.store.retention.space();
    if (space.reclaimable) {
      const pages = space.fileBytes / space.pageSize;
      const keep = Math.max(KEEP_FREE_MIN_PAGES, Math.floor(pages * KEEP_FREE_FRACTION));
      let excess = Math.floor(space.freeBytes / space.pageSize) - keep;
      while (excess > 0 && !this.stopped) {
        const n = await this.store.retention.reclaim(Math.min(excess, RECLAIM_STEP_PAGES));
        if (n === 0) break;
        reclaimed += n * space.pageSize;
        excess -= n;
        await yieldToLoop();
      }
    }
    const deleted = kinds.reduce((n, k) => n + total[k], 0);
    if (deleted > 0 || reclaimed > 0) {
      // the log grew by what was deleted: fold it into the file and shrink it back
      await this.store.retention.checkpoint();
      space = await this.store.retention.space();
    }
    const run = { ...total, reclaimedBytes: reclaimed, sizeBytes: space.bytes };
    if (deleted > 0 || reclaimed > 0) {
      this.logger.info(run, 'retention: old rows deleted');
    }
    return run;
  }
}
