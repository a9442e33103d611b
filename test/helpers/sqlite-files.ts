import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';

/**
 * SQLite files for tests of the store's schema: fresh paths in scratch directories removed
 * after the file's tests, and files as an older release left them.
 */

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A path for a new database file, in a directory removed after the test file. */
export function scratchDbPath(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  dirs.push(dir);
  return join(dir, 'b.db');
}

/** A file migrated up to (not including) the migration that holds `marker`, as an older release left it. */
export function fileBefore(path: string, marker: string): Database.Database {
  const before = MIGRATIONS.findIndex((m) => m.includes(marker));
  assert.ok(before > 0, marker);
  const db = new Database(path);
  for (let v = 0; v < before; v++) db.exec(MIGRATIONS[v]!);
  db.pragma(`user_version = ${before}`);
  return db;
}
