import type Database from 'better-sqlite3';
import type { FileRecord, FileStore } from '../advanced-types.js';

type Row = Record<string, unknown>;

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
/** Values deleted per transaction when a file goes, so a big file never blocks for long. */
const DELETE_BATCH = 20_000;

/**
 * Uploaded audience files: one row per distinct value, keyed (file, value), so duplicates in
 * an upload collapse and resolving a file is a join with the devices' indexes.
 */
export function sqliteFileStore(db: Database.Database): FileStore {
  const s = {
    begin: db.prepare(
      `INSERT INTO files (file_id, owner_key, type, file_name, created_at, expires_at)
       VALUES (@fileId, @ownerKey, @type, @fileName, @createdAt, @expiresAt)`,
    ),
    value: db.prepare('INSERT OR IGNORE INTO file_values (file_id, value) VALUES (?, ?)'),
    count: db.prepare('SELECT count(*) FROM file_values WHERE file_id = ?').pluck(),
    commit: db.prepare('UPDATE files SET ready = 1, value_count = ?, expires_at = ? WHERE file_id = ?'),
    getAny: db.prepare('SELECT * FROM files WHERE file_id = ?'),
    get: db.prepare('SELECT * FROM files WHERE file_id = ? AND owner_key = ? AND ready = 1 AND expires_at > ?'),
    list: db.prepare('SELECT * FROM files WHERE owner_key = ? AND ready = 1 AND expires_at > ? ORDER BY created_at, file_id'),
    countLive: db.prepare('SELECT count(*) FROM files WHERE owner_key = ? AND expires_at > ?').pluck(),
    dropFile: db.prepare('DELETE FROM files WHERE file_id = ?'),
    dropValues: db.prepare(
      `DELETE FROM file_values WHERE file_id = ? AND value IN
         (SELECT value FROM file_values WHERE file_id = ? LIMIT ${DELETE_BATCH})`,
    ),
    byRegistrationId: db
      .prepare(
        `SELECT d.num FROM file_values v JOIN devices d ON d.registration_id = v.value
         WHERE v.file_id = ? AND d.app_key = ?`,
      )
      .pluck(),
    byAlias: db
      .prepare(
        `SELECT d.num FROM file_values v JOIN devices d ON d.app_key = ? AND d.alias = v.value
         WHERE v.file_id = ?`,
      )
      .pluck(),
    expired: db
      .prepare('SELECT file_id FROM files WHERE expires_at <= ? OR (ready = 0 AND created_at < ?) LIMIT ?')
      .pluck(),
  };
  const append = db.transaction((fileId: string, values: readonly string[]) => {
    for (const v of values) s.value.run(fileId, v);
  });

  return {
    async begin(record) {
      s.begin.run(record);
    },
    async append(fileId, values) {
      append.immediate(fileId, values);
    },
    async commit(fileId, expiresAt) {
      const count = Number(s.count.get(fileId));
      s.commit.run(count, expiresAt, fileId);
      return toFile(s.getAny.get(fileId) as Row);
    },
    async discard(fileId) {
      // the file row goes first: from then on nothing can push to it, while its values drain
      s.dropFile.run(fileId);
      while (s.dropValues.run(fileId, fileId).changes > 0) {
        await new Promise((r) => setImmediate(r));
      }
    },
    async get(ownerKey, fileId, now) {
      const row = s.get.get(fileId, ownerKey, now) as Row | undefined;
      return row ? toFile(row) : undefined;
    },
    async list(ownerKey, now) {
      return (s.list.all(ownerKey, now) as Row[]).map(toFile);
    },
    async countLive(ownerKey, now) {
      return Number(s.countLive.get(ownerKey, now));
    },
    async deviceNums(file, appKey, visit) {
      const rows =
        file.type === 'registration_id'
          ? (s.byRegistrationId.iterate(file.fileId, appKey) as IterableIterator<number>)
          : (s.byAlias.iterate(appKey, file.fileId) as IterableIterator<number>);
      let batch: number[] = [];
      for (const num of rows) {
        batch.push(num);
        if (batch.length === NUM_BATCH) {
          visit(batch);
          batch = [];
        }
      }
      if (batch.length > 0) visit(batch);
    },
    async expired(now, staleBefore, limit) {
      return s.expired.all(now, staleBefore, limit) as string[];
    },
  };
}
