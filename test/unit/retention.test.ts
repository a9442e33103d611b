import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import type { AcceptedPush } from '../../src/domain/push.js';
import { RetentionSweeper } from '../../src/store/retention.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const APP = 'a'.repeat(24);
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'borealis-retention-'));
  dirs.push(d);
  return d;
}

function push(msgId: number, createdAt: number, ttlMs: number, filler = ''): AcceptedPush {
  return {
    appKey: APP,
    source: 'jpush',
    sendno: '0',
    platforms: ['android'],
    audience: { registrationId: ['x'] },
    notification: { alert: 'hi', extras: { filler } },
    options: { timeToLive: ttlMs / 1000, apnsProduction: false, bigPushDuration: 0, raw: {} },
    msgId: String(msgId),
    createdAt,
    expiresAt: createdAt + ttlMs,
  };
}

const bitmap = Buffer.from([0x3a, 0x30, 0, 0, 0, 0, 0, 0]); // an empty portable roaring bitmap
const count = (store: SqliteStore, table: string) => Number(store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get());

describe('retention', () => {
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('deletes expired pushes, receipts, inbox rows, cids and callback batches in small batches, and keeps the rest', async () => {
    const path = join(tempDir(), 'db.sqlite');
    const store = new SqliteStore({ path, synchronous: 'normal' });
    const now = Date.now();
    const old = now - 10_000;
    // 11 pushes whose time to live ended 9 s ago, each with receipts and an inbox entry
    for (let i = 1; i <= 11; i++) {
      await store.pushes.insert(push(i, old, 1000), { bitmap, count: 1, inbox: [i] });
    }
    await store.pushes.saveReceipts(
      Array.from({ length: 11 }, (_, i) => ({ msgId: String(i + 1), sent: bitmap, acked: bitmap, clicked: bitmap, withdrawn: null })),
      [
        { appKey: APP, url: 'http://old', body: '[]', createdAt: old },
        { appKey: APP, url: 'http://new', body: '[]', createdAt: now },
      ],
    );
    // still live, and long expired but the newest (it keeps msg_ids increasing)
    await store.pushes.insert(push(20, now, 60_000), { bitmap, count: 1, inbox: [20] });
    await store.cids.issue([
      { cid: `${APP}-old`, appKey: APP, type: 'push', issuedAt: old, msgId: null, sendno: null, usedAt: null },
      { cid: `${APP}-used`, appKey: APP, type: 'push', issuedAt: old, msgId: null, sendno: null, usedAt: null },
      { cid: `${APP}-new`, appKey: APP, type: 'push', issuedAt: now, msgId: null, sendno: null, usedAt: null },
    ]);
    store.db.prepare('UPDATE cids SET used_at = ? WHERE cid = ?').run(now, `${APP}-used`);

    const sweeper = new RetentionSweeper(store, { pushMs: 5000, cidMs: 5000, callbackMs: 5000, intervalMs: 3_600_000, batchRows: 4 }, pino({ level: 'silent' }));
    const run = await sweeper.run(now);
    assert.deepEqual({ pushes: run.pushes, inbox: run.inbox, cids: run.cids, callbacks: run.callbacks }, { pushes: 11, inbox: 11, cids: 1, callbacks: 1 });
    assert.equal(count(store, 'pushes'), 1);
    assert.equal(count(store, 'push_receipts'), 0);
    assert.equal(count(store, 'inbox'), 1);
    assert.deepEqual(store.db.prepare('SELECT cid FROM cids ORDER BY cid').pluck().all(), [`${APP}-new`, `${APP}-used`]);
    assert.deepEqual(store.db.prepare('SELECT url FROM callback_queue').pluck().all(), ['http://new']);
    assert.equal(await store.pushes.maxMsgId(), 20n);

    // once 20 is no longer the newest and its time is up, it goes too
    await store.pushes.insert(push(21, now, 60_000), { bitmap, count: 0 });
    const later = await sweeper.run(now + 70_000);
    assert.equal(later.pushes, 1);
    assert.equal(await store.pushes.get('20'), undefined);
    assert.ok(await store.pushes.get('21'));
    await sweeper.stop();
    await store.close();
  });

  test('gives the freed space back to the file system', async () => {
    const path = join(tempDir(), 'db.sqlite');
    const store = new SqliteStore({ path, synchronous: 'normal' });
    assert.equal(store.reclaimable, true, 'a new file uses incremental auto-vacuum');
    const old = Date.now() - 10_000;
    const filler = 'x'.repeat(20_000);
    for (let i = 1; i <= 200; i++) await store.pushes.insert(push(i, old, 1000, filler), { bitmap, count: 0 });
    await store.retention.checkpoint();
    const before = await store.retention.space();
    assert.ok(before.fileBytes > 4_000_000, `file of ${before.fileBytes} bytes`);
    assert.equal(await store.sizeBytes(), before.bytes);

    const sweeper = new RetentionSweeper(store, { pushMs: 1000, cidMs: 1000, callbackMs: 1000, intervalMs: 3_600_000, batchRows: 50 }, pino({ level: 'silent' }));
    const run = await sweeper.run();
    assert.equal(run.pushes, 199);
    assert.ok(run.reclaimedBytes > 3_000_000, `reclaimed ${run.reclaimedBytes}`);
    const afterSpace = await store.retention.space();
    assert.ok(afterSpace.fileBytes < before.fileBytes / 3, `${before.fileBytes} -> ${afterSpace.fileBytes}`);
    assert.equal(statSync(path).size, afterSpace.fileBytes, 'the file itself shrank');
    assert.equal(afterSpace.walBytes, 0, 'the write-ahead log was truncated');
    await store.close();
  });

  test('an existing file without incremental auto-vacuum is converted when the server opens it', async () => {
    const path = join(tempDir(), 'db.sqlite');
    const raw = new Database(path);
    raw.pragma('journal_mode = WAL');
    raw.exec('CREATE TABLE filler (x)');
    assert.equal(raw.pragma('auto_vacuum', { simple: true }), 0);
    raw.close();
    const cli = new SqliteStore({ path, synchronous: 'normal' });
    assert.equal(cli.reclaimable, false, 'short-lived commands leave the file as it is');
    await cli.close();
    const server = new SqliteStore({ path, synchronous: 'normal', convertVacuum: true });
    assert.equal(server.reclaimable, true);
    assert.equal((await server.retention.space()).reclaimable, true);
    await server.close();
  });
});
