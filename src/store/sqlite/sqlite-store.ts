import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DevicePlatform } from '../../domain/device.js';
import type { AcceptedPush } from '../../domain/push.js';
import type {
  AppLimitsPatch,
  AppRecord,
  AppStore,
  CallbackBatch,
  CallbackStore,
  CidRecord,
  CidStore,
  DeviceStore,
  EmasStore,
  InboxEntry,
  LivePushRow,
  NonceClaim,
  PushHead,
  PushStore,
  ReceiptRow,
  RetentionStore,
  TargetSet,
  Store,
  SealedCredentialStore,
  StoreStats,
} from '../types.js';
import type { RelayQueue } from '../relay-types.js';
import { sqliteSealedCredentialStore } from './channel-credential-store.js';
import { relayEnqueuer, sqliteRelayQueue } from './relay-store.js';
import { sqliteVendorStore } from './vendor-store.js';
import type { VendorStore } from '../vendor-types.js';
import type { FileStore, GroupStore, ScheduleStore } from '../advanced-types.js';
import type { ClusterStore } from '../cluster-types.js';
import { sqliteCallbackStore } from './callback-store.js';
import { sqliteDeviceStore } from './device-store.js';
import { sqliteEmasStore } from './emas-store.js';
import { claimRiders, SqliteNonceLog } from './emas-nonce-log.js';
import { sqlitePacingStore } from './pacing-store.js';
import { sqliteAudienceSnapshotStore } from './audience-snapshot-store.js';
import type { AudienceSnapshotStore } from '../audience-snapshot-types.js';
import type { PacingStore } from '../pacing-types.js';
import { sqliteSegmentStore } from './segment-store.js';
import type { SegmentStore } from '../segment-types.js';
import { sqliteActivityStore } from './activity-store.js';
import type { ActivityStore } from '../activity-types.js';
import { sqliteSmsStore } from './sms-store.js';
import type { SmsStore } from '../sms-types.js';
import type { UmsStore } from '../ums-types.js';
import { sqliteUmsStore } from './ums-store.js';
import type { LiveActivityTokenStore } from '../live-activity-types.js';
import { sqliteLiveActivityStore } from './live-activity-store.js';
import { sqliteFileStore } from './file-store.js';
import { sqliteGroupStore } from './group-store.js';
import { sqliteScheduleStore } from './schedule-store.js';
import { sqliteConsoleStore } from './console-store.js';
import type { ConsoleStore } from '../console-types.js';
import { MIGRATIONS } from './migrations.js';
import { mergeReceipts } from '../receipt-merge.js';
import { limitWal, prepareVacuum, sqliteRetention } from './retention.js';
import { SqliteStoreStats } from './store-stats.js';
import { DeferredSync, GroupCommit } from './group-commit.js';
import { BackgroundCheckpointer } from './checkpointer.js';

export interface SqliteOptions {
  /** Database file path, or ':memory:'. */
  path: string;
  /** FULL fsyncs every commit (safe against power loss); NORMAL only against process crashes. */
  synchronous: 'full' | 'normal';
  /**
   * Switch an existing file without incremental auto-vacuum to it now, if it is small enough
   * (the server does at start; short-lived CLI commands must not hold the file that long).
   */
  convertVacuum?: boolean;
  /** The long-running owner of the file checkpoints its log from a worker thread (checkpointer.ts). */
  backgroundCheckpoints?: boolean;
}

type Row = Record<string, unknown>;

/** One push of a commit, with the SignatureNonce its request uses up in the same commit, if any. */
interface PushItem {
  push: AcceptedPush;
  targets: TargetSet;
  nonce?: NonceClaim;
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

function toApp(row: Row): AppRecord {
  return {
    appKey: row.app_key as string,
    name: row.name as string,
    secretHash: row.secret_hash as Buffer,
    createdAt: Number(row.created_at),
    rateLimit: row.rate_limit == null ? null : Number(row.rate_limit),
    rateWindow: row.rate_window == null ? null : Number(row.rate_window),
    broadcastPerDay: row.broadcast_per_day == null ? null : Number(row.broadcast_per_day),
  };
}

function toCid(row: Row): CidRecord {
  return {
    cid: row.cid as string,
    appKey: row.app_key as string,
    type: row.type as CidRecord['type'],
    issuedAt: Number(row.issued_at),
    msgId: row.msg_id == null ? null : String(row.msg_id),
    sendno: (row.sendno as string | null) ?? null,
    usedAt: row.used_at == null ? null : Number(row.used_at),
  };
}

export class SqliteStore implements Store {
  readonly db: Database.Database;
  readonly apps: AppStore;
  readonly pushes: PushStore;
  readonly cids: CidStore;
  readonly devices: DeviceStore;
  readonly callbacks: CallbackStore;
  readonly relay: RelayQueue;
  readonly channelCredentials: SealedCredentialStore;
  readonly emas: EmasStore;
  readonly pacing: PacingStore;
  readonly segments: SegmentStore;
  readonly activity: ActivityStore;
  readonly sms: SmsStore;
  readonly ums: UmsStore;
  readonly liveActivities: LiveActivityTokenStore;
  readonly vendors: VendorStore;
  readonly retention: RetentionStore;
  /** The file gives space freed by retention back to the file system (see retention.ts). */
  readonly reclaimable: boolean;
  readonly schedules: ScheduleStore;
  readonly files: FileStore;
  readonly groups: GroupStore;
  readonly console: ConsoleStore;
  readonly cluster: ClusterStore;
  readonly audienceSnapshots: AudienceSnapshotStore;
  private readonly pushCommits: GroupCommit<PushItem>;
  private readonly deferred: DeferredSync | null;
  private readonly checkpointer: BackgroundCheckpointer | null;
  private readonly pingStatement: Database.Statement;
  private readonly statsReader: SqliteStoreStats;

  constructor(options: SqliteOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    const db = new Database(options.path);
    this.db = db;
    // CLI commands share the file with a running server; wait for its write lock briefly.
    db.pragma('busy_timeout = 5000');
    this.reclaimable = prepareVacuum(db, options.path, options.convertVacuum ?? false);
    db.pragma('journal_mode = WAL');
    limitWal(db);
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    migrate(db);
    this.checkpointer = options.backgroundCheckpoints && options.path !== ':memory:' ? new BackgroundCheckpointer(db, options.path) : null;

    const s = {
      appInsert: db.prepare(
        `INSERT INTO apps (app_key, name, secret_hash, created_at, rate_limit, rate_window, broadcast_per_day)
         VALUES (@appKey, @name, @secretHash, @createdAt, @rateLimit, @rateWindow, @broadcastPerDay)`,
      ),
      appInsertFirst: db.prepare(
        `INSERT INTO apps (app_key, name, secret_hash, created_at, rate_limit, rate_window, broadcast_per_day)
         SELECT @appKey, @name, @secretHash, @createdAt, @rateLimit, @rateWindow, @broadcastPerDay WHERE NOT EXISTS (SELECT 1 FROM apps)`,
      ),
      appGet: db.prepare('SELECT * FROM apps WHERE app_key = ?'),
      appList: db.prepare('SELECT * FROM apps ORDER BY created_at, app_key'),
      appCount: db.prepare('SELECT count(*) AS n FROM apps').pluck(),
      appSecret: db.prepare('UPDATE apps SET secret_hash = ? WHERE app_key = ?'),
      smsJobInsert: db.prepare('INSERT OR IGNORE INTO sms_jobs (msg_id, app_key, due_at) VALUES (?, ?, ?)'),
      inboxPage: db
        .prepare(
          `SELECT i.msg_id AS i_id, p.msg_id, p.body, p.created_at, p.expires_at, p.targets, p.revoked_at,
                  p.overridden_by, r.msg_id AS r_id, r.sent, r.acked, r.clicked, r.withdrawn
           FROM inbox i LEFT JOIN pushes p ON p.msg_id = i.msg_id LEFT JOIN push_receipts r ON r.msg_id = i.msg_id
           WHERE i.app_key = ? AND i.num = ? AND i.expires_at > ? AND i.msg_id > ? ORDER BY i.msg_id LIMIT ?`,
        )
        .safeIntegers(true),
      inboxDelete: db.prepare('DELETE FROM inbox WHERE app_key = ? AND num = ? AND msg_id = ?'),
      inboxExpired: db
        .prepare(
          `SELECT i.app_key, i.num, i.msg_id, d.registration_id, d.platform,
                  p.revoked_at IS NOT NULL OR p.overridden_by IS NOT NULL AS withdrawn
           FROM inbox i
           JOIN devices d ON d.app_key = i.app_key AND d.num = i.num
           JOIN pushes p ON p.msg_id = i.msg_id
           WHERE i.expires_at <= ? LIMIT ?`,
        )
        .safeIntegers(true),
      pushLive: db
        .prepare(
          `SELECT p.msg_id, p.body, p.created_at, p.expires_at, p.targets, p.revoked_at, p.overridden_by,
                  r.msg_id AS r_id, r.sent, r.acked, r.clicked, r.withdrawn
           FROM pushes p LEFT JOIN push_receipts r ON r.msg_id = p.msg_id
           WHERE p.expires_at > ? AND (p.inbox = 0 OR p.revoked_at IS NOT NULL) ORDER BY p.msg_id`,
        )
        .safeIntegers(true),
      pushLiveOne: db
        .prepare(
          `SELECT p.msg_id, p.body, p.created_at, p.expires_at, p.targets, p.revoked_at, p.overridden_by,
                  r.msg_id AS r_id, r.sent, r.acked, r.clicked, r.withdrawn
           FROM pushes p LEFT JOIN push_receipts r ON r.msg_id = p.msg_id WHERE p.msg_id = ?`,
        )
        .safeIntegers(true),
      pushRevoke: db.prepare('UPDATE pushes SET revoked_at = ? WHERE msg_id = ? AND revoked_at IS NULL'),
      pushOverride: db.prepare('UPDATE pushes SET overridden_by = ? WHERE msg_id = ?'),
      receiptUpsert: db.prepare(
        `INSERT INTO push_receipts (msg_id, sent, acked, clicked, withdrawn) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (msg_id) DO UPDATE SET sent = excluded.sent, acked = excluded.acked,
           clicked = excluded.clicked, withdrawn = excluded.withdrawn`,
      ),
      receiptRow: db.prepare('SELECT msg_id AS r_id, sent, acked, clicked, withdrawn FROM push_receipts WHERE msg_id = ?'),
      receiptGet: db
        .prepare(
          `SELECT p.msg_id, p.app_key, p.created_at, p.expires_at, p.revoked_at, p.targets,
                  r.msg_id AS r_id, r.sent, r.acked, r.clicked, r.withdrawn
           FROM pushes p LEFT JOIN push_receipts r ON r.msg_id = p.msg_id WHERE p.msg_id = ?`,
        )
        .safeIntegers(true),
      callbackInsert: db.prepare(
        'INSERT INTO callback_queue (app_key, url, body, created_at, next_at) VALUES (?, ?, ?, ?, ?)',
      ),
      cidUse: db.prepare('UPDATE cids SET msg_id = ?, sendno = ?, used_at = ? WHERE cid = ? AND msg_id IS NULL'),
      pushGet: db.prepare('SELECT msg_id, body, created_at, expires_at FROM pushes WHERE msg_id = ?').safeIntegers(true),
      pushHead: db
        .prepare('SELECT msg_id, app_key, created_at, expires_at, revoked_at FROM pushes WHERE msg_id = ?')
        .safeIntegers(true),
      broadcastCount: db
        .prepare('SELECT count(*) FROM pushes WHERE app_key = ? AND broadcast = 1 AND created_at >= ?')
        .pluck(),
      maxMsgId: db.prepare('SELECT max(msg_id) FROM pushes').pluck().safeIntegers(true),
      cidInsert: db.prepare(
        'INSERT INTO cids (cid, app_key, type, issued_at) VALUES (@cid, @appKey, @type, @issuedAt)',
      ),
      cidGet: db.prepare('SELECT * FROM cids WHERE cid = ?').safeIntegers(true),
    };

    const enqueueRelay = relayEnqueuer(db);
    const pushRows = new RowWriter(
      db,
      'INSERT INTO pushes (msg_id, app_key, created_at, expires_at, broadcast, body, targets, target_count, inbox) VALUES',
      9,
      32,
    );
    const inboxRows = new RowWriter(db, 'INSERT OR IGNORE INTO inbox (app_key, num, msg_id, expires_at) VALUES', 4, 64);
    // EMAS SignatureNonces: the log is shared by the EMAS store's own claims and by pushes that
    // carry their request's nonce into their commit
    const nonces = new SqliteNonceLog(db);
    const insertPushes = db.transaction((batch: PushItem[]): unknown[] | undefined => {
      pushRows.clear();
      inboxRows.clear();
      const { items, refused } = claimRiders(nonces, batch);
      const ids = items.map(({ push: p, targets }) => {
        const { msgId, createdAt, expiresAt, ...content } = p;
        const id = BigInt(msgId);
        pushRows.add(
          id,
          p.appKey,
          createdAt,
          expiresAt,
          p.audience.all === true ? 1 : 0,
          JSON.stringify(content),
          targets.bitmap,
          targets.count,
          targets.inbox === undefined ? 0 : 1,
        );
        return id;
      });
      // every push row is written before the rows that refer to one
      pushRows.flush();
      items.forEach(({ push: p, targets }, i) => {
        const id = ids[i]!;
        const { createdAt, expiresAt } = p;
        if (targets.inbox !== undefined) for (const num of targets.inbox) inboxRows.add(p.appKey, num, id, expiresAt);
        if (targets.relay !== undefined) enqueueRelay(id, p.appKey, targets.relay, createdAt);
        if (p.cid !== undefined) s.cidUse.run(id, p.sendno, createdAt, p.cid);
        // SMS supplement: due delay_time after the push, durable with it
        const delay = p.smsMessage?.delay_time;
        if (typeof delay === 'number') s.smsJobInsert.run(id, p.appKey, createdAt + delay * 1000);
        const overridden = p.options.overrideMsgId;
        if (overridden !== undefined) s.pushOverride.run(id, toBigInt(overridden));
      });
      inboxRows.flush();
      return refused;
    });
    const writePushes = (batch: PushItem[]) => {
      try {
        return insertPushes.immediate(batch);
      } catch (err) {
        // the nonce log's memory may hold claims the rollback took back
        if (batch.some((b) => b.nonce !== undefined)) nonces.forget();
        throw err;
      }
    };
    // With fsync per commit, the hot writes (pushes, receipts) commit without SQLite's own
    // fsync and sync the log on the thread pool before anyone is answered: the disk wait
    // leaves the event loop (group-commit.ts).
    const deferred = options.synchronous === 'full' && options.path !== ':memory:' ? new DeferredSync(db, options.path) : null;
    this.deferred = deferred;
    this.pushCommits = deferred
      ? new GroupCommit((items) => {
          let refused: unknown[] | undefined;
          deferred.commitUnsynced(() => (refused = writePushes(items)));
          return refused;
        }, deferred.wal.sync)
      : new GroupCommit(writePushes);
    const saveReceipts = db.transaction(
      (rows: readonly ReceiptRow[], callbacks: readonly CallbackBatch[], done: readonly InboxEntry[]) => {
        // merged into what is stored, never overwriting it: a save holding less (another
        // process's view, or an older one) must not take receipts away
        for (const r of rows) {
          const id = toBigInt(r.msgId);
          const stored = s.receiptRow.get(id) as Row | undefined;
          const row = stored ? mergeReceipts(toReceipts(stored)!, r) : r;
          s.receiptUpsert.run(id, row.sent, row.acked, row.clicked, row.withdrawn);
        }
        for (const c of callbacks) s.callbackInsert.run(c.appKey, c.url, c.body, c.createdAt, c.createdAt);
        for (const d of done) s.inboxDelete.run(d.appKey, d.num, toBigInt(d.msgId));
      },
    );

    this.emas = sqliteEmasStore(db, deferred, nonces);
    this.apps = {
      async create(app) {
        s.appInsert.run(app);
      },
      async createFirst(app) {
        // one statement: SQLite's single writer makes the check and the insert one step
        return s.appInsertFirst.run(app).changes === 1;
      },
      async get(appKey) {
        const row = s.appGet.get(appKey) as Row | undefined;
        return row ? toApp(row) : undefined;
      },
      async list() {
        return (s.appList.all() as Row[]).map(toApp);
      },
      async count() {
        return Number(s.appCount.get());
      },
      async updateSecret(appKey, secretHash) {
        return s.appSecret.run(secretHash, appKey).changes === 1;
      },
      async updateLimits(appKey: string, patch: AppLimitsPatch) {
        const columns: Record<keyof AppLimitsPatch, string> = {
          rateLimit: 'rate_limit',
          rateWindow: 'rate_window',
          broadcastPerDay: 'broadcast_per_day',
        };
        const keys = (Object.keys(patch) as (keyof AppLimitsPatch)[]).filter((k) => patch[k] !== undefined);
        if (keys.length === 0) return s.appGet.get(appKey) !== undefined;
        const sql = `UPDATE apps SET ${keys.map((k) => `${columns[k]} = ?`).join(', ')} WHERE app_key = ?`;
        return db.prepare(sql).run(...keys.map((k) => patch[k] ?? null), appKey).changes === 1;
      },
    };

    const pushCommits = this.pushCommits;
    this.pushes = {
      insert: (push, targets, nonce) => {
        if (nonce === undefined) return pushCommits.add({ push, targets });
        // a nonce is decided against the whole log, read once per process before the first
        return nonces.loaded ? pushCommits.add({ push, targets, nonce }) : nonces.ready().then(() => pushCommits.add({ push, targets, nonce }));
      },
      async get(msgId) {
        const row = s.pushGet.get(toBigInt(msgId)) as Row | undefined;
        return row ? toPush(row) : undefined;
      },
      async live(now): Promise<LivePushRow[]> {
        return (s.pushLive.all(now) as Row[]).map(toLivePushRow);
      },
      async liveOne(msgId) {
        const row = s.pushLiveOne.get(toBigInt(msgId)) as Row | undefined;
        return row ? toLivePushRow(row) : undefined;
      },
      async inboxPage(appKey, num, now, after, limit) {
        const rows = s.inboxPage.all(appKey, num, now, after === null ? 0n : toBigInt(after), limit) as Row[];
        return rows.map((row) => ({ msgId: String(row.i_id), row: row.msg_id == null ? undefined : toLivePushRow(row) }));
      },
      async expiredInbox(now, limit) {
        return (s.inboxExpired.all(now, limit) as Row[]).map((row) => ({
          appKey: row.app_key as string,
          num: Number(row.num),
          msgId: String(row.msg_id),
          registrationId: row.registration_id as string,
          platform: row.platform as DevicePlatform,
          withdrawn: Number(row.withdrawn) === 1,
        }));
      },
      async markRevoked(msgId, at) {
        s.pushRevoke.run(at, toBigInt(msgId));
      },
      async saveReceipts(rows, callbacks, done = []) {
        if (rows.length === 0 && callbacks.length === 0 && done.length === 0) return;
        if (!deferred) return void saveReceipts.immediate(rows, callbacks, done);
        deferred.commitUnsynced(() => saveReceipts.immediate(rows, callbacks, done));
        await deferred.wal.sync();
      },
      async receipts(msgId) {
        const row = s.receiptGet.get(toBigInt(msgId)) as Row | undefined;
        if (!row) return undefined;
        return {
          head: {
            msgId: String(row.msg_id),
            appKey: row.app_key as string,
            createdAt: Number(row.created_at),
            expiresAt: Number(row.expires_at),
            revokedAt: row.revoked_at == null ? null : Number(row.revoked_at),
          },
          targets: row.targets as Buffer,
          receipts: toReceipts(row),
        };
      },
      async head(msgId): Promise<PushHead | undefined> {
        const row = s.pushHead.get(toBigInt(msgId)) as Row | undefined;
        if (!row) return undefined;
        return {
          msgId: String(row.msg_id),
          appKey: row.app_key as string,
          createdAt: Number(row.created_at),
          expiresAt: Number(row.expires_at),
          revokedAt: row.revoked_at == null ? null : Number(row.revoked_at),
        };
      },
      async countBroadcastsSince(appKey, since) {
        return Number(s.broadcastCount.get(appKey, since));
      },
      async maxMsgId() {
        const v = s.maxMsgId.get() as bigint | null;
        return v ?? 0n;
      },
    };

    const issueCids = db.transaction((records: CidRecord[]) => {
      for (const r of records) s.cidInsert.run({ cid: r.cid, appKey: r.appKey, type: r.type, issuedAt: r.issuedAt });
    });
    this.devices = sqliteDeviceStore(db);
    this.callbacks = sqliteCallbackStore(db);
    this.relay = sqliteRelayQueue(db);
    this.channelCredentials = sqliteSealedCredentialStore(db);
    this.pacing = sqlitePacingStore(db);
    this.segments = sqliteSegmentStore(db);
    this.activity = sqliteActivityStore(db);
    this.sms = sqliteSmsStore(db);
    this.ums = sqliteUmsStore(db);
    this.liveActivities = sqliteLiveActivityStore(db);
    this.vendors = sqliteVendorStore(db);
    this.retention = sqliteRetention(db, options.path);
    this.schedules = sqliteScheduleStore(db);
    this.files = sqliteFileStore(db);
    this.groups = sqliteGroupStore(db);
    this.console = sqliteConsoleStore(db);
    this.audienceSnapshots = sqliteAudienceSnapshotStore(db);
    const pushIdsAfter = db.prepare('SELECT msg_id FROM pushes WHERE msg_id > ? ORDER BY msg_id LIMIT ?').pluck().safeIntegers(true);
    this.cluster = {
      async pushIdsAfter(after, limit) {
        return (pushIdsAfter.all(toBigInt(after), limit) as bigint[]).map(String);
      },
    };
    this.pingStatement = db.prepare('SELECT 1');
    this.statsReader = new SqliteStoreStats(db, options.path);
    this.cids = {
      async issue(records) {
        issueCids.immediate(records);
      },
      async get(cid) {
        const row = s.cidGet.get(cid) as Row | undefined;
        return row ? toCid(row) : undefined;
      },
    };
  }

  async sizeBytes(): Promise<number> {
    return (await this.retention.space()).bytes;
  }

  async ping(): Promise<void> {
    this.pingStatement.get();
  }

  stats(): Promise<StoreStats> {
    return this.statsReader.read();
  }

  async close(): Promise<void> {
    await this.pushCommits.drain().catch(() => undefined);
    await this.checkpointer?.stop();
    await this.deferred?.wal.idle();
    this.deferred?.wal.close();
    if (this.db.open) this.db.close();
    await this.statsReader.close();
  }
}

/**
 * Collects the rows of one table written in one transaction and inserts them with multi-row
 * INSERT statements (up to `maxRows` rows each) instead of one statement run per row: a group
 * commit pays a few statement runs, not one per push and one per inbox entry. Rows keep their
 * order; with INSERT OR IGNORE each row is still ignored on its own. One prepared statement per
 * row count, made when first needed (at most `maxRows` of them).
 */
class RowWriter {
  private readonly statements: Database.Statement[] = [];
  private readonly params: unknown[] = [];

  constructor(
    private readonly db: Database.Database,
    /** `INSERT ... INTO table (columns) VALUES` */
    private readonly head: string,
    private readonly columns: number,
    private readonly maxRows: number,
  ) {}

  /** Drops rows collected by a transaction that failed before writing them. */
  clear(): void {
    this.params.length = 0;
  }

  add(...values: unknown[]): void {
    for (const v of values) this.params.push(v);
    if (this.params.length === this.columns * this.maxRows) this.flush();
  }

  /** Writes the rows collected so far. */
  flush(): void {
    const rows = this.params.length / this.columns;
    if (rows === 0) return;
    try {
      this.statement(rows).run(this.params);
    } finally {
      this.params.length = 0;
    }
  }

  private statement(rows: number): Database.Statement {
    let statement = this.statements[rows];
    if (statement === undefined) {
      const row = `(${new Array<string>(this.columns).fill('?').join(', ')})`;
      statement = this.statements[rows] = this.db.prepare(`${this.head} ${new Array<string>(rows).fill(row).join(', ')}`);
    }
    return statement;
  }
}

function toLivePushRow(row: Row): LivePushRow {
  return {
    push: toPush(row),
    targets: row.targets as Buffer,
    receipts: toReceipts(row),
    revokedAt: row.revoked_at == null ? null : Number(row.revoked_at),
    overriddenBy: row.overridden_by == null ? null : String(row.overridden_by),
  };
}

function toReceipts(row: Row): ReceiptRow | null {
  if (row.r_id == null) return null;
  return {
    msgId: String(row.r_id),
    sent: row.sent as Buffer,
    acked: row.acked as Buffer,
    clicked: row.clicked as Buffer,
    withdrawn: (row.withdrawn as Buffer | null) ?? null,
  };
}

function toPush(row: Row): AcceptedPush {
  return {
    ...(JSON.parse(row.body as string) as Omit<AcceptedPush, 'msgId' | 'createdAt' | 'expiresAt'>),
    msgId: String(row.msg_id),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

/** msg_ids arrive from clients as strings; anything not a plain positive integer matches nothing. */
const INT64_MAX = 2n ** 63n - 1n;
function toBigInt(msgId: string): bigint {
  if (!/^[1-9][0-9]{0,18}$/.test(msgId)) return -1n;
  const v = BigInt(msgId);
  return v <= INT64_MAX ? v : -1n;
}
