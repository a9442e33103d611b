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
    const cutoffs = { pushesExpiredBefore: now - pushMs, cidsBefore: now - cidMs, callbacksBefore: now - callbackMs };
    const total: PurgedRows = { pushes: 0, inbox: 0, cids: 0, callbacks: 0 };
    while (!this.stopped) {
      const r = await this.store.retention.purge(cutoffs, batchRows);
      total.pushes += r.pushes;
      total.inbox += r.inbox;
      total.cids += r.cids;
      total.callbacks += r.callbacks;
      if (Math.max(r.pushes, r.inbox, r.cids, r.callbacks) < batchRows) break;
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
    const deleted = total.pushes + total.inbox + total.cids + total.callbacks;
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
