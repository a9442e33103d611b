import type Database from 'better-sqlite3';
import { NonceUsedError } from '../store-errors.js';
import type { NonceClaim } from '../types.js';
import { ownCopy } from '../../util/own-copy.js';

/**
 * SignatureNonce claims on SQLite, shared by every process on the file.
 *
 * A table keyed by the nonce would dirty one page at a random place per claim, and each commit
 * writes every dirty page to the log in full: that page, not the check, was most of what a
 * signed request cost. Here claims are appended to a log in insertion order, a batch of claims
 * per row (one row, one bound JSON text per commit, rather than a row and three values per
 * claim), and each process keeps the live nonces in memory. A batch is claimed in one write
 * transaction, which SQLite gives one process at a time: inside it the process first reads
 * what the others appended since its last batch, then decides its own claims in log order. So
 * two processes claiming one nonce at once still see each other, and exactly one wins. A
 * refused claim appends nothing. A nonce taken over once expired is appended again; its old
 * claim waits for the prune, which deletes the expired head of the log (a row goes once the
 * latest expiry of its claims passed). Rows are read in log order, so memory keeps a nonce's
 * newest claim.
 *
 * Memory holds each live nonce as its key and the second it expires (a small integer, not an
 * object), about 150 bytes each: at a few thousand signed requests a second, 30 minutes of them
 * are millions of entries, and their size is what the garbage collector walks.
 */

/** The second (rounded up) that a nonce expires in: nonces are refused a little longer, never shorter. */
function expirySecond(expiresAt: number): number {
  return Math.ceil(expiresAt / 1000);
}

/** Whether a nonce expiring in `second` is live at `now` (ms). */
function liveAt(second: number, now: number): boolean {
  return second * 1000 > now;
}


/** Rows (batches) read per event-loop turn when the log is first read. */
const LOAD_SLICE = 20_000;

/** One claim as a batch row keeps it: [accessKeyId, nonce, expiresAt]. */
type LoggedClaim = [accessKeyId: string, nonce: string, expiresAt: number];
type LogRow = [id: number, claims: string];

export class SqliteNonceLog {
  /** Live nonces of every process, by `accessKeyId \n nonce`: the second each expires, in about that order. */
  private readonly live = new Map<string, number>();
  /** The highest log id read; -1 before the first read. */
  private seen = -1;
  /** The first read of the log, once started. */
  private loading: Promise<void> | undefined;
  /** Whether that read is complete (claims can be decided). */
  loaded = false;
  private readonly append: Database.Statement;
  private readonly since: Database.Statement;
  private readonly slice: Database.Statement;
  private readonly prune: Database.Statement;
  private readonly claimBatch: Database.Transaction<(batch: NonceClaim[]) => boolean[]>;

  constructor(private readonly db: Database.Database) {
    this.append = db.prepare('INSERT INTO emas_nonce_batches (expires_at, nonces, claims) VALUES (?, ?, ?)');
    this.since = db.prepare('SELECT id, claims FROM emas_nonce_batches WHERE id > ? ORDER BY id').raw();
    this.slice = db.prepare('SELECT id, claims FROM emas_nonce_batches WHERE id > ? ORDER BY id LIMIT ?').raw();
    // Batches expire in about log order (one lifetime for all): the expired head of the log
    // goes; a batch expired behind a live one waits for the next pass.
    this.prune = db.prepare(
      `DELETE FROM emas_nonce_batches WHERE id < coalesce(
         (SELECT id FROM emas_nonce_batches WHERE expires_at > ? ORDER BY id LIMIT 1),
         (SELECT max(id) + 1 FROM emas_nonce_batches), 0)
       RETURNING nonces`,
    ).pluck();
    this.claimBatch = db.transaction((batch: NonceClaim[]) => this.claimInTransaction(batch));
  }

  /**
   * Reads the log into memory, a slice per event-loop turn, so a node that starts with many
   * live nonces keeps serving meanwhile. Claims wait for it; the claim's transaction reads what
   * was appended after.
   */
  ready(): Promise<void> {
    return (this.loading ??= this.load());
  }

  private async load(): Promise<void> {
    try {
      for (;;) {
        const rows = this.slice.all(Math.max(this.seen, 0), LOAD_SLICE) as LogRow[];
        this.take(rows);
        if (this.seen < 0) this.seen = 0;
        if (rows.length < LOAD_SLICE) {
          this.loaded = true;
          return;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      this.reset();
      throw err;
    }
  }

  /** Live nonces held in memory (expired ones go at the next prune). */
  get size(): number {
    return this.live.size;
  }

  /** Whether the nonce is live in memory at `now` (a replay of a claim this process knows of). */
  holds(accessKeyId: string, nonce: string, now: number): boolean {
    const held = this.live.get(`${accessKeyId}\n${nonce}`);
    return held !== undefined && liveAt(held, now);
  }

  /** True for each claim whose nonce was free (never seen, or expired by its `now`); after `ready`. */
  claim(batch: NonceClaim[]): boolean[] {
    try {
      return this.claimBatch.immediate(batch);
    } catch (err) {
      // the memory may now hold rows that were rolled back: read the log afresh
      this.reset();
      throw err;
    }
  }

  /**
   * `claim` inside a write transaction the caller holds (a push commit that carries nonces),
   * after `ready`. Should that transaction fail, the caller calls `forget`.
   */
  claimWithin(batch: NonceClaim[]): boolean[] {
    return this.claimInTransaction(batch);
  }

  /** Drops what memory holds (it may hold rows a failed transaction rolled back): the log is read afresh. */
  forget(): void {
    this.reset();
  }

  private reset(): void {
    this.loaded = false;
    this.live.clear();
    this.seen = -1;
    this.loading = undefined;
  }

  /** Deletes the log's expired batches (the head of the log up to the first live one) and forgets them; returns how many claims went. */
  pruneExpired(now: number): number {
    this.sweep(now);
    let claims = 0;
    for (const n of this.prune.all(now) as number[]) claims += n;
    return claims;
  }

  private claimInTransaction(batch: NonceClaim[]): boolean[] {
    this.readNew();
    // decided in memory first (a claim earlier in the batch is in memory already), then the
    // fresh claims appended together as one row
    const fresh: LoggedClaim[] = [];
    let latest = 0;
    const answers = batch.map((c) => {
      const key = `${c.accessKeyId}\n${c.nonce}`;
      const held = this.live.get(key);
      if (held !== undefined && liveAt(held, c.now)) return false;
      // taken over once expired: moved to the end, where entries of its age are
      if (held !== undefined) this.live.delete(key);
      // a key of its own: the request's strings are slices of its body, which it would keep alive
      this.live.set(ownCopy(key), expirySecond(c.expiresAt));
      fresh.push([c.accessKeyId, c.nonce, c.expiresAt]);
      if (c.expiresAt > latest) latest = c.expiresAt;
      return true;
    });
    if (fresh.length > 0) this.seen = Number(this.append.run(latest, fresh.length, JSON.stringify(fresh)).lastInsertRowid);
    return answers;
  }

  /** Takes in the rows other processes appended since the last read. */
  private readNew(): void {
    // not read yet (a transaction failed and memory was dropped since): read it all now
    if (this.seen < 0) this.seen = 0;
    this.take(this.since.iterate(this.seen) as IterableIterator<LogRow>);
    this.loaded = true;
  }

  private take(rows: Iterable<LogRow>): void {
    for (const [id, text] of rows) {
      for (const [accessKeyId, nonce, expiresAt] of JSON.parse(text) as LoggedClaim[]) {
        const key = `${accessKeyId}\n${nonce}`;
        // moved to the end, where entries of its age are
        this.live.delete(key);
        this.live.set(key, expirySecond(expiresAt));
      }
      this.seen = id;
    }
  }

  private sweep(now: number): void {
    for (const [key, second] of this.live) {
      if (liveAt(second, now)) return;
      this.live.delete(key);
    }
  }
}


/**
 * The writes of a commit whose items may carry a nonce (pushes from signed EMAS requests):
 * their nonces are claimed first, inside the caller's write transaction, and an item whose
 * nonce was taken is left out, its reason (NonceUsedError) at its index in `refused`.
 */
export function claimRiders<T extends { nonce?: NonceClaim }>(log: SqliteNonceLog, batch: T[]): { items: T[]; refused: unknown[] | undefined } {
  let claims: NonceClaim[] | undefined;
  let at: number[] | undefined;
  for (let i = 0; i < batch.length; i++) {
    const nonce = batch[i]!.nonce;
    if (nonce === undefined) continue;
    (claims ??= []).push(nonce);
    (at ??= []).push(i);
  }
  if (claims === undefined || at === undefined) return { items: batch, refused: undefined };
  const fresh = log.claimWithin(claims);
  if (!fresh.includes(false)) return { items: batch, refused: undefined };
  const refused = new Array<unknown>(batch.length);
  fresh.forEach((free, j) => {
    if (!free) refused[at[j]!] = new NonceUsedError();
  });
  return { items: batch.filter((_, i) => refused[i] === undefined), refused };
}
