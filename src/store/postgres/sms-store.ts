import type { DevicePlatform } from '../../domain/device.js';
import type { SmsStore } from '../sms-types.js';
import { msgIdParam, type Row, type Db } from './db.js';

/**
 * A due job is taken for this long by the node that runs it, so two nodes do not run one job
 * at once. A job still unfinished after it (a node died, or the job is huge) is taken by
 * another node; the per-device claims keep any SMS from going twice.
 */
const JOB_LEASE_MS = 5 * 60_000;

/** SMS gateway accounts, SMS supplement jobs and per-device SMS claims over PostgreSQL. */
export function postgresSmsStore(db: Db): SmsStore {
  return {
    async setAccount(a) {
      await db.query(
        `INSERT INTO app_sms (app_key, endpoint, key, secret, sign_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (app_key) DO UPDATE SET endpoint = excluded.endpoint, key = excluded.key,
           secret = excluded.secret, sign_id = excluded.sign_id, updated_at = excluded.updated_at`,
        [a.appKey, a.endpoint, a.key, a.secret, a.signId, a.updatedAt],
      );
    },
    async getAccount(appKey) {
      const row = (await db.query('SELECT * FROM app_sms WHERE app_key = $1', [appKey])).rows[0] as Row | undefined;
      if (!row) return undefined;
      return {
        appKey: row.app_key as string,
        endpoint: row.endpoint as string,
        key: row.key as string,
        secret: row.secret as string,
        signId: row.sign_id == null ? null : Number(row.sign_id),
        updatedAt: Number(row.updated_at),
      };
    },
    async removeAccount(appKey) {
      return (await db.query('DELETE FROM app_sms WHERE app_key = $1', [appKey])).rowCount === 1;
    },
    async due(now, limit) {
      // due jobs are leased as they are read (see JOB_LEASE_MS)
      const { rows } = await db.query(
        `UPDATE sms_jobs j SET lease_until = $3
         FROM (SELECT msg_id FROM sms_jobs
               WHERE finished_at IS NULL AND due_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
               ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED) d
         WHERE j.msg_id = d.msg_id
         RETURNING j.msg_id, j.app_key, j.due_at`,
        [now, limit, now + JOB_LEASE_MS],
      );
      return (rows as Row[])
        .map((r) => ({ msgId: String(r.msg_id), appKey: r.app_key as string, dueAt: Number(r.due_at) }))
        .sort((a, b) => a.dueAt - b.dueAt);
    },
    async finish(msgId, skipped, note, at) {
      // a job two nodes ran (a lease ran out) counts its skipped devices once
      await db.query('UPDATE sms_jobs SET finished_at = $1, skipped = skipped + $2, note = $3 WHERE msg_id = $4 AND finished_at IS NULL', [
        at,
        skipped,
        note,
        msgIdParam(msgId),
      ]);
    },
    async recipients(appKey, nums) {
      if (nums.length === 0) return [];
      const { rows } = await db.query(
        `SELECT num, registration_id, platform, mobile FROM devices
         WHERE app_key = $1 AND mobile IS NOT NULL AND num = ANY($2::bigint[]) ORDER BY num`,
        [appKey, [...nums]],
      );
      return (rows as Row[]).map((r) => ({ num: Number(r.num), registrationId: r.registration_id as string, platform: r.platform as DevicePlatform, mobile: r.mobile as string }));
    },
    async claim(msgId, appKey, num, mobile, at) {
      const r = await db.query(
        `INSERT INTO sms_sends (msg_id, num, app_key, mobile, state, claimed_at) VALUES ($1, $2, $3, $4, 'claimed', $5)
         ON CONFLICT (msg_id, num) DO NOTHING`,
        [msgIdParam(msgId), num, appKey, mobile, at],
      );
      return r.rowCount === 1;
    },
    async mark(msgId, num, state, result, at) {
      await db.query('UPDATE sms_sends SET state = $1, result = $2, done_at = $3 WHERE msg_id = $4 AND num = $5', [state, result, at, msgIdParam(msgId), num]);
    },
    async counts(msgId) {
      const id = msgIdParam(msgId);
      const job = (await db.query('SELECT finished_at, skipped FROM sms_jobs WHERE msg_id = $1', [id])).rows[0] as Row | undefined;
      if (!job) return undefined;
      const counts = { sent: 0, failed: 0, pending: 0, skipped: Number(job.skipped), finished: job.finished_at != null };
      for (const r of (await db.query('SELECT state, count(*) AS n FROM sms_sends WHERE msg_id = $1 GROUP BY state', [id])).rows as Row[]) {
        if (r.state === 'sent') counts.sent = Number(r.n);
        else if (r.state === 'failed') counts.failed = Number(r.n);
        else counts.pending = Number(r.n);
      }
      return counts;
    },
  };
}

/** Writes a push's SMS supplement job, on the push's own transaction (once per push). */
export const SMS_JOB_INSERT = 'INSERT INTO sms_jobs (msg_id, app_key, due_at) VALUES ($1, $2, $3) ON CONFLICT (msg_id) DO NOTHING';
