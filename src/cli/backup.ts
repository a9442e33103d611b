import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { sqliteFile } from '../config.js';
import { UsageError, configFrom, parse } from './args.js';

export const BACKUP_USAGE = `borealis backup FILE [--force] [--data DIR] [--config FILE]
  Writes a consistent copy of the SQLite database to FILE, also while a server runs on it
  (restore: stop the server, put FILE in place of DIR/borealis.db, delete borealis.db-wal and
  borealis.db-shm, start again; see docs/deployment.md). --force replaces an existing FILE.`;

/** Pages copied per step after the first: one step, so a busy server cannot keep restarting it. */
const PAGES_PER_STEP = 2_000_000_000;

export async function backupCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { force: { type: 'boolean' } });
  if (values.help) {
    console.log(BACKUP_USAGE);
    return 0;
  }
  const target = positionals[0];
  if (target === undefined || positionals.length > 1) throw new UsageError(`backup needs exactly one FILE\n${BACKUP_USAGE}`);
  const config = configFrom(values);
  if (config.store.url !== '') {
    console.error('borealis backup: the store is PostgreSQL (store.url); back it up with pg_dump or your PostgreSQL backups (docs/deployment.md)');
    return 1;
  }
  const source = sqliteFile(config);
  if (source === ':memory:' || !existsSync(source)) {
    console.error(`borealis backup: there is no database at ${source}; check --data`);
    return 1;
  }
  if (resolve(target) === resolve(source)) throw new UsageError('the backup must go to another file than the database');
  if (existsSync(target) && !values.force) {
    console.error(`borealis backup: ${target} exists; pass --force to replace it`);
    return 1;
  }

  // Written beside the target and renamed when complete: FILE is never a half-written copy.
  const partial = `${target}.partial-${process.pid}`;
  // Read-write, as the server opens it: a read-only handle could not recover a WAL left by a crash.
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // SQLite's online backup reads one snapshot (WAL lets the server keep writing meanwhile);
    // a write between steps restarts the copy, so everything after the first step is one step.
    await db.backup(partial, { progress: () => PAGES_PER_STEP });
  } catch (err) {
    rmSync(partial, { force: true });
    console.error(`borealis backup: cannot copy ${source} to ${target}: ${(err as Error).message}`);
    return 1;
  } finally {
    db.close();
  }

  const check = new Database(partial, { fileMustExist: true });
  let verdict: string;
  try {
    // A copy is only worth keeping if it reads back; the check also leaves it as one file.
    verdict = String(check.pragma('quick_check', { simple: true }));
    check.pragma('journal_mode = DELETE');
  } finally {
    check.close();
  }
  if (verdict !== 'ok') {
    rmSync(partial, { force: true });
    console.error(`borealis backup: the copy failed its check (${verdict}); nothing written`);
    return 1;
  }
  renameSync(partial, target);
  console.log(`backed up ${source} to ${target} (${statSync(target).size} bytes)`);
  return 0;
}
