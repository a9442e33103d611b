import type Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import type { PurgedRows, RetentionCutoffs, RetentionStore, StoreSpace } from '../types.js';

/**
 * Files up to this size are switched to incremental auto-vacuum when opened (one VACUUM, a
 * second or two); larger ones keep their mode, reuse the pages retention frees, and are
 * converted offline (see docs/deployment.md).
 */
const CONVERT_ON_OPEN_BYTES = 256 * 1024 * 1024;

/** The write-ahead log is truncated back to this size after a checkpoint. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Chooses how the file gives space back, before anything else touches it. A new file gets
 * incremental auto-vacuum (it must be set before the first table exists); an existing small
 * file without it is converted with one VACUUM. Returns whether the file is incremental.
 */
export function prepareVacuum(db: Database.Database, path: string, convertExisting: boolean): boolean {
  const mode = () => Number(db.pragma('auto_vacuum', { simple: true }));
  if (mode() === 2) return true;
  const isNew = Number(db.pragma('page_count', { simple: true })) === 0;
  if (isNew) {
    db.pragma('auto_vacuum = INCREMENTAL');
    return mode() === 2;
  }
  const size = path === ':memory:' || !existsSync(path) ? 0 : statSync(path).size;
  if (!convertExisting || size > CONVERT_ON_OPEN_BYTES) return false;
  try {
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
  } catch {
    // another process holds the file: stay as it is, retention's freed pages are still reused
  }
  return mode() === 2;
}

export function limitWal(db: Database.Database): void {
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
}

/** Deletes old rows in small batches (each its own short transaction) and reclaims the space. */
export function sqliteRetention(db: Database.Database, path: string): RetentionStore {
  const s = {
    oldPushes: db
      .prepare(
        `SELECT msg_id FROM pushes WHERE expires_at < ? AND msg_id < (SELECT max(msg_id) FROM pushes)
         ORDER BY expires_at LIMIT ?`,
      )
      .pluck()
      .safeIntegers(true),
    pushDelete: db.prepare('DELETE FROM pushes WHERE msg_id = ?'),
    receiptDelete: db.prepare('DELETE FROM push_receipts WHERE msg_id = ?'),
    // an inbox entry expires with its push, so the same cutoff finds both
    inboxDelete: db.prepare(
      `DELETE FROM inbox WHERE (app_key, num, msg_id) IN
         (SELECT app_key, num, msg_id FROM inbox WHERE expires_at < ? LIMIT ?)`,
    ),
    cidDelete: db.prepare(
      `DELETE FROM cids WHERE cid IN
         (SELECT cid FROM cids WHERE issued_at < ? AND coalesce(used_at, 0) < ? LIMIT ?)`,
    ),
    callbackDelete: db.prepare(
      'DELETE FROM callback_queue WHERE id IN (SELECT id FROM callback_queue WHERE created_at < ? LIMIT ?)',
    ),
    // a push past retention is no longer live: its vendor results, unsent vendor slices and
    // pacing state go with it (each found by the push's msg_id through a key or index)
    relayReceiptDelete: db.prepare('DELETE FROM relay_receipts WHERE msg_id = ?'),
    relaySliceDelete: db.prepare('DELETE FROM relay_queue WHERE msg_id = ?'),
    pacedDelete: db.prepare('DELETE FROM paced_pushes WHERE msg_id = ?'),
    // SMS jobs only once finished (a pending one still sends), and only after their push went
    oldSmsJobs: db
      .prepare(
        `SELECT msg_id FROM sms_jobs j WHERE finished_at IS NOT NULL AND finished_at < ?
           AND NOT EXISTS (SELECT 1 FROM pushes p WHERE p.msg_id = j.msg_id)
         ORDER BY finished_at LIMIT ?`,
      )
      .pluck()
      .safeIntegers(true),
    smsSendDelete: db.prepare(
      `DELETE FROM sms_sends WHERE (msg_id, num) IN
         (SELECT msg_id, num FROM sms_sends WHERE msg_id = ? LIMIT ?)`,
    ),
    smsJobDelete: db.prepare('DELETE FROM sms_jobs WHERE msg_id = ?'),
    emasDeferredDelete: db.prepare(
      `DELETE FROM emas_deferred WHERE message_id IN
         (SELECT message_id FROM emas_deferred d WHERE state <> 'pending' AND created_at < ?
            AND NOT EXISTS (SELECT 1 FROM pushes p WHERE p.msg_id = d.message_id) LIMIT ?)`,
    ),
    // a schedule's newest run stays: it is the instant the scheduler last claimed
    scheduleRunDelete: db.prepare(
      `DELETE FROM schedule_runs WHERE (schedule_id, fire_at) IN
         (SELECT schedule_id, fire_at FROM schedule_runs r WHERE done_at IS NOT NULL AND fire_at < ?
            AND fire_at < (SELECT max(fire_at) FROM schedule_runs n WHERE n.schedule_id = r.schedule_id)
          LIMIT ?)`,
    ),
    idempotencyDelete: db.prepare(
      `DELETE FROM emas_idempotency WHERE (app_key, token) IN
         (SELECT app_key, token FROM emas_idempotency WHERE created_at < ? LIMIT ?)`,
    ),
  };

  /** Finished SMS jobs and their sends; a job's sends may take several batches. */
  const purgeSms = (before: number, limit: number) => {
    let jobs = 0;
    let sends = 0;
    for (const id of s.oldSmsJobs.all(before, limit) as bigint[]) {
      sends += s.smsSendDelete.run(id, limit - sends).changes;
      if (sends >= limit) break;
      s.smsJobDelete.run(id);
      jobs += 1;
    }
    return { smsJobs: jobs, smsSends: sends };
  };

  const purge = db.transaction((c: RetentionCutoffs, limit: number): PurgedRows => {
    const ids = s.oldPushes.all(c.pushesExpiredBefore, limit) as bigint[];
    for (const id of ids) {
      s.receiptDelete.run(id);
      s.relayReceiptDelete.run(id);
      s.relaySliceDelete.run(id);
      s.pacedDelete.run(id);
      s.pushDelete.run(id);
    }
    return {
      pushes: ids.length,
      inbox: s.inboxDelete.run(c.pushesExpiredBefore, limit).changes,
      cids: s.cidDelete.run(c.cidsBefore, c.cidsBefore, limit).changes,
      callbacks: s.callbackDelete.run(c.callbacksBefore, limit).changes,
      ...purgeSms(c.pushesExpiredBefore, limit),
      emasDeferred: s.emasDeferredDelete.run(c.pushesExpiredBefore, limit).changes,
      scheduleRuns: s.scheduleRunDelete.run(c.pushesExpiredBefore, limit).changes,
      idempotency: s.idempotencyDelete.run(c.idempotencyBefore, limit).changes,
    };
  });

  const space = (): StoreSpace => {
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const pages = Number(db.pragma('page_count', { simple: true }));
    const free = Number(db.pragma('freelist_count', { simple: true }));
    const wal = path !== ':memory:' && existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
    return {
      bytes: pages * pageSize + wal,
      fileBytes: pages * pageSize,
      walBytes: wal,
      freeBytes: free * pageSize,
      pageSize,
      reclaimable: Number(db.pragma('auto_vacuum', { simple: true })) === 2,
    };
  };

  return {
    async purge(cutoffs, limit) {
      return purge.immediate(cutoffs, limit);
    },
    async reclaim(maxPages) {
      // incremental_vacuum(0) would free every page at once
      if (maxPages < 1) return 0;
      if (Number(db.pragma('auto_vacuum', { simple: true })) !== 2) return 0;
      const before = Number(db.pragma('freelist_count', { simple: true }));
      db.pragma(`incremental_vacuum(${Math.max(0, Math.floor(maxPages))})`);
      return before - Number(db.pragma('freelist_count', { simple: true }));
    },
    async space() {
      return space();
    },
    async checkpoint() {
      if (path !== ':memory:') db.pragma('wal_checkpoint(TRUNCATE)');
    },
  };
}
