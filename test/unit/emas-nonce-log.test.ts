import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { fileBefore, scratchDbPath } from '../helpers/sqlite-files.js';

const dbPath = () => scratchDbPath('nonce-log');

const open = (path: string) => new SqliteStore({ path, synchronous: 'full' });
/** Claims in the log, over all its batches. */
const count = (store: SqliteStore) => Number(store.db.prepare('SELECT coalesce(sum(nonces), 0) FROM emas_nonce_batches').pluck().get());
/** The nonces of the log's claims, in log order. */
const logged = (store: SqliteStore) =>
  (store.db.prepare('SELECT claims FROM emas_nonce_batches ORDER BY id').pluck().all() as string[]).flatMap((text) =>
    (JSON.parse(text) as [string, string, number][]).map((c) => c[1]),
  );

describe('SQLite SignatureNonce log', () => {
  test('a node started again refuses the nonces used before, also past one slice of the first read', async () => {
    const path = dbPath();
    const first = open(path);
    // more rows (batches of one claim) than the first read takes per turn
    const insert = first.db.prepare('INSERT INTO emas_nonce_batches (expires_at, nonces, claims) VALUES (?, 1, ?)');
    first.db.transaction(() => {
      for (let i = 0; i < 45_000; i++) insert.run(10_000, JSON.stringify([['AK', `old-${i}`, 10_000]]));
    })();
    assert.equal(await first.emas.claimNonce('AK', 'n-1', 1_000, 10_000), true);
    assert.equal(await first.emas.claimNonce('AK', 'old-44999', 1_000, 10_000), false, 'a row of the last slice');
    await first.close();

    const again = open(path);
    try {
      const claims = await Promise.all([
        again.emas.claimNonce('AK', 'n-1', 2_000, 12_000),
        again.emas.claimNonce('AK', 'old-0', 2_000, 12_000),
        again.emas.claimNonce('AK', 'old-30000', 2_000, 12_000),
        again.emas.claimNonce('AK', 'n-2', 2_000, 12_000),
        again.emas.claimNonce('AK', 'n-2', 2_000, 12_000),
      ]);
      assert.deepEqual(claims, [false, false, false, true, false]);
      assert.equal(again.db.pragma('synchronous', { simple: true }), 2, 'claims commit without the fsync, then FULL again');
      // refused claims leave no row; the 45,000 + n-1 + n-2
      assert.equal(count(again), 45_002);
      assert.equal(await again.emas.claimNonce('AK', 'old-7', 10_000, 20_000), true, 'expired: free again');
      assert.equal(count(again), 45_003, 'appended again; the expired claim waits for the prune');
      assert.equal(await again.emas.pruneNonces(10_000), 45_001, 'the 45,000 old claims and n-1');
      assert.equal(await again.emas.claimNonce('AK', 'old-7', 10_001, 20_000), false);
      assert.equal(await again.emas.claimNonce('AK', 'old-8', 10_001, 20_000), true);
    } finally {
      await again.close();
    }
  });

  test('a node keeps up with what another node on the file claimed since its last batch', async () => {
    const path = dbPath();
    const a = open(path);
    const b = open(path);
    try {
      assert.equal(await a.emas.claimNonce('AK', 'x', 1_000, 5_000), true);
      assert.equal(await b.emas.claimNonce('AK', 'x', 1_000, 5_000), false);
      assert.equal(await b.emas.claimNonce('AK', 'y', 1_000, 5_000), true);
      assert.equal(await a.emas.claimNonce('AK', 'y', 1_000, 5_000), false);
      assert.equal(await b.emas.claimNonce('AK', 'x', 5_000, 9_000), true, 'expired on a, taken over by b');
      assert.equal(await a.emas.claimNonce('AK', 'x', 5_001, 9_000), false);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a batch appends its fresh claims together, as one row; nonces taken over once expired are appended again', async () => {
    const path = dbPath();
    const store = open(path);
    const other = open(path);
    try {
      // one turn: 150 claims, a replay inside the batch among them
      const names = Array.from({ length: 150 }, (_, i) => `b-${i}`);
      const claims = await Promise.all([...names, 'b-7'].map((n) => store.emas.claimNonce('AK', n, 1_000, 5_000)));
      assert.deepEqual(claims, [...names.map(() => true), false]);
      assert.deepEqual(logged(store), names);
      assert.deepEqual(store.db.prepare('SELECT nonces FROM emas_nonce_batches').pluck().all(), [150], 'one row for the batch');
      // another process on the file sees every row of the batch
      assert.equal(await other.emas.claimNonce('AK', 'b-100', 1_000, 5_000), false);
      // taken over once expired: appended again, read by the other process as the newest
      assert.deepEqual(await Promise.all(['b-3', 'b-149', 'b-150', 'b-3'].map((n) => store.emas.claimNonce('AK', n, 6_000, 9_000))), [true, true, true, false]);
      assert.equal(count(store), 153);
      assert.equal(await other.emas.claimNonce('AK', 'b-3', 6_500, 9_000), false);
      assert.equal(await other.emas.claimNonce('AK', 'b-150', 6_500, 9_000), false);
      assert.equal(await other.emas.claimNonce('AK', 'b-4', 6_500, 9_000), true);
      // the prune deletes the expired head of the log, the old claims of b-3 and b-149 with it
      assert.equal(await store.emas.pruneNonces(6_000), 150);
      assert.deepEqual(logged(store), ['b-3', 'b-149', 'b-150', 'b-4']);
      // a fresh process reads the log: the live claims only
      const third = open(path);
      try {
        assert.deepEqual(await Promise.all(['b-3', 'b-5', 'b-4'].map((n) => third.emas.claimNonce('AK', n, 7_000, 9_000))), [false, true, false]);
      } finally {
        await third.close();
      }
    } finally {
      await store.close();
      await other.close();
    }
  });

  test('upgrading a file moves the live nonces of the old table into the log', async () => {
    const path = dbPath();
    // the file as it was before the first log (emas_nonce_log) replaced the table keyed by the nonce
    const old = fileBefore(path, 'CREATE TABLE emas_nonce_log');
    old.prepare('INSERT INTO emas_nonces (access_key_id, nonce, expires_at) VALUES (?, ?, ?)').run('AK', 'kept', Date.now() + 60_000);
    old.close();

    const store = open(path);
    try {
      assert.equal(await store.emas.claimNonce('AK', 'kept', Date.now(), Date.now() + 60_000), false);
      assert.equal(store.db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'emas_nonces'").pluck().get(), 0);
    } finally {
      await store.close();
    }
  });

  test('upgrading a file moves the claims of the row-per-claim log into batches, in log order', async () => {
    const path = dbPath();
    const old = fileBefore(path, 'CREATE TABLE emas_nonce_batches');
    const insert = old.prepare('INSERT INTO emas_nonce_log (access_key_id, nonce, expires_at) VALUES (?, ?, ?)');
    insert.run('AK', 'first', 1_000);
    insert.run('AK', 'second', Date.now() + 60_000);
    insert.run('AK2', 'first', Date.now() + 60_000);
    old.close();

    const store = open(path);
    try {
      assert.deepEqual(logged(store), ['first', 'second', 'first']);
      assert.equal(await store.emas.claimNonce('AK', 'second', Date.now(), Date.now() + 60_000), false);
      assert.equal(await store.emas.claimNonce('AK2', 'first', Date.now(), Date.now() + 60_000), false);
      assert.equal(await store.emas.claimNonce('AK', 'first', Date.now(), Date.now() + 60_000), true, 'expired before the upgrade');
      assert.equal(await store.emas.pruneNonces(Date.now()), 1, 'the expired claim, at the head of the log');
      assert.equal(store.db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'emas_nonce_log'").pluck().get(), 0);
    } finally {
      await store.close();
    }
  });
});
