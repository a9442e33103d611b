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
    assert.deepEqual(
      { pushes: run.pushes, inbox: run.inbox, cids: run.cids, callbacks: run.callbacks },
      { pushes: 11, inbox: 11, cids: 1, callbacks: 1 },
    );
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

  test('deletes the vendor, pacing, SMS, EMAS and schedule rows that grow per push, and keeps pending work', async () => {
    const store = new SqliteStore({ path: join(tempDir(), 'db.sqlite'), synchronous: 'normal' });
    const db = store.db;
    const now = Date.now();
    const old = now - 10_000;
    // 1-3 are past retention; 4 is live; 5 is live and the newest
    for (let i = 1; i <= 3; i++) await store.pushes.insert(push(i, old, 1000), { bitmap, count: 1 });
    for (const i of [4, 5]) await store.pushes.insert(push(i, now, 60_000), { bitmap, count: 1 });

    const relayReceipt = db.prepare('INSERT INTO relay_receipts (msg_id, channel, sent, failed, dead) VALUES (?, ?, ?, ?, ?)');
    const slice = db.prepare('INSERT INTO relay_queue (msg_id, app_key, lo, hi, attempts, next_at) VALUES (?, ?, ?, ?, 0, ?)');
    const paced = db.prepare('INSERT INTO paced_pushes (msg_id, app_key, released, last_num, updated_at, finished_at) VALUES (?, ?, 0, 0, ?, ?)');
    for (const id of [1, 4]) {
      relayReceipt.run(id, 'apns', bitmap, bitmap, bitmap);
      relayReceipt.run(id, 'fcm', bitmap, bitmap, bitmap);
      slice.run(id, APP, 0, 99, now);
      slice.run(id, APP, 100, 199, now);
      paced.run(id, APP, old, null);
    }

    const smsJob = db.prepare('INSERT INTO sms_jobs (msg_id, app_key, due_at, finished_at) VALUES (?, ?, ?, ?)');
    const smsSend = db.prepare(
      "INSERT INTO sms_sends (msg_id, num, app_key, mobile, state, claimed_at, done_at) VALUES (?, ?, ?, '13800000000', 'sent', ?, ?)",
    );
    smsJob.run(1, APP, old, old); // finished, push gone: goes with its 3 sends
    smsJob.run(2, APP, old, null); // still pending: stays although its push went
    smsJob.run(4, APP, now, old); // finished, but its push is live
    for (const num of [1, 2, 3]) smsSend.run(1, num, APP, old, old);
    smsSend.run(2, 1, APP, old, null);
    smsSend.run(4, 1, APP, old, old);

    const deferred = db.prepare('INSERT INTO emas_deferred (message_id, app_key, kind, run_at, push, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    deferred.run(2, APP, 'scheduled', old, '{}', 'fired', old); // fired, push gone
    deferred.run(100, APP, 'scheduled', now + 3_600_000, '{}', 'pending', old); // waits for its time
    deferred.run(4, APP, 'scheduled', old, '{}', 'fired', old); // its push is live
    deferred.run(101, APP, 'scheduled', now, '{}', 'failed', now); // recent

    const run = db.prepare('INSERT INTO schedule_runs (schedule_id, fire_at, claimed_at, msg_id, done_at) VALUES (?, ?, ?, ?, ?)');
    for (const at of [old - 3000, old - 2000, old - 1000]) run.run('s1', at, at, 1, at);
    run.run('s2', old - 2000, old - 2000, null, null); // claimed, never finished
    run.run('s2', old - 1000, old - 1000, 1, old - 1000);
    run.run('s3', now, now, 4, now);

    const token = db.prepare('INSERT INTO emas_idempotency (app_key, token, result, created_at) VALUES (?, ?, ?, ?)');
    token.run(APP, 'old', '{}', now - 2 * 24 * 3600_000);
    token.run(APP, 'new', '{}', now - 60_000);

    const sweeper = new RetentionSweeper(store, { pushMs: 5000, cidMs: 5000, callbackMs: 5000, intervalMs: 3_600_000, batchRows: 2 }, pino({ level: 'silent' }));
    const r = await sweeper.run(now);
    assert.deepEqual(
      { pushes: r.pushes, smsJobs: r.smsJobs, smsSends: r.smsSends, emasDeferred: r.emasDeferred, scheduleRuns: r.scheduleRuns, idempotency: r.idempotency },
      { pushes: 3, smsJobs: 1, smsSends: 3, emasDeferred: 1, scheduleRuns: 2, idempotency: 1 },
    );
    const ids = (sql: string) => db.prepare(sql).pluck().all().map(Number);
    assert.deepEqual(ids('SELECT msg_id FROM pushes ORDER BY msg_id'), [4, 5]);
    assert.deepEqual(ids('SELECT msg_id FROM relay_receipts ORDER BY msg_id'), [4, 4]);
    assert.deepEqual(ids('SELECT msg_id FROM relay_queue ORDER BY id'), [4, 4]);
    assert.deepEqual(ids('SELECT msg_id FROM paced_pushes'), [4]);
    assert.deepEqual(ids('SELECT msg_id FROM sms_jobs ORDER BY msg_id'), [2, 4]);
    assert.deepEqual(ids('SELECT msg_id FROM sms_sends ORDER BY msg_id'), [2, 4]);
    assert.deepEqual(ids('SELECT message_id FROM emas_deferred ORDER BY message_id'), [4, 100, 101]);
    assert.deepEqual(
      db.prepare('SELECT schedule_id, fire_at FROM schedule_runs ORDER BY schedule_id, fire_at').all(),
      [
        { schedule_id: 's1', fire_at: old - 1000 },
        { schedule_id: 's2', fire_at: old - 2000 },
        { schedule_id: 's2', fire_at: old - 1000 },
        { schedule_id: 's3', fire_at: now },
      ],
    );
    assert.deepEqual(db.prepare('SELECT token FROM emas_idempotency').pluck().all(), ['new']);

    // the pending SMS job finishes later; once that is older than the push cutoff, it goes too
    db.prepare('UPDATE sms_jobs SET finished_at = ? WHERE msg_id = 2').run(now + 1000);
    assert.equal((await sweeper.run(now + 2000)).smsJobs, 0, 'finished too recently');
    const later = await sweeper.run(now + 7000);
    assert.deepEqual({ smsJobs: later.smsJobs, smsSends: later.smsSends }, { smsJobs: 1, smsSends: 1 });
    assert.deepEqual(ids('SELECT msg_id FROM sms_jobs'), [4]);
    await sweeper.stop();
    await store.close();
  });

  test('its deletes use indexes, not table scans', () => {
    const store = new SqliteStore({ path: join(tempDir(), 'db.sqlite'), synchronous: 'normal' });
    const plan = (sql: string) => (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((p) => p.detail).join('; ');
    const queries = [
      `SELECT msg_id FROM sms_jobs j WHERE finished_at IS NOT NULL AND finished_at < 1
         AND NOT EXISTS (SELECT 1 FROM pushes p WHERE p.msg_id = j.msg_id) ORDER BY finished_at LIMIT 1`,
      `SELECT message_id FROM emas_deferred d WHERE state <> 'pending' AND created_at < 1
         AND NOT EXISTS (SELECT 1 FROM pushes p WHERE p.msg_id = d.message_id) LIMIT 1`,
      `SELECT schedule_id, fire_at FROM schedule_runs r WHERE done_at IS NOT NULL AND fire_at < 1
         AND fire_at < (SELECT max(fire_at) FROM schedule_runs n WHERE n.schedule_id = r.schedule_id) LIMIT 1`,
      'SELECT app_key, token FROM emas_idempotency WHERE created_at < 1 LIMIT 1',
      'SELECT msg_id, num FROM sms_sends WHERE msg_id = 1 LIMIT 1',
      'SELECT id FROM relay_queue WHERE msg_id = 1',
      'SELECT channel FROM relay_receipts WHERE msg_id = 1',
      'SELECT msg_id FROM paced_pushes WHERE msg_id = 1',
    ];
    for (const q of queries) {
      const p = plan(q);
      assert.doesNotMatch(p, /\bSCAN\b/, `${q}: ${p}`);
      assert.match(p, /\bSEARCH\b/, `${q}: ${p}`);
    }
    return store.close();
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
    // what stays is one push and the schema's own pages (a page or more per table and index)
    assert.ok(before.fileBytes - afterSpace.fileBytes > 3_000_000, `${before.fileBytes} -> ${afterSpace.fileBytes}`);
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
