import type Database from 'better-sqlite3';
import type { DevicePlatform } from '../../domain/device.js';
import type { AudienceSnapshotStore, ChangedDevice, IndexCursor, IndexSnapshotRead } from '../audience-snapshot-types.js';

/**
 * The persisted audience index on SQLite. One writer commits at a time, so log numbers follow
 * commit order: everything up to a cursor's `seq` is committed when it is read.
 */
export function sqliteAudienceSnapshotStore(db: Database.Database): AudienceSnapshotStore {
  const s = {
    // AUTOINCREMENT keeps the highest number handed out here, even once the log is trimmed
    lastSeq: db.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audience_changes'), 0)").pluck(),
    snapshot: db.prepare('SELECT seq, data, saved_at FROM audience_snapshot WHERE id = 1'),
    snapshotSeq: db.prepare('SELECT seq FROM audience_snapshot WHERE id = 1').pluck(),
    countAfter: db.prepare('SELECT count(*) FROM audience_changes WHERE seq > ?').pluck(),
    countAll: db.prepare('SELECT count(*) FROM audience_changes').pluck(),
    changedAfter: db.prepare('SELECT app_key, num, tag FROM audience_changes WHERE seq > ? ORDER BY seq').raw(),
    device: db.prepare('SELECT platform FROM devices WHERE app_key = ? AND num = ?').pluck(),
    tagsOf: db.prepare('SELECT tag FROM device_tags WHERE app_key = ? AND num = ?').pluck(),
    save: db.prepare(
      `INSERT INTO audience_snapshot (id, seq, data, saved_at) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, data = excluded.data, saved_at = excluded.saved_at`,
    ),
    trim: db.prepare('DELETE FROM audience_changes WHERE seq <= ?'),
  };
  const cursor = (): IndexCursor => ({ seq: Number(s.lastSeq.get()), horizon: null });

  /** The devices logged after `seq`, each with its current platform and tags. */
  const changedAfter = (seq: number): ChangedDevice[] => {
    const byDevice = new Map<string, ChangedDevice>();
    for (const [appKey, num, tag] of s.changedAfter.iterate(seq) as Iterable<[string, number, string | null]>) {
      const key = `${appKey}\u0000${num}`;
      let d = byDevice.get(key);
      if (!d) byDevice.set(key, (d = { appKey, num: Number(num), platform: undefined, tags: [], touched: [] }));
      if (tag !== null && !d.touched.includes(tag)) d.touched.push(tag);
    }
    for (const d of byDevice.values()) {
      d.platform = (s.device.get(d.appKey, d.num) as DevicePlatform | undefined) ?? undefined;
      d.tags = s.tagsOf.all(d.appKey, d.num) as string[];
    }
    return [...byDevice.values()];
  };

  const read = db.transaction((since: IndexCursor | null, maxChanges: number): IndexSnapshotRead => {
    const now = cursor();
    const storedSeq = s.snapshotSeq.get() as number | undefined;
    // the log still holds everything after the caller's cursor: it was not trimmed past it
    if (since !== null && (storedSeq === undefined || Number(storedSeq) <= since.seq)) {
      const count = Number(s.countAfter.get(since.seq));
      if (count > maxChanges) return { kind: 'too-many', cursor: now, changes: count };
      return { kind: 'changes', cursor: now, changes: changedAfter(since.seq) };
    }
    const row = s.snapshot.get() as { seq: number; data: Buffer; saved_at: number } | undefined;
    if (!row) return { kind: 'none', cursor: now };
    const seq = Number(row.seq);
    const count = Number(s.countAfter.get(seq));
    if (count > maxChanges) return { kind: 'too-many', cursor: now, changes: count };
    return {
      kind: 'snapshot',
      snapshot: { data: row.data, cursor: { seq, horizon: null }, savedAt: Number(row.saved_at) },
      cursor: now,
      changes: changedAfter(seq),
    };
  });

  const save = db.transaction((data: Buffer, at: IndexCursor, savedAt: number): boolean => {
    const stored = s.snapshotSeq.get() as number | undefined;
    // an equal one is replaced: it may be the corrupt snapshot this one was rebuilt after
    if (stored !== undefined && Number(stored) > at.seq) return false;
    s.save.run(at.seq, data, savedAt);
    s.trim.run(at.seq);
    return true;
  });

  return {
    async read(since, maxChanges) {
      return read(since, maxChanges);
    },
    async cursor() {
      return cursor();
    },
    async save(data, at, savedAt) {
      return save.immediate(data, at, savedAt);
    },
    async pendingChanges() {
      return Number(s.countAll.get());
    },
  };
}
