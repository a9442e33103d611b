import type { Logger } from 'pino';
import type { AudienceSnapshotStore, ChangedDevice, IndexCursor, IndexSnapshotRead } from '../store/audience-snapshot-types.js';
import type { DeviceStore } from '../store/types.js';
import { AppIndex, applyChanges, scanApps, type AppIndexes } from './app-index.js';
import { decodeSnapshot, encodeSnapshot } from './index-snapshot.js';

export interface IndexPersistenceOptions {
  /** Beyond this many logged changes a full scan is cheaper than applying them one by one. */
  maxChanges: number;
  /** A new snapshot is stored once this many changes were applied on top of the old one. */
  saveAfterChanges: number;
  /** How often pending changes are folded into a new snapshot, in ms (0: never). */
  compactEveryMs: number;
}

export const DEFAULT_INDEX_PERSISTENCE: IndexPersistenceOptions = {
  maxChanges: 200_000,
  saveAfterChanges: 20_000,
  compactEveryMs: 10 * 60_000,
};

/** Bitmaps exact as of `cursor` (and perhaps a little after: later changes are applied again). */
export interface IndexState {
  apps: AppIndexes;
  cursor: IndexCursor;
}

/** What catching up yields: changes for the bitmaps in place, or a whole new state. */
export type IndexUpdate = { kind: 'changes'; changes: ChangedDevice[]; cursor: IndexCursor } | ({ kind: 'full' } & IndexState);

/**
 * Starts the audience index from its stored snapshot plus the devices changed since, instead of
 * scanning every device: a million devices load in a fraction of the scan's time. A snapshot
 * is only ever built from the store (a scan, or an older snapshot plus the logged changes),
 * never from a live index that bus events may have touched, and it is stored with the log
 * position it is exact at; one that is missing, unreadable or too far behind means a scan.
 */
export class IndexPersistence {
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  private compacting: Promise<boolean> | null = null;
  /** The snapshot being stored in the background, if any. */
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly devices: DeviceStore,
    private readonly snapshots: AudienceSnapshotStore,
    logger: Logger,
    private readonly options: IndexPersistenceOptions = DEFAULT_INDEX_PERSISTENCE,
  ) {
    this.log = logger.child({ component: 'audience-snapshot' });
  }

  /** The whole index: from the stored snapshot when it can be used, else from a scan. */
  async load(): Promise<IndexState> {
    const update = await this.since(null, true);
    if (update.kind !== 'full') throw new Error('a read without a cursor returns a whole index');
    return update;
  }

  /**
   * What changed after `cursor` (an index already loaded), or a whole new state when the log
   * no longer reaches back that far; with no cursor, always a whole state.
   */
  async since(cursor: IndexCursor | null, storeWhenBehind = true): Promise<IndexUpdate> {
    const started = performance.now();
    let read: IndexSnapshotRead;
    try {
      read = await this.snapshots.read(cursor, this.options.maxChanges);
    } catch (err) {
      this.log.warn({ err }, 'the stored audience snapshot could not be read; scanning the store');
      return { kind: 'full', ...(await this.rebuild(storeWhenBehind)) };
    }
    if (read.kind === 'changes') return read;
    if (read.kind === 'snapshot') {
      let apps: AppIndexes;
      try {
        apps = new Map([...decodeSnapshot(read.snapshot.data)].map(([k, a]) => [k, AppIndex.from(a)]));
      } catch (err) {
        this.log.warn({ err }, 'the stored audience snapshot is unreadable; scanning the store');
        return { kind: 'full', ...(await this.rebuild(storeWhenBehind)) };
      }
      applyChanges(apps, read.changes);
      if (storeWhenBehind && read.changes.length >= this.options.saveAfterChanges) this.store(apps, read.cursor);
      this.log.info({ ms: Math.round(performance.now() - started), changes: read.changes.length }, 'audience index loaded from its snapshot');
      return { kind: 'full', apps, cursor: read.cursor };
    }
    if (read.kind === 'too-many') this.log.info({ changes: read.changes }, 'the audience snapshot is far behind; scanning the store');
    return { kind: 'full', ...(await this.rebuild(storeWhenBehind)) };
  }

  /** A scan of the store, stored as the new snapshot (`store`). */
  private async rebuild(store: boolean): Promise<IndexState> {
    const started = performance.now();
    // read first: the scan then holds every change up to it
    const cursor = await this.snapshots.cursor();
    const apps = await scanApps(this.devices);
    if (store) this.store(apps, cursor);
    this.log.info({ ms: Math.round(performance.now() - started) }, 'audience index rebuilt from the store');
    return { apps, cursor };
  }

  /** Encodes now (before anything can touch the bitmaps), stores in the background. */
  private store(apps: AppIndexes, cursor: IndexCursor): void {
    const data = encodeSnapshot(apps);
    this.saving = this.saving
      .then(() => this.snapshots.save(data, cursor, Date.now()))
      .then(
        () => {},
        (err: unknown) => this.log.warn({ err }, 'storing the audience snapshot failed'),
      );
  }

  /** Waits for snapshots being stored in the background. */
  flush(): Promise<void> {
    return this.saving;
  }

  /**
   * Folds the logged changes into a new stored snapshot (old snapshot plus changes, or a scan),
   * without touching any live index. Returns whether there was anything to fold.
   */
  compact(): Promise<boolean> {
    this.compacting ??= this.runCompaction().finally(() => {
      this.compacting = null;
    });
    return this.compacting;
  }

  private async runCompaction(): Promise<boolean> {
    if ((await this.snapshots.pendingChanges()) === 0) return false;
    const state = await this.since(null, false);
    if (state.kind !== 'full') return false;
    await this.snapshots.save(encodeSnapshot(state.apps), state.cursor, Date.now());
    return true;
  }

  /** Compacts on a timer, when enough changes piled up. */
  start(): void {
    if (this.options.compactEveryMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.compactIfDue(), this.options.compactEveryMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.compacting?.catch(() => {});
    await this.saving;
  }

  private async compactIfDue(): Promise<void> {
    try {
      if ((await this.snapshots.pendingChanges()) >= this.options.saveAfterChanges) await this.compact();
    } catch (err) {
      this.log.warn({ err }, 'compacting the audience snapshot failed');
    }
  }
}
