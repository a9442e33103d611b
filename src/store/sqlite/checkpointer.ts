import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker looks for log frames to copy into the database file. */
const INTERVAL_MS = 200;

// A CommonJS script (an eval worker), so it runs the same under the compiled build and tsx.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Checkpoints the write-ahead log from a worker thread with its own connection, instead of
 * SQLite's automatic checkpoint inside whichever commit crosses the threshold: that one writes
 * the logged pages into the database file and fsyncs both on the event loop, stalling every
 * request for tens of milliseconds at high push rates. A PASSIVE checkpoint never blocks the
 * writer; the main connection's automatic checkpoints come back if the worker stops.
 */
export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private stopping = false;

  constructor(
    private readonly db: Database.Database,
    path: string,
    onError: (message: string) => void = () => undefined,
  ) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, intervalMs: INTERVAL_MS } });
    this.worker.unref();
    db.pragma('wal_autocheckpoint = 0');
    this.worker.on('message', (m: { error?: string }) => m.error && onError(m.error));
    this.worker.on('error', (err) => onError(err.message));
    this.worker.on('exit', () => this.fallBack());
  }

  private fallBack(): void {
    if (!this.stopping && this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.worker.ref();
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage('stop');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
    await this.worker.terminate();
  }
}
