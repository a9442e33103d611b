import type Database from 'better-sqlite3';
import type { PacingProgress, PacingStore } from '../pacing-types.js';

type Row = Record<string, unknown>;

/** Progress of paced pushes, one row each, overwritten slice by slice. */
export function sqlitePacingStore(db: Database.Database): PacingStore {
  const s = {
    get: db.prepare('SELECT * FROM paced_pushes WHERE msg_id = ?').safeIntegers(true),
    save: db.prepare(
      `INSERT INTO paced_pushes (msg_id, app_key, released, last_num, updated_at, finished_at)
       VALUES (@msgId, @appKey, @released, @lastNum, @updatedAt, @finishedAt)
       ON CONFLICT (msg_id) DO UPDATE SET released = excluded.released, last_num = excluded.last_num,
         updated_at = excluded.updated_at, finished_at = excluded.finished_at`,
    ),
    // the first slice may create the row; later ones only move it on from where it stands
    claimFirst: db.prepare(
      `INSERT INTO paced_pushes (msg_id, app_key, released, last_num, updated_at, finished_at)
       VALUES (@msgId, @appKey, @released, @lastNum, @updatedAt, @finishedAt)
       ON CONFLICT (msg_id) DO UPDATE SET released = excluded.released, last_num = excluded.last_num,
         updated_at = excluded.updated_at, finished_at = excluded.finished_at
       WHERE paced_pushes.released = 0 AND paced_pushes.finished_at IS NULL`,
    ),
    claimNext: db.prepare(
      `UPDATE paced_pushes SET released = @released, last_num = @lastNum, updated_at = @updatedAt, finished_at = @finishedAt
       WHERE msg_id = @msgId AND app_key = @appKey AND released = @fromReleased AND finished_at IS NULL`,
    ),
  };
  return {
    async get(msgId) {
      if (!/^[1-9][0-9]{0,18}$/.test(msgId)) return undefined;
      const row = s.get.get(BigInt(msgId)) as Row | undefined;
      if (!row) return undefined;
      return {
        msgId: String(row.msg_id),
        appKey: row.app_key as string,
        released: Number(row.released),
        lastNum: Number(row.last_num),
        updatedAt: Number(row.updated_at),
        finishedAt: row.finished_at == null ? null : Number(row.finished_at),
      };
    },
    async save(p: PacingProgress) {
      s.save.run({ ...p, msgId: BigInt(p.msgId) });
    },
    async claim(p, fromReleased) {
      const row = { ...p, msgId: BigInt(p.msgId) };
      const { changes } = fromReleased === 0 ? s.claimFirst.run(row) : s.claimNext.run({ ...row, fromReleased });
      return changes > 0;
    },
  };
}
