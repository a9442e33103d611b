import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { fdatasync } from 'node:fs';

/** Makes everything written to the log so far durable, without blocking the event loop. */
export type LogSync = () => Promise<void>;

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Collects the inserts of one event-loop turn and commits them in a single transaction, so a
 * burst of accepted pushes costs one commit rather than one each, while every caller still
 * hears back only after its row is durable.
 *
 * With a `sync`, the transaction commits without its own fsync and the log is synced on the
 * thread pool instead: the event loop keeps serving requests and deliveries while the disk
 * works, and one sync in flight covers every batch committed before it started (batches
 * committed meanwhile wait for the next one). Callers are answered only after the sync that
 * covers their batch.
 */
export class GroupCommit<T> {
  private queue: { item: T; waiter: Waiter }[] = [];
  private scheduled = false;
  /** Committed, not yet covered by a started sync. */
  private unsynced: Waiter[] = [];
  private syncing: Promise<void> | null = null;

  constructor(
    private readonly writeAll: (items: T[]) => void,
    private readonly sync?: LogSync,
  ) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, waiter: { resolve, reject } });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    try {
      this.writeAll(batch.map((b) => b.item));
    } catch (err) {
      for (const b of batch) b.waiter.reject(err);
      return;
    }
    if (!this.sync) {
      for (const b of batch) b.waiter.resolve();
      return;
    }
    for (const b of batch) this.unsynced.push(b.waiter);
    this.syncing ??= this.syncLoop();
  }

  /** Commits what is queued and waits until every commit so far is durable. */
  async drain(): Promise<void> {
    this.flush();
    while (this.syncing) await this.syncing;
  }

  private async syncLoop(): Promise<void> {
    try {
      while (this.unsynced.length > 0) {
        const covered = this.unsynced;
        this.unsynced = [];
        try {
          await this.sync!();
        } catch (err) {
          for (const w of covered) w.reject(err);
          continue;
        }
        for (const w of covered) w.resolve();
      }
    } finally {
      this.syncing = null;
    }
  }
}

/**
 * Syncs an SQLite write-ahead log by file: the log's file may be replaced (all connections
 * closed and the file deleted), so the descriptor follows the file's identity.
 */
export class WalFileSync {
  private fd: number | null = null;
  private ino = -1;

  constructor(private readonly walPath: string) {}

  readonly sync: LogSync = () =>
    new Promise((resolve, reject) => {
      let fd: number;
      try {
        fd = this.descriptor();
      } catch (err) {
        reject(err as Error);
        return;
      }
      fdatasync(fd, (err) => (err ? reject(err) : resolve()));
    });

  private descriptor(): number {
    // a stat is a cheap system call next to the sync it precedes
    const ino = statSync(this.walPath).ino;
    if (this.fd !== null && ino === this.ino) return this.fd;
    this.close();
    const fd = openSync(this.walPath, 'r');
    this.fd = fd;
    this.ino = fstatSync(fd).ino;
    return fd;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
