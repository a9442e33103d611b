import type Database from 'better-sqlite3';
import { closeSync, fdatasync, openSync } from 'node:fs';

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
 * works. While a sync is in flight the inserts queue up and are committed together when it
 * ends, so one commit and one sync serve everything that arrived meanwhile. Callers are
 * answered only after the sync that covers their commit.
 */
export class GroupCommit<T> {
  private queue: { item: T; waiter: Waiter }[] = [];
  private scheduled = false;
  private syncing: Promise<void> | null = null;

  constructor(
    /**
     * Writes the items in one transaction. It may refuse single items (their rows left out of
     * the commit): the reason at an item's index rejects that item's caller, the rest commit.
     */
    private readonly writeAll: (items: T[]) => readonly unknown[] | void,
    private readonly sync?: LogSync,
  ) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, waiter: { resolve, reject } });
      if (!this.scheduled && !this.syncing) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued (unless a sync is in flight: its end commits it). */
  flush(): void {
    this.scheduled = false;
    if (this.syncing) return;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    let refused: readonly unknown[] | void;
    try {
      refused = this.writeAll(batch.map((b) => b.item));
    } catch (err) {
      for (const b of batch) b.waiter.reject(err);
      return;
    }
    const committed: Waiter[] = [];
    for (let i = 0; i < batch.length; i++) {
      const reason = refused?.[i];
      if (reason === undefined) committed.push(batch[i]!.waiter);
      else batch[i]!.waiter.reject(reason);
    }
    if (this.sync) this.syncing = this.syncThen(committed);
    else for (const w of committed) w.resolve();
  }

  /** Commits what is queued and waits until every commit so far is durable. */
  async drain(): Promise<void> {
    this.flush();
    while (this.syncing) {
      await this.syncing;
      this.flush();
    }
  }

  private async syncThen(covered: Waiter[]): Promise<void> {
    let failure: unknown = null;
    try {
      await this.sync!();
    } catch (err) {
      failure = err;
    }
    this.syncing = null;
    for (const w of covered) {
      if (failure === null) w.resolve();
      else w.reject(failure);
    }
    // what queued up meanwhile goes in one commit now
    if (this.queue.length > 0) this.flush();
  }
}

/**
 * Syncs an SQLite write-ahead log by file. The log keeps its file while the store's
 * connection is open (SQLite deletes it only when the last connection closes; truncation
 * keeps the file), so one descriptor serves the store's life. Callers that ask while a sync
 * is in flight share the next one: it starts after theirs were written.
 */
export class WalFileSync {
  private fd: number | null = null;
  private inFlight: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly walPath: string) {}

  readonly sync: LogSync = () => {
    if (!this.inFlight) return (this.inFlight = this.once());
    // what was written after the running sync began needs a sync of its own
    this.next ??= this.inFlight.then(
      () => this.startNext(),
      () => this.startNext(),
    );
    return this.next;
  };

  private startNext(): Promise<void> {
    this.next = null;
    return (this.inFlight = this.once());
  }

  private once(): Promise<void> {
    const run = new Promise<void>((resolve, reject) => {
      try {
        this.fd ??= openSync(this.walPath, 'r');
      } catch (err) {
        reject(err as Error);
        return;
      }
      fdatasync(this.fd, (err) => (err ? reject(err) : resolve()));
    });
    const clear = () => {
      if (this.inFlight === run) this.inFlight = null;
    };
    run.then(clear, clear);
    return run;
  }

  /** Waits for the syncs asked for so far (their failures are their callers' to hear). */
  async idle(): Promise<void> {
    while (this.inFlight || this.next) await (this.next ?? this.inFlight)!.catch(() => undefined);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Write transactions on a connection with `synchronous = FULL` that are made durable without
 * holding the event loop: the transaction commits with NORMAL (SQLite writes the log but does
 * not fsync it) and the log is then synced on the thread pool. The caller awaits that sync
 * before it tells anyone the write happened.
 */
export class DeferredSync {
  private readonly relaxed: Database.Statement;
  private readonly strict: Database.Statement;
  readonly wal: WalFileSync;

  constructor(db: Database.Database, path: string) {
    this.relaxed = db.prepare('PRAGMA synchronous = NORMAL');
    this.strict = db.prepare('PRAGMA synchronous = FULL');
    this.wal = new WalFileSync(path + '-wal');
  }

  /** Runs `write` (a whole transaction) without SQLite's own fsync; follow it with `wal.sync`. */
  commitUnsynced(write: () => void): void {
    this.relaxed.run();
    try {
      write();
    } finally {
      this.strict.run();
    }
  }
}
