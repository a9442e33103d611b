import assert from 'node:assert/strict';
import type Database from 'better-sqlite3';
import { describe, test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { fileBefore, scratchDbPath } from '../helpers/sqlite-files.js';

const NEW_INDEX = 'CREATE INDEX inbox_by_expiry ON inbox (expires_at, msg_id)';
const dbPath = () => scratchDbPath('inbox-expiry');

const indexColumns = (db: Database.Database) => (db.prepare("SELECT name FROM pragma_index_info('inbox_by_expiry') ORDER BY seqno").pluck().all() as string[]).join(',');

/** The inbox sweep's plan: it must find expired entries through the expiry index, not a scan. */
const sweepPlan = (db: Database.Database) =>
  (db.prepare('EXPLAIN QUERY PLAN SELECT app_key, num, msg_id FROM inbox WHERE expires_at < ? LIMIT ?').all(1, 10) as { detail: string }[]).map((r) => r.detail).join('; ');

describe('SQLite inbox expiry index', () => {
  test('orders the entries of one expiry by push, and the expiry sweep still uses it', async () => {
    const store = new SqliteStore({ path: dbPath(), synchronous: 'normal' });
    try {
      assert.equal(indexColumns(store.db), 'expires_at,msg_id');
      assert.match(sweepPlan(store.db), /USING (COVERING )?INDEX inbox_by_expiry/);
    } finally {
      await store.close();
    }
  });

  test('a file of the previous release gets the new index, its entries kept', async () => {
    const path = dbPath();
    const old = fileBefore(path, NEW_INDEX);
    assert.equal(indexColumns(old), 'expires_at');
    const insert = old.prepare('INSERT INTO inbox (app_key, num, msg_id, expires_at) VALUES (?, ?, ?, ?)');
    for (let num = 1; num <= 50; num++) for (let msg = 1; msg <= 4; msg++) insert.run('app', num, msg, msg <= 2 ? 1_000 : 5_000);
    old.close();

    const store = new SqliteStore({ path, synchronous: 'normal' });
    try {
      assert.equal(indexColumns(store.db), 'expires_at,msg_id');
      assert.equal(store.db.prepare('SELECT count(*) FROM inbox').pluck().get(), 200);
      const expired = store.db.prepare('SELECT count(*) FROM inbox WHERE expires_at < ?').pluck().get(2_000);
      assert.equal(expired, 100);
      assert.deepEqual(store.db.prepare('PRAGMA integrity_check').pluck().all(), ['ok']);
    } finally {
      await store.close();
    }
  });
});
