import type { PacingStore } from '../pacing-types.js';
import { msgIdParam, numOrNull, type Row, type Db } from './db.js';

/** Progress of paced pushes over PostgreSQL, one row each, overwritten slice by slice. */
export function postgresPacingStore(db: Db): PacingStore {
  return {
    async get(msgId) {
      const { rows } = await db.query('SELECT * FROM paced_pushes WHERE msg_id = $1', [msgIdParam(msgId)]);
      const row = rows[0] as Row | undefined;
      if (!row) return undefined;
      return {
        msgId: String(row.msg_id),
        appKey: row.app_key as string,
        released: Number(row.released),
        lastNum: Number(row.last_num),
        updatedAt: Number(row.updated_at),
        finishedAt: numOrNull(row.finished_at),
      };
    },
    async save(p) {
      await db.query(
        `INSERT INTO paced_pushes (msg_id, app_key, released, last_num, updated_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (msg_id) DO UPDATE SET released = excluded.released, last_num = excluded.last_num,
           updated_at = excluded.updated_at, finished_at = excluded.finished_at`,
        [msgIdParam(p.msgId), p.appKey, p.released, p.lastNum, p.updatedAt, p.finishedAt],
      );
    },
    async claim(p, fromReleased) {
      // the first slice may create the row; later ones only move it on from where it stands
      const { rowCount } = await db.query(
        fromReleased === 0
          ? `INSERT INTO paced_pushes (msg_id, app_key, released, last_num, updated_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (msg_id) DO UPDATE SET released = excluded.released, last_num = excluded.last_num,
               updated_at = excluded.updated_at, finished_at = excluded.finished_at
             WHERE paced_pushes.released = 0 AND paced_pushes.finished_at IS NULL`
          : `UPDATE paced_pushes SET released = $3, last_num = $4, updated_at = $5, finished_at = $6
             WHERE msg_id = $1 AND app_key = $2 AND released = $7 AND finished_at IS NULL`,
        fromReleased === 0
          ? [msgIdParam(p.msgId), p.appKey, p.released, p.lastNum, p.updatedAt, p.finishedAt]
          : [msgIdParam(p.msgId), p.appKey, p.released, p.lastNum, p.updatedAt, p.finishedAt, fromReleased],
      );
      return (rowCount ?? 0) > 0;
    },
  };
}
