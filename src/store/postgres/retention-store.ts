import type { PurgedRows, RetentionCutoffs, RetentionStore, StoreSpace } from '../types.js';
import type { Db, Queryable, Row } from './db.js';
import { changes, firstRow } from './query-helpers.js';

/** Deletes `sql`'s rows (a statement with $1 = cutoff, $2 = limit), returning how many went. */
const run = (q: Queryable, sql: string, args: readonly unknown[]) => changes(q, sql, args);

/**
 * Retention over PostgreSQL: the same rows as the embedded store's, deleted in short
 * transactions of at most `limit` rows per kind. Rows are picked with FOR UPDATE SKIP LOCKED,
 * so nodes sweeping at once split the work rather than wait for each other.
 *
 * Space is PostgreSQL's business: deleted rows are dead tuples that autovacuum makes reusable;
 * the files only shrink with VACUUM FULL (an exclusive lock, an operator's decision). So
 * `reclaim` gives nothing back, `checkpoint` leaves the write-ahead log to the server's own
 * checkpointer, and `space` reports the database's size with nothing reclaimable.
 */
export function postgresRetention(db: Db): RetentionStore {
  const purge = (c: RetentionCutoffs, limit: number) =>
    db.tx(async (q): Promise<PurgedRows> => {
      const { rows } = await q.query(
        `SELECT msg_id FROM pushes WHERE expires_at < $1 AND msg_id < (SELECT max(msg_id) FROM pushes)
         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [c.pushesExpiredBefore, limit],
      );
      const ids = (rows as Row[]).map((r) => String(r.msg_id));
      if (ids.length > 0) {
        // a push past retention is no longer live: its receipts, vendor results, unsent vendor
        // slices and pacing state go with it
        for (const table of ['push_receipts', 'relay_receipts', 'relay_queue', 'paced_pushes', 'pushes']) {
          await q.query(`DELETE FROM ${table} WHERE msg_id = ANY($1::bigint[])`, [ids]);
        }
      }
      // an inbox entry expires with its push, so the same cutoff finds both
      const inbox = await run(
        q,
        `DELETE FROM inbox WHERE (app_key, num, msg_id) IN
           (SELECT app_key, num, msg_id FROM inbox WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [c.pushesExpiredBefore, limit],
      );
      const cids = await run(
        q,
        `DELETE FROM cids WHERE cid IN
           (SELECT cid FROM cids WHERE issued_at < $1 AND coalesce(used_at, 0) < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [c.cidsBefore, limit],
      );
      const callbacks = await run(
        q,
        'DELETE FROM callback_queue WHERE id IN (SELECT id FROM callback_queue WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)',
        [c.callbacksBefore, limit],
      );
      // SMS jobs only once finished (a pending one still sends), and only after their push went
      const jobs = await q.query(
        `SELECT msg_id FROM sms_jobs j WHERE finished_at IS NOT NULL AND finished_at < $1
           AND NOT EXISTS (SELECT 1 FROM pushes p WHERE p.msg_id = j.msg_id)
         ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [c.pushesExpiredBefore, limit],
      );
      let smsJobs = 0;
      let smsSends = 0;
      for (const job of jobs.rows as Row[]) {
        // a job's sends may take several batches; the job goes with its last one
        smsSends += await run(
          q,
          'DELETE FROM sms_sends WHERE (msg_id, num) IN (SELECT msg_id, num FROM sms_sends WHERE msg_id = $1 LIMIT $2)',
          [job.msg_id, limit - smsSends],
        );
        if (smsSends >= limit) break;
        smsJobs += await run(q, 'DELETE FROM sms_jobs WHERE msg_id = $1', [job.msg_id]);
      }
      const emasDeferred = await run(
        q,
        `DELETE FROM emas_deferred WHERE message_id IN
           (SELECT message_id FROM emas_deferred d WHERE state <> 'pending' AND created_at < $1
              AND NOT EXISTS (SELECT 1 FROM pushes p WHERE p.msg_id = d.message_id) LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [c.pushesExpiredBefore, limit],
      );
      // a schedule's newest run stays: it is the instant the scheduler last claimed
      const scheduleRuns = await run(
        q,
        `DELETE FROM schedule_runs WHERE (schedule_id, fire_at) IN
           (SELECT schedule_id, fire_at FROM schedule_runs r WHERE done_at IS NOT NULL AND fire_at < $1
              AND fire_at < (SELECT max(fire_at) FROM schedule_runs n WHERE n.schedule_id = r.schedule_id)
            LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [c.pushesExpiredBefore, limit],
      );
      const idempotency = await run(
        q,
        `DELETE FROM emas_idempotency WHERE (app_key, token) IN
           (SELECT app_key, token FROM emas_idempotency WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [c.idempotencyBefore, limit],
      );
      return { pushes: ids.length, inbox, cids, callbacks, smsJobs, smsSends, emasDeferred, scheduleRuns, idempotency };
    });

  return {
    purge,
    async reclaim() {
      return 0;
    },
    async space(): Promise<StoreSpace> {
      const row = await firstRow(db, `SELECT pg_database_size(current_database()) AS bytes, current_setting('block_size') AS page`);
      const bytes = Number(row?.bytes ?? 0);
      return { bytes, fileBytes: bytes, walBytes: 0, freeBytes: 0, pageSize: Number(row?.page ?? 8192), reclaimable: false };
    },
    async checkpoint() {
      // the server's checkpointer owns the write-ahead log (CHECKPOINT needs a superuser)
    },
  };
}
