import type { LiveActivityTokenStore } from '../live-activity-types.js';
import type { Db, Row } from './db.js';
import { countOf as countRows } from './query-helpers.js';

/**
 * Live Activity update tokens over PostgreSQL. A token the vendor calls dead is deleted by the
 * relay queue's confirming transaction (relay-store.ts), not here.
 */
export function postgresLiveActivityStore(db: Db): LiveActivityTokenStore {
  return {
    async put(appKey, activityId, num, token, at) {
      await db.query(
        `INSERT INTO live_activity_tokens (app_key, activity_id, num, token, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (app_key, activity_id, num) DO UPDATE SET token = excluded.token, updated_at = excluded.updated_at`,
        [appKey, activityId, num, token, at],
      );
    },
    async remove(appKey, activityId, num) {
      return ((await db.query('DELETE FROM live_activity_tokens WHERE app_key = $1 AND activity_id = $2 AND num = $3', [appKey, activityId, num])).rowCount ?? 0) > 0;
    },
    async countOf(appKey, num) {
      return countRows(db, 'SELECT count(*) AS n FROM live_activity_tokens WHERE app_key = $1 AND num = $2', [appKey, num]);
    },
    async holders(appKey, activityId) {
      const { rows } = await db.query('SELECT num FROM live_activity_tokens WHERE app_key = $1 AND activity_id = $2 ORDER BY num', [appKey, activityId]);
      return (rows as Row[]).map((r) => Number(r.num));
    },
    async tokens(appKey, activityId, nums) {
      const out = new Map<number, string>();
      if (nums.length === 0) return out;
      const { rows } = await db.query('SELECT num, token FROM live_activity_tokens WHERE app_key = $1 AND activity_id = $2 AND num = ANY($3::bigint[])', [
        appKey,
        activityId,
        [...nums],
      ]);
      for (const r of rows as Row[]) out.set(Number(r.num), r.token as string);
      return out;
    },
  };
}
