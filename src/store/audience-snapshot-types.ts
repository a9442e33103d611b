import type { DevicePlatform } from '../domain/device.js';

/**
 * Where the store's devices and tag memberships stood when something was read: every change
 * to them is logged with an ascending sequence number, and `seq` is the highest one seen.
 * `horizon` (PostgreSQL): the oldest transaction still running then; its changes and younger
 * ones may carry lower numbers than `seq` and are applied again. SQLite commits in order: null.
 */
export interface IndexCursor {
  seq: number;
  horizon: string | null;
}

/** The serialized audience index as stored, with the point it was taken at. */
export interface StoredIndexSnapshot {
  data: Buffer;
  cursor: IndexCursor;
  savedAt: number;
}

/** One device whose index entries changed after a snapshot, as the store holds it now. */
export interface ChangedDevice {
  appKey: string;
  num: number;
  /** Undefined once the device is gone. */
  platform: DevicePlatform | undefined;
  /** Every tag it has now. */
  tags: string[];
  /** Tags added or removed since the snapshot (it may have some of them again). */
  touched: string[];
}

/**
 * What one consistent read returned: the changes after the caller's own cursor ('changes'),
 * or the stored snapshot and the changes after it ('snapshot'), or neither ('none': no
 * snapshot; 'too-many': more changes than asked for, rebuilding is faster). `cursor`: where
 * the snapshot plus the changes stand.
 */
export type IndexSnapshotRead =
  | { kind: 'none'; cursor: IndexCursor }
  | { kind: 'too-many'; cursor: IndexCursor; changes: number }
  | { kind: 'changes'; cursor: IndexCursor; changes: ChangedDevice[] }
  | { kind: 'snapshot'; snapshot: StoredIndexSnapshot; cursor: IndexCursor; changes: ChangedDevice[] };

/**
 * The persisted audience index: a snapshot of the bitmaps, and a log of device and tag changes
 * after it (written by the database itself, so no write path can forget it). Loading is the
 * snapshot plus the current state of every device changed since; the store stays the truth.
 */
export interface AudienceSnapshotStore {
  /**
   * In one read transaction: the devices changed after `since` (an index already loaded, when
   * the log still covers it), else the stored snapshot and the devices changed after it; or
   * 'too-many' when more than `maxChanges` changes were logged (rebuilding is faster then).
   */
  read(since: IndexCursor | null, maxChanges: number): Promise<IndexSnapshotRead>;
  /**
   * Where the log stands now. Read before a full scan: the scan reflects every change up to
   * it (and maybe some after, which are applied again later).
   */
  cursor(): Promise<IndexCursor>;
  /**
   * Stores a snapshot exact at `cursor` unless a newer one is stored, and drops the logged
   * changes it covers. Returns whether it was stored.
   */
  save(data: Buffer, cursor: IndexCursor, at: number): Promise<boolean>;
  /** Logged changes not yet covered by the stored snapshot (when to take a new one). */
  pendingChanges(): Promise<number>;
}
