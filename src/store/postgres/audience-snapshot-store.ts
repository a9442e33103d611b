import type { DevicePlatform } from '../../domain/device.js';
import type { AudienceSnapshotStore, ChangedDevice, IndexCursor, IndexSnapshotRead } from '../audience-snapshot-types.js';
import { num, type Db, type Queryable } from './db.js';

/**
 * Where the log stands, read in one statement: the last number handed out, and the oldest
 * transaction still running. A change numbered at or below `seq` but not visible yet belongs
 * to a transaction at or above the horizon, so "after a cursor" is `seq > $seq OR xid >= $horizon`.
 */
const CURSOR_SQL = `SELECT (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM audience_changes_seq_seq)::text AS seq,
                           pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`;
const AFTER = 'seq > $1 OR xid >= $2::xid8';

async function cursorOf(q: Queryable): Promise<IndexCursor> {
  const { rows } = await q.query<{ seq: string; horizon: string }>(CURSOR_SQL);
  return { seq: num(rows[0]!.seq), horizon: rows[0]!.horizon };
}

/** a <= b for cursors: everything `a` leaves to be applied again, `b` does too. */
function coveredBy(a: IndexCursor, b: IndexCursor): boolean {
  return a.seq <= b.seq && BigInt(a.horizon ?? '0') <= BigInt(b.horizon ?? '0');
}

/** The devices logged after `after`, each with its current platform and tags. */
async function changedAfter(q: Queryable, after: IndexCursor): Promise<ChangedDevice[]> {
  const params = [after.seq, after.horizon ?? '0'];
  const changed = `SELECT DISTINCT app_key, num FROM audience_changes WHERE ${AFTER}`;
  const devices = await q.query<{ app_key: string; num: number; platform: DevicePlatform | null }>(
    `SELECT c.app_key, c.num, d.platform FROM (${changed}) c LEFT JOIN devices d USING (app_key, num)`,
    params,
  );
  const byDevice = new Map<string, ChangedDevice>();
  const key = (appKey: string, n: number) => `${appKey}\u0000${n}`;
  for (const r of devices.rows) {
    byDevice.set(key(r.app_key, num(r.num)), { appKey: r.app_key, num: num(r.num), platform: r.platform ?? undefined, tags: [], touched: [] });
  }
  const touched = await q.query<{ app_key: string; num: number; tag: string }>(
    `SELECT DISTINCT app_key, num, tag FROM audience_changes WHERE (${AFTER}) AND tag IS NOT NULL`,
    params,
  );
  for (const r of touched.rows) byDevice.get(key(r.app_key, num(r.num)))?.touched.push(r.tag);
  const tags = await q.query<{ app_key: string; num: number; tag: string }>(
    `SELECT t.app_key, t.num, t.tag FROM device_tags t JOIN (${changed}) c USING (app_key, num)`,
    params,
  );
  for (const r of tags.rows) byDevice.get(key(r.app_key, num(r.num)))?.tags.push(r.tag);
  return [...byDevice.values()];
}

async function countAfter(q: Queryable, after: IndexCursor): Promise<number> {
  const { rows } = await q.query<{ n: string }>(`SELECT count(*) AS n FROM audience_changes WHERE ${AFTER}`, [after.seq, after.horizon ?? '0']);
  return num(rows[0]?.n);
}

/** The persisted audience index on PostgreSQL (see the migration for the log's numbering). */
export function postgresAudienceSnapshotStore(db: Db): AudienceSnapshotStore {
  return {
    read(since, maxChanges) {
      return db.tx(async (q): Promise<IndexSnapshotRead> => {
        // one snapshot for every statement: the stored bitmaps and the log agree
        await q.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        const now = await cursorOf(q);
        const { rows } = await q.query<{ seq: string; horizon: string; data: Buffer; saved_at: string }>(
          'SELECT seq, horizon::text AS horizon, data, saved_at FROM audience_snapshot WHERE id = 1',
        );
        const row = rows[0];
        const stored = row && { seq: num(row.seq), horizon: row.horizon };
        // the log still holds everything after the caller's cursor: it was not trimmed past it
        if (since !== null && (stored === undefined || coveredBy(stored, since))) {
          const count = await countAfter(q, since);
          if (count > maxChanges) return { kind: 'too-many', cursor: now, changes: count };
          return { kind: 'changes', cursor: now, changes: await changedAfter(q, since) };
        }
        if (!row || !stored) return { kind: 'none', cursor: now };
        const count = await countAfter(q, stored);
        if (count > maxChanges) return { kind: 'too-many', cursor: now, changes: count };
        return {
          kind: 'snapshot',
          snapshot: { data: row.data, cursor: stored, savedAt: num(row.saved_at) },
          cursor: now,
          changes: await changedAfter(q, stored),
        };
      });
    },
    cursor() {
      return cursorOf(db);
    },
    save(data, at, savedAt) {
      return db.tx(async (q) => {
        // an equal one is replaced: it may be the corrupt snapshot this one was rebuilt after
        const { rowCount } = await q.query(
          `INSERT INTO audience_snapshot (id, seq, horizon, data, saved_at) VALUES (1, $1, $2::xid8, $3, $4)
           ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, horizon = excluded.horizon, data = excluded.data, saved_at = excluded.saved_at
           WHERE audience_snapshot.seq <= excluded.seq AND audience_snapshot.horizon <= excluded.horizon`,
          [at.seq, at.horizon ?? '0', data, savedAt],
        );
        if (rowCount === 0) return false;
        // what the snapshot covers for certain: numbered up to it, committed before its horizon
        await q.query('DELETE FROM audience_changes WHERE seq <= $1 AND xid < $2::xid8', [at.seq, at.horizon ?? '0']);
        return true;
      });
    },
    async pendingChanges() {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM audience_changes');
      return num(rows[0]?.n);
    },
  };
}
