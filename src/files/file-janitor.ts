import type { Logger } from 'pino';
import type { Store } from '../store/types.js';

/** An upload still not complete after this long was abandoned (its connection died mid-way). */
const STALE_UPLOAD_MS = 3_600_000;

/** Deletes expired files and abandoned uploads, a few at a time, in the background. */
export class FileJanitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly everyMs = 60_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.error({ err }, 'file cleanup failed'))
        .finally(() => (this.running = undefined));
    }, this.everyMs);
    this.timer.unref();
  }

  /** Removes what has expired by now; returns how many files went. */
  async sweep(now = Date.now()): Promise<number> {
    const ids = await this.store.files.expired(now, now - STALE_UPLOAD_MS, 50);
    for (const id of ids) await this.store.files.discard(id);
    return ids.length;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
