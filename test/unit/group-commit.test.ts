import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { AcceptedPush } from '../../src/domain/push.js';
import { GroupCommit } from '../../src/store/sqlite/group-commit.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const APP = 'g'.repeat(24);
const dirs: string[] = [];

function push(msgId: number): AcceptedPush {
  const createdAt = Date.now();
  return {
    appKey: APP,
    source: 'jpush',
    sendno: String(msgId),
    platforms: ['android'],
    audience: { registrationId: ['x'] },
    notification: { alert: 'hi' },
    options: { timeToLive: 60, apnsProduction: false, bigPushDuration: 0, raw: {} },
    msgId: String(msgId),
    createdAt,
    expiresAt: createdAt + 60_000,
  };
}
const bitmap = Buffer.from([0x3a, 0x30, 0, 0, 0, 0, 0, 0]); // an empty portable roaring bitmap

/** A log sync the test finishes by hand, to see who waits for which sync. */
function manualSync() {
  const pending: (() => void)[] = [];
  return {
    calls: () => pending.length,
    sync: () => new Promise<void>((resolve) => pending.push(resolve)),
    finish: (i: number) => pending[i]!(),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit with a log sync off the event loop', () => {
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('an item the write refuses rejects its caller alone; the others are answered after the sync', async () => {
    const s = manualSync();
    const refusal = new Error('refused');
    const gc = new GroupCommit<number>((items) => items.map((n) => (n === 2 ? refusal : undefined)), s.sync);
    const outcomes: string[] = [];
    const all = [1, 2, 3].map((n) =>
      gc.add(n).then(
        () => outcomes.push(`${n} ok`),
        (err: unknown) => outcomes.push(`${n} ${(err as Error).message}`),
      ),
    );
    await settle();
    assert.deepEqual(outcomes, ['2 refused'], 'refused at once, the others wait for the sync');
    s.finish(0);
    await Promise.all(all);
    assert.deepEqual(outcomes, ['2 refused', '1 ok', '3 ok']);
  });

  test('a caller is answered only after the sync that covers its commit', async () => {
    const written: number[][] = [];
    const s = manualSync();
    const gc = new GroupCommit<number>((items) => {
      written.push(items);
    }, s.sync);
    const done: number[] = [];
    const a = gc.add(1).then(() => done.push(1));
    const b = gc.add(2).then(() => done.push(2));
    await settle();
    assert.deepEqual(written, [[1, 2]], 'one transaction for the turn');
    assert.equal(s.calls(), 1);
    // arriving while the first sync is in flight: queued, committed when it ends, then synced
    const c = gc.add(3).then(() => done.push(3));
    const d = gc.add(4).then(() => done.push(4));
    await settle();
    assert.deepEqual(written, [[1, 2]]);
    assert.equal(s.calls(), 1, 'one sync in flight at a time');
    assert.deepEqual(done, []);
    s.finish(0);
    await Promise.all([a, b]);
    await settle();
    assert.deepEqual(done, [1, 2]);
    assert.deepEqual(written, [[1, 2], [3, 4]], 'what waited goes in one commit');
    assert.equal(s.calls(), 2);
    s.finish(1);
    await Promise.all([c, d]);
    assert.deepEqual(done, [1, 2, 3, 4]);
  });

  test('a failed sync rejects the callers it covered, later ones still go through', async () => {
    let fail = true;
    const gc = new GroupCommit<number>(() => undefined, async () => {
      if (fail) throw new Error('disk gone');
    });
    await assert.rejects(gc.add(1), /disk gone/);
    fail = false;
    await gc.add(2);
  });

  test('a failed write rejects its batch without a sync', async () => {
    let syncs = 0;
    const gc = new GroupCommit<number>(
      () => {
        throw new Error('constraint');
      },
      async () => {
        syncs++;
      },
    );
    await assert.rejects(gc.add(1), /constraint/);
    assert.equal(syncs, 0);
  });

  test('one commit of many pushes writes every push row and inbox row, across statement boundaries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'borealis-group-commit-'));
    dirs.push(dir);
    const store = new SqliteStore({ path: join(dir, 'db.sqlite'), synchronous: 'full' });
    // 75 pushes in one turn (more rows than one statement takes), inbox lists of 0 to 150 devices
    const inbox = (i: number) => (i % 5 === 0 ? undefined : Array.from({ length: (i * 7) % 151 }, (_, k) => k * 3 + (i % 3)));
    await Promise.all(Array.from({ length: 75 }, (_, i) => store.pushes.insert(push(1000 + i), { bitmap, count: 1, inbox: inbox(i) })));
    const count = (sql: string, ...args: unknown[]) => Number(store.db.prepare(sql).pluck().get(...args));
    assert.equal(count('SELECT count(*) FROM pushes'), 75);
    let rows = 0;
    for (let i = 0; i < 75; i++) {
      const nums = inbox(i);
      assert.equal(count('SELECT inbox FROM pushes WHERE msg_id = ?', 1000 + i), nums === undefined ? 0 : 1);
      const stored = store.db.prepare('SELECT num FROM inbox WHERE msg_id = ? ORDER BY num').pluck().all(1000 + i) as number[];
      assert.deepEqual(stored, nums ?? []);
      rows += nums?.length ?? 0;
    }
    assert.equal(count('SELECT count(*) FROM inbox'), rows);
    const withFour = Array.from({ length: 75 }, (_, i) => i).filter((i) => inbox(i)?.includes(4)).map((i) => String(1000 + i));
    assert.ok(withFour.length > 0);
    assert.deepEqual((await store.pushes.inboxPage(APP, 4, 0, null, 100)).map((e) => e.msgId), withFour);

    // a batch that fails (a msg_id taken) writes nothing, and the next one is whole
    const failed = await Promise.allSettled([
      store.pushes.insert(push(2000), { bitmap, count: 1, inbox: [1, 2, 3] }),
      store.pushes.insert(push(1000), { bitmap, count: 1, inbox: [9] }),
    ]);
    assert.deepEqual(failed.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(count('SELECT count(*) FROM pushes WHERE msg_id = 2000'), 0);
    assert.equal(count('SELECT count(*) FROM inbox WHERE msg_id IN (1000, 2000) AND num IN (1, 2, 3, 9)'), 0);
    await store.pushes.insert(push(2001), { bitmap, count: 1, inbox: [1, 1, 2] });
    assert.deepEqual(store.db.prepare('SELECT num FROM inbox WHERE msg_id = 2001 ORDER BY num').pluck().all(), [1, 2], 'a device twice is one row');
    await store.close();
  });

  test('a store with fsync per commit keeps every acknowledged push across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'borealis-group-commit-'));
    dirs.push(dir);
    const path = join(dir, 'borealis.db');
    let store = new SqliteStore({ path, synchronous: 'full' });
    await store.apps.create({ appKey: APP, name: 'g', secretHash: Buffer.from('x'), createdAt: 0, rateLimit: null, rateWindow: null, broadcastPerDay: null });
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.pushes.insert(push(i + 1), { bitmap, count: 0 })));
    assert.equal(store.db.pragma('synchronous', { simple: true }), 2, 'the connection is back to FULL for other writes');
    // queued, not yet committed: close must commit and sync it
    const last = store.pushes.insert(push(51), { bitmap, count: 0 });
    await store.close();
    await last;
    store = new SqliteStore({ path, synchronous: 'full' });
    assert.equal(await store.pushes.maxMsgId(), 51n);
    assert.equal((await store.pushes.get('17'))?.sendno, '17');
    // receipts take the same way: answered after the log is synced, kept across a reopen
    const acked = Buffer.from([0x3a, 0x30, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 7, 0]); // {7}
    await Promise.all([
      store.pushes.saveReceipts([{ msgId: '17', sent: acked, acked, clicked: bitmap, withdrawn: null }], []),
      store.pushes.saveReceipts([{ msgId: '18', sent: acked, acked: bitmap, clicked: bitmap, withdrawn: null }], []),
    ]);
    await store.close();
    store = new SqliteStore({ path, synchronous: 'full' });
    assert.deepEqual((await store.pushes.receipts('17'))?.receipts?.acked, acked);
    assert.deepEqual((await store.pushes.receipts('18'))?.receipts?.sent, acked);
    await store.close();
  });

  test('the server\'s store checkpoints its log from a worker thread, not inside commits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'borealis-group-commit-'));
    dirs.push(dir);
    const store = new SqliteStore({ path: join(dir, 'borealis.db'), synchronous: 'full', backgroundCheckpoints: true });
    try {
      assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 0, 'no checkpoint inside a commit');
      await store.apps.create({ appKey: APP, name: 'g', secretHash: Buffer.from('x'), createdAt: 0, rateLimit: null, rateWindow: null, broadcastPerDay: null });
      await Promise.all(Array.from({ length: 500 }, (_, i) => store.pushes.insert(push(i + 1), { bitmap, count: 0 })));
      // only the worker copies logged pages into the database file: watch the file grow
      const file = join(dir, 'borealis.db');
      const before = statSync(file).size;
      let after = before;
      for (let i = 0; i < 50 && after === before; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = statSync(file).size;
      }
      assert.ok(after > before, `database file ${before} → ${after} bytes`);
    } finally {
      await store.close();
    }
  });
});
