import type { FileRecord, FileStore } from '../advanced-types.js';
import { type Row, type Db } from './db.js';
import { countOf } from './query-helpers.js';

function toFile(row: Row): FileRecord {
  return {
    fileId: row.file_id as string,
    ownerKey: row.owner_key as string,
    type: row.type as FileRecord['type'],
    fileName: row.file_name as string,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    valueCount: Number(row.value_count),
  };
}

/** Rows a device-number lookup hands over at once. */
const NUM_BATCH = 8192;
/** Values deleted per statement when a file goes, so a big file never holds locks for long. */
const DELETE_BATCH = 20_000;

/**
 * Uploaded audience files over PostgreSQL: one row per distinct value, keyed (file, value), so
 * duplicates collapse and resolving a file is a join with the devices' indexes. Device numbers
 * are read a page at a time (keyset on the value), so a file of a million ids is never one array.
 */
export function postgresFileStore(db: Db): FileStore {
  return {
    async begin(r) {
      await db.query(
        `INSERT INTO files (file_id, owner_key, type, file_name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [r.fileId, r.ownerKey, r.type, r.fileName, r.createdAt, r.expiresAt],
      );
    },
    async append(fileId, values) {
      if (values.length === 0) return;
      await db.query('INSERT INTO file_values (file_id, value) SELECT $1, v FROM unnest($2::text[]) AS v ON CONFLICT DO NOTHING', [fileId, [...values]]);
    },
    async commit(fileId, expiresAt) {
      return db.tx(async (c) => {
        const { rows } = await c.query(
          `UPDATE files SET ready = true, expires_at = $2,
             value_count = (SELECT count(*) FROM file_values WHERE file_id = $1)
           WHERE file_id = $1 RETURNING *`,
          [fileId, expiresAt],
        );
        return toFile(rows[0] as Row);
      });
    },
    async discard(fileId) {
      // the file row goes first: from then on nothing can push to it, while its values drain
      await db.query('DELETE FROM files WHERE file_id = $1', [fileId]);
      for (;;) {
        const r = await db.query(
          `DELETE FROM file_values WHERE file_id = $1 AND value IN (SELECT value FROM file_values WHERE file_id = $1 LIMIT ${DELETE_BATCH})`,
          [fileId],
        );
        if ((r.rowCount ?? 0) === 0) break;
      }
    },
    async get(ownerKey, fileId, now) {
      const { rows } = await db.query('SELECT * FROM files WHERE file_id = $1 AND owner_key = $2 AND ready AND expires_at > $3', [fileId, ownerKey, now]);
      return rows[0] ? toFile(rows[0] as Row) : undefined;
    },
    async list(ownerKey, now) {
      const { rows } = await db.query('SELECT * FROM files WHERE owner_key = $1 AND ready AND expires_at > $2 ORDER BY created_at, file_id', [ownerKey, now]);
      return (rows as Row[]).map(toFile);
    },
    async countLive(ownerKey, now) {
      return countOf(db, 'SELECT count(*) AS n FROM files WHERE owner_key = $1 AND expires_at > $2', [ownerKey, now]);
    },
    async deviceNums(file, appKey, visit) {
      const column = file.type === 'registration_id' ? 'registration_id' : 'alias';
      // a page of the file's values at a time (keyset on the value), then their devices
      let after = '';
      for (;;) {
        const { rows } = await db.query(`SELECT value FROM file_values WHERE file_id = $1 AND value > $2 ORDER BY value LIMIT ${NUM_BATCH}`, [file.fileId, after]);
        if (rows.length === 0) return;
        const values = (rows as Row[]).map((r) => r.value as string);
        const found = await db.query(`SELECT num FROM devices WHERE app_key = $1 AND ${column} = ANY($2::text[])`, [appKey, values]);
        if (found.rows.length > 0) visit((found.rows as Row[]).map((r) => Number(r.num)));
        if (values.length < NUM_BATCH) return;
        after = values[values.length - 1]!;
      }
    },
    async expired(now, staleBefore, limit) {
      const { rows } = await db.query('SELECT file_id FROM files WHERE expires_at <= $1 OR (NOT ready AND created_at < $2) LIMIT $3', [now, staleBefore, limit]);
      return (rows as Row[]).map((r) => r.file_id as string);
    },
  };
}
