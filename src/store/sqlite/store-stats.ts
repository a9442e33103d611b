import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import type { StoreStats } from '../types.js';

/**
 * Sizes for the metrics, read when scraped. The row counts scan an index, so their cost grows
 * with the queues, but only once per scrape and never on the request path.
 */
export function sqliteStoreStats(db: Database.Database, path: string): () => StoreStats {
  const s = {
    pageCount: db.prepare('PRAGMA page_count').pluck(),
    pageSize: db.prepare('PRAGMA page_size').pluck(),
    callbackQueue: db.prepare('SELECT count(*) FROM callback_queue').pluck(),
    inbox: db.prepare('SELECT count(*) FROM inbox').pluck(),
  };
  return () => ({
    // The main file as SQLite sees it (free pages included), plus the write-ahead log.
    databaseBytes: Number(s.pageCount.get()) * Number(s.pageSize.get()) + walBytes(path),
    callbackQueue: Number(s.callbackQueue.get()),
    inboxEntries: Number(s.inbox.get()),
  });
}

function walBytes(path: string): number {
  if (path === ':memory:') return 0;
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}
