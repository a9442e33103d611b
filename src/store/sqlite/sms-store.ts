import type Database from 'better-sqlite3';
import type { DevicePlatform } from '../../domain/device.js';
import type { SmsAccount, SmsStore } from '../sms-types.js';

type Row = Record<string, unknown>;

/** Lookups of device numbers go in chunks, under SQLite's bound-parameter limit. */
const CHUNK = 500;

function id(msgId: string): bigint {
  return /^[1-9][0-9]{0,18}$/.test(msgId) ? BigInt(msgId) : -1n;
}

/** SMS gateway accounts, SMS supplement jobs and per-device SMS claims. */
export function sqliteSmsStore(db: Database.Database): SmsStore {
  const s = {
    accountPut: db.prepare(
      `INSERT INTO app_sms (app_key, endpoint, key, secret, sign_id, updated_at)
       VALUES (@appKey, @endpoint, @key, @secret, @signId, @updatedAt)
       ON CONFLICT (app_key) DO UPDATE SET endpoint = excluded.endpoint, key = excluded.key,
         secret = excluded.secret, sign_id = excluded.sign_id, updated_at = excluded.updated_at`,
    ),
    accountGet: db.prepare('SELECT * FROM app_sms WHERE app_key = ?'),
    accountDelete: db.prepare('DELETE FROM app_sms WHERE app_key = ?'),
    due: db
      .prepare('SELECT msg_id, app_key, due_at FROM sms_jobs WHERE finished_at IS NULL AND due_at <= ? ORDER BY due_at LIMIT ?')
      .safeIntegers(true),
    finish: db.prepare('UPDATE sms_jobs SET finished_at = ?, skipped = skipped + ?, note = ? WHERE msg_id = ?'),
    claim: db.prepare(
      `INSERT OR IGNORE INTO sms_sends (msg_id, num, app_key, mobile, state, claimed_at) VALUES (?, ?, ?, ?, 'claimed', ?)`,
    ),
    mark: db.prepare('UPDATE sms_sends SET state = ?, result = ?, done_at = ? WHERE msg_id = ? AND num = ?'),
    job: db.prepare('SELECT finished_at, skipped FROM sms_jobs WHERE msg_id = ?'),
    states: db.prepare('SELECT state, count(*) AS n FROM sms_sends WHERE msg_id = ? GROUP BY state'),
  };
  return {
    async setAccount(a: SmsAccount) {
      s.accountPut.run(a);
    },
    async getAccount(appKey) {
      const row = s.accountGet.get(appKey) as Row | undefined;
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
      return s.accountDelete.run(appKey).changes === 1;
    },
    async due(now, limit) {
      return (s.due.all(now, limit) as Row[]).map((r) => ({ msgId: String(r.msg_id), appKey: r.app_key as string, dueAt: Number(r.due_at) }));
    },
    async finish(msgId, skipped, note, at) {
      s.finish.run(at, skipped, note, id(msgId));
    },
    async recipients(appKey, nums) {
      const out = [];
      for (let i = 0; i < nums.length; i += CHUNK) {
        const chunk = nums.slice(i, i + CHUNK);
        const rows = db
          .prepare(
            `SELECT num, registration_id, platform, mobile FROM devices
             WHERE app_key = ? AND mobile IS NOT NULL AND num IN (${chunk.map(() => '?').join(',')}) ORDER BY num`,
          )
          .all(appKey, ...chunk) as Row[];
        for (const r of rows) {
          out.push({ num: Number(r.num), registrationId: r.registration_id as string, platform: r.platform as DevicePlatform, mobile: r.mobile as string });
        }
      }
      return out;
    },
    async claim(msgId, appKey, num, mobile, at) {
      return s.claim.run(id(msgId), num, appKey, mobile, at).changes === 1;
    },
    async mark(msgId, num, state, result, at) {
      s.mark.run(state, result, at, id(msgId), num);
    },
    async counts(msgId) {
      const job = s.job.get(id(msgId)) as Row | undefined;
      if (!job) return undefined;
      const counts = { sent: 0, failed: 0, pending: 0, skipped: Number(job.skipped), finished: job.finished_at != null };
      for (const r of s.states.all(id(msgId)) as Row[]) {
        if (r.state === 'sent') counts.sent = Number(r.n);
        else if (r.state === 'failed') counts.failed = Number(r.n);
        else counts.pending = Number(r.n);
      }
      return counts;
    },
  };
}
