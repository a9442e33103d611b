import type { CidRecord, CidStore } from '../types.js';
import { num, numOrNull, type Db, type Row } from './db.js';

function toCid(row: Row): CidRecord {
  return {
    cid: row.cid as string,
    appKey: row.app_key as string,
    type: row.type as CidRecord['type'],
    issuedAt: num(row.issued_at),
    msgId: row.msg_id == null ? null : String(row.msg_id),
    sendno: (row.sendno as string | null) ?? null,
    usedAt: numOrNull(row.used_at),
  };
}

export function postgresCidStore(db: Db): CidStore {
  return {
    async issue(records) {
      if (records.length === 0) return;
      await db.query(
        `INSERT INTO cids (cid, app_key, type, issued_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])`,
        [records.map((r) => r.cid), records.map((r) => r.appKey), records.map((r) => r.type), records.map((r) => r.issuedAt)],
      );
    },
    async get(cid) {
      const { rows } = await db.query('SELECT * FROM cids WHERE cid = $1', [cid]);
      return rows[0] ? toCid(rows[0]) : undefined;
    },
  };
}
