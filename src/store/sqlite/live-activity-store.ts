import type Database from 'better-sqlite3';
import type { LiveActivityTokenStore } from '../live-activity-types.js';

/** IN-lists stay under SQLite's parameter limit. */
const CHUNK = 500;

/**
 * Live Activity update tokens over the embedded store. A token the vendor calls dead is
 * deleted by the relay queue's confirming transaction (relay-store.ts), not here.
 */
export function sqliteLiveActivityStore(db: Database.Database): LiveActivityTokenStore {
  const s = {
    put: db.prepare(
      `INSERT INTO live_activity_tokens (app_key, activity_id, num, token, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (app_key, activity_id, num) DO UPDATE SET token = excluded.token, updated_at = excluded.updated_at`,
    ),
    remove: db.prepare('DELETE FROM live_activity_tokens WHERE app_key = ? AND activity_id = ? AND num = ?'),
    countOf: db.prepare('SELECT count(*) FROM live_activity_tokens WHERE app_key = ? AND num = ?').pluck(),
    holders: db.prepare('SELECT num FROM live_activity_tokens WHERE app_key = ? AND activity_id = ? ORDER BY num').pluck(),
  };
  return {
    async put(appKey, activityId, num, token, at) {
      s.put.run(appKey, activityId, num, token, at);
    },
    async remove(appKey, activityId, num) {
      return s.remove.run(appKey, activityId, num).changes > 0;
    },
    async countOf(appKey, num) {
      return Number(s.countOf.get(appKey, num));
    },
    async holders(appKey, activityId) {
      return (s.holders.all(appKey, activityId) as (number | bigint)[]).map(Number);
    },
    async tokens(appKey, activityId, nums) {
      const out = new Map<number, string>();
      for (let i = 0; i < nums.length; i += CHUNK) {
        const part = nums.slice(i, i + CHUNK);
        const ph = part.map(() => '?').join(',');
        const rows = db
          .prepare(`SELECT num, token FROM live_activity_tokens WHERE app_key = ? AND activity_id = ? AND num IN (${ph})`)
          .all(appKey, activityId, ...part) as { num: number; token: string }[];
        for (const r of rows) out.set(Number(r.num), r.token);
      }
      return out;
    },
  };
}
