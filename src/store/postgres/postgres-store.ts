import type { ClusterStore } from '../cluster-types.js';
import type { UmsStore } from '../ums-types.js';
import type { VendorStore } from '../vendor-types.js';
import type {
  AppStore,
  CallbackStore,
  CidStore,
  DeviceStore,
  EmasStore,
  RetentionStore,
  SealedCredentialStore,
  Store,
  StoreStats,
} from '../types.js';
import type { RelayQueue } from '../relay-types.js';
import type { PacingStore } from '../pacing-types.js';
import type { SegmentStore } from '../segment-types.js';
import type { ActivityStore } from '../activity-types.js';
import type { SmsStore } from '../sms-types.js';
import type { LiveActivityTokenStore } from '../live-activity-types.js';
import type { FileStore, GroupStore, ScheduleStore } from '../advanced-types.js';
import { Db, msgIdParam, num } from './db.js';
import { migrateUp } from './migrate.js';
import { postgresAppStore } from './app-store.js';
import { postgresCidStore } from './cid-store.js';
import { postgresSealedCredentialStore } from './channel-credential-store.js';
import { PUSH_SIDE_WRITES } from './push-side-writes.js';
import { postgresPushStore, type PostgresPushStore } from './push-store.js';
import { postgresDeviceStore } from './device-store.js';
import { postgresCallbackStore } from './callback-store.js';
import { postgresRelayQueue } from './relay-store.js';
import { postgresEmasStore } from './emas-store.js';
import { postgresVendorStore } from './vendor-store.js';
import { postgresPacingStore } from './pacing-store.js';
import { postgresSegmentStore } from './segment-store.js';
import { postgresActivityStore } from './activity-store.js';
import { postgresSmsStore } from './sms-store.js';
import { postgresLiveActivityStore } from './live-activity-store.js';
import { postgresScheduleStore } from './schedule-store.js';
import { postgresFileStore } from './file-store.js';
import { postgresGroupStore } from './group-store.js';
import { postgresConsoleStore } from './console-store.js';
import type { ConsoleStore } from '../console-types.js';
import { postgresRetention } from './retention-store.js';
import { postgresUmsStore } from './ums-store.js';
import { postgresAudienceSnapshotStore } from './audience-snapshot-store.js';
import type { AudienceSnapshotStore } from '../audience-snapshot-types.js';

export interface PostgresOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Connections kept open at most. */
  poolSize: number;
}

/**
 * The store on PostgreSQL, for nodes that share one database. The pool opens at once and the
 * schema is migrated in the background; queries wait for it (see `Db`), and `open` waits too.
 */
export class PostgresStore implements Store {
  readonly db: Db;
  readonly apps: AppStore;
  readonly pushes: PostgresPushStore;
  readonly cids: CidStore;
  readonly devices: DeviceStore;
  readonly callbacks: CallbackStore;
  readonly channelCredentials: SealedCredentialStore;
  readonly relay: RelayQueue;
  readonly emas: EmasStore;
  readonly pacing: PacingStore;
  readonly segments: SegmentStore;
  readonly activity: ActivityStore;
  readonly sms: SmsStore;
  readonly liveActivities: LiveActivityTokenStore;
  readonly retention: RetentionStore;
  readonly schedules: ScheduleStore;
  readonly files: FileStore;
  readonly groups: GroupStore;
  readonly console: ConsoleStore;
  readonly audienceSnapshots: AudienceSnapshotStore;
  readonly vendors: VendorStore;
  readonly ums: UmsStore;
  readonly cluster: ClusterStore = {
    pushIdsAfter: async (after, limit) => {
      const { rows } = await this.db.query<{ msg_id: string }>('SELECT msg_id::text AS msg_id FROM pushes WHERE msg_id > $1 ORDER BY msg_id LIMIT $2', [msgIdParam(after), limit]);
      return rows.map((r) => r.msg_id);
    },
  };
  /** Writes of other features made in an accepted push's transaction. */
  readonly pushSideWrites = PUSH_SIDE_WRITES;

  constructor(options: PostgresOptions) {
    const db = new Db(options.url, options.poolSize);
    this.db = db;
    db.gate(migrateUp(options.url));
    this.apps = postgresAppStore(db);
    this.cids = postgresCidStore(db);
    this.channelCredentials = postgresSealedCredentialStore(db);
    this.pushes = postgresPushStore(db, this.pushSideWrites, (c) => this.emas.claimNonce(c.accessKeyId, c.nonce, c.now, c.expiresAt));
    this.devices = postgresDeviceStore(db);
    this.callbacks = postgresCallbackStore(db);
    this.relay = postgresRelayQueue(db);
    this.emas = postgresEmasStore(db);
    this.vendors = postgresVendorStore(db);
    this.pacing = postgresPacingStore(db);
    this.segments = postgresSegmentStore(db);
    this.activity = postgresActivityStore(db);
    this.sms = postgresSmsStore(db);
    this.liveActivities = postgresLiveActivityStore(db);
    this.retention = postgresRetention(db);
    this.schedules = postgresScheduleStore(db);
    this.files = postgresFileStore(db);
    this.groups = postgresGroupStore(db);
    this.ums = postgresUmsStore(db);
    this.console = postgresConsoleStore(db);
    this.audienceSnapshots = postgresAudienceSnapshotStore(db);
  }

  /** A store whose schema is up to date (rejects if the database cannot be reached or migrated). */
  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await store.db.whenReady();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  async sizeBytes(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n');
    return num(rows[0]?.n);
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  async stats(): Promise<StoreStats> {
    // estimates would be cheaper on huge tables; exact counts match the SQLite store's figures
    const { rows } = await this.db.query<{ bytes: string; callbacks: string; inbox: string }>(
      `SELECT pg_database_size(current_database()) AS bytes,
              (SELECT count(*) FROM callback_queue) AS callbacks,
              (SELECT count(*) FROM inbox) AS inbox`,
    );
    const row = rows[0];
    return { databaseBytes: num(row?.bytes), callbackQueue: num(row?.callbacks), inboxEntries: num(row?.inbox) };
  }

  async close(): Promise<void> {
    await this.db.whenReady().catch(() => {});
    await this.pushes.drain().catch(() => {}); // their callers hear of any failure
    await this.db.close();
  }
}
