import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { StoreStats } from '../types.js';

/**
 * Sizes for the metrics, read when scraped. Counting rows scans an index (about 0.1 s per
 * million inbox entries), too long to block the server's event loop, so the counts run in a
 * worker thread on its own read-only connection (WAL lets it read beside the server's writes).
 * The worker starts at the first scrape; an in-memory database is counted in place.
 */
export class SqliteStoreStats {
  private readonly pageCount: Database.Statement;
  private readonly pageSize: Database.Statement;
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (v: Counts) => void; reject: (e: Error) => void }>();
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
  ) {
    this.pageCount = db.prepare('PRAGMA page_count').pluck();
    this.pageSize = db.prepare('PRAGMA page_size').pluck();
  }

  async read(): Promise<StoreStats> {
    // The main file as SQLite sees it (free pages included), plus the write-ahead log.
    const databaseBytes = Number(this.pageCount.get()) * Number(this.pageSize.get()) + walBytes(this.path);
    const counts = this.path === ':memory:' ? countsIn(this.db) : await this.countInWorker();
    return { databaseBytes, ...counts };
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private countInWorker(): Promise<Counts> {
    if (this.closed) return Promise.reject(new Error('store closed'));
    const worker = (this.worker ??= this.startWorker());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage(id);
    });
  }

  private startWorker(): Worker {
    const require = createRequire(import.meta.url);
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver: require.resolve('better-sqlite3'), path: this.path } });
    worker.unref(); // metrics never keep a process alive
    worker.on('message', (m: { id: number; error?: string } & Counts) => {
      const waiter = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error !== undefined) waiter?.reject(new Error(m.error));
      else waiter?.resolve({ callbackQueue: m.callbackQueue, inboxEntries: m.inboxEntries });
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined; // the next scrape starts another
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('store stats worker stopped')));
    return worker;
  }
}

type Counts = Pick<StoreStats, 'callbackQueue' | 'inboxEntries'>;

const COUNT_SQL = { callbackQueue: 'SELECT count(*) FROM callback_queue', inboxEntries: 'SELECT count(*) FROM inbox' };

function countsIn(db: Database.Database): Counts {
  return {
    callbackQueue: Number(db.prepare(COUNT_SQL.callbackQueue).pluck().get()),
    inboxEntries: Number(db.prepare(COUNT_SQL.inboxEntries).pluck().get()),
  };
}

// CommonJS, evaluated in the worker: the driver comes by absolute path, so this works the same
// from the build and from sources.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const callbackQueue = db.prepare(${JSON.stringify(COUNT_SQL.callbackQueue)}).pluck();
const inboxEntries = db.prepare(${JSON.stringify(COUNT_SQL.inboxEntries)}).pluck();
parentPort.on('message', (id) => {
  try {
    parentPort.postMessage({ id, callbackQueue: Number(callbackQueue.get()), inboxEntries: Number(inboxEntries.get()) });
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) });
  }
});
`;

function walBytes(path: string): number {
  if (path === ':memory:') return 0;
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}
