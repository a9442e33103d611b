import type { AudienceSnapshotStore } from './audience-snapshot-types.js';
import type { DevicePlatform, DeviceRecord } from '../domain/device.js';
import type { AcceptedPush, Push } from '../domain/push.js';
import type { RelayQueue } from './relay-types.js';
import type { VendorStore } from './vendor-types.js';
import type { PacingStore } from './pacing-types.js';
import type { SegmentStore } from './segment-types.js';
import type { ActivityStore } from './activity-types.js';
import type { SmsStore } from './sms-types.js';
import type { UmsStore } from './ums-types.js';
import type { LiveActivityTokenStore } from './live-activity-types.js';
import type { FileStore, GroupStore, ScheduleStore } from './advanced-types.js';
import type { ClusterStore } from './cluster-types.js';
import type { ConsoleStore } from './console-types.js';

/** An app as stored. The master secret itself is never stored, only its SHA-256 digest. */
export interface AppRecord {
  appKey: string;
  name: string;
  secretHash: Buffer;
  createdAt: number;
  /** Requests allowed per rate window; null = the server default. */
  rateLimit: number | null;
  /** Length of the rate window in seconds; null = the server default. */
  rateWindow: number | null;
  /** Broadcast pushes allowed per UTC day; null = the server default. */
  broadcastPerDay: number | null;
}

export interface AppLimitsPatch {
  rateLimit?: number | null;
  rateWindow?: number | null;
  broadcastPerDay?: number | null;
}

export type CidType = 'push' | 'schedule';

export interface CidRecord {
  cid: string;
  appKey: string;
  type: CidType;
  issuedAt: number;
  /** Set once a push carrying the cid was accepted. */
  msgId: string | null;
  sendno: string | null;
  usedAt: number | null;
}

/** Summary of a stored push, enough for override and revoke checks. */
export interface PushHead {
  msgId: string;
  appKey: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

/** A push's resolved audience: a serialized (portable roaring) bitmap of device numbers. */
export interface TargetSet {
  bitmap: Buffer;
  count: number;
  /**
   * Device numbers whose inbox gets the push (narrow pushes with a time to live), written in
   * the same transaction; absent for pushes kept in memory instead (wide ones).
   */
  inbox?: readonly number[];
  /**
   * Relay work for vendor channels, written in the same transaction: ranges [lo, hi) of device
   * numbers, each a slice of the target set (absent when no vendor channel is concerned).
   */
  relay?: readonly (readonly [number, number])[];
}

/** One device's inbox entry: a push it is owed until acknowledged or expired. */
export interface InboxEntry {
  appKey: string;
  num: number;
  msgId: string;
}

export interface ExpiredInboxEntry extends InboxEntry {
  registrationId: string;
  platform: DevicePlatform;
  /** The push was revoked or overridden: it was not meant to arrive any more. */
  withdrawn: boolean;
}

/** A push's receipt bitmaps (portable roaring), as saved. */
export interface ReceiptRow {
  msgId: string;
  sent: Buffer;
  acked: Buffer;
  clicked: Buffer;
  withdrawn: Buffer | null;
}

export interface LivePushRow {
  push: AcceptedPush;
  targets: Buffer;
  /** Null when no receipt was saved yet. */
  receipts: ReceiptRow | null;
  revokedAt: number | null;
  overriddenBy: string | null;
}

export interface InboxPageEntry {
  msgId: string;
  row: LivePushRow | undefined;
}

export interface AppStore {
  create(app: AppRecord): Promise<void>;
  /** Creates `app` only while the store has no app at all (atomic across nodes); false if one exists. */
  createFirst(app: AppRecord): Promise<boolean>;
  get(appKey: string): Promise<AppRecord | undefined>;
  list(): Promise<AppRecord[]>;
  count(): Promise<number>;
  updateSecret(appKey: string, secretHash: Buffer): Promise<boolean>;
  updateLimits(appKey: string, patch: AppLimitsPatch): Promise<boolean>;
}

export interface PushStore {
  /**
   * Durably stores an accepted push with its target set (and, in the same transaction, marks
   * its cid used and the push it overrides). Resolves only once the write is committed;
   * concurrent inserts may share one commit. A `nonce` (an EMAS SignatureNonce) is used up in
   * the same commit: when it was taken already, nothing is written and the insert rejects with
   * NonceUsedError.
   */
  insert(push: AcceptedPush, targets: TargetSet, nonce?: NonceClaim): Promise<void>;
  get(msgId: string): Promise<AcceptedPush | undefined>;
  head(msgId: string): Promise<PushHead | undefined>;
  /**
   * Pushes delivery keeps in memory: not expired at `now`, and either without inbox entries
   * (wide pushes) or revoked (their holders are told to withdraw when they reconnect).
   */
  live(now: number): Promise<LivePushRow[]>;
  /** A push with its stored state, as `live` gives it, whatever its kind (undefined if unknown). */
  liveOne(msgId: string): Promise<LivePushRow | undefined>;
  /**
   * One page of a device's inbox: entries not expired at `now` with msg_ids above `after`
   * (null: from the start), oldest first, at most `limit`, each with its push as `liveOne`
   * gives it (undefined if the push is gone).
   */
  inboxPage(appKey: string, num: number, now: number, after: string | null, limit: number): Promise<InboxPageEntry[]>;
  /**
   * Inbox entries expired at `now` (at most `limit`), with their devices: pushes whose time to
   * live ended before the device acknowledged them. They stay until dropped with `saveReceipts`.
   */
  expiredInbox(now: number, limit: number): Promise<ExpiredInboxEntry[]>;
  markRevoked(msgId: string, at: number): Promise<void>;
  /**
   * Saves receipt bitmaps and the callback batches reporting them, and drops the inbox
   * entries of acknowledged pushes (`done`), all in one transaction.
   */
  saveReceipts(rows: readonly ReceiptRow[], callbacks: readonly CallbackBatch[], done?: readonly InboxEntry[]): Promise<void>;
  /** A push's stored receipts and target set (for reports on pushes no longer live). */
  receipts(msgId: string): Promise<{ head: PushHead; targets: Buffer; receipts: ReceiptRow | null } | undefined>;
  countBroadcastsSince(appKey: string, since: number): Promise<number>;
  /** Highest msg_id ever issued, so ids keep increasing across restarts. */
  maxMsgId(): Promise<bigint>;
}

export interface CidStore {
  issue(records: CidRecord[]): Promise<void>;
  get(cid: string): Promise<CidRecord | undefined>;
}

/** A callback URL an app registered: pushes may only name these. */
export interface CallbackUrl {
  appKey: string;
  /** Normalized (WHATWG URL serialization), so one address is registered once. */
  url: string;
  /** Receives the receipts of pushes that name no URL; at most one per app. */
  isDefault: boolean;
  /** Receipt types sent when a push gives no callback.type: 1 received, 2 clicked, 4 not delivered, 8 sent. */
  types: number;
  createdAt: number;
}

/** A batch of receipt events bound for one callback URL, queued durably until delivered. */
export interface CallbackBatch {
  appKey: string;
  url: string;
  /** The JSON body to POST, exactly as it will be signed and sent. */
  body: string;
  createdAt: number;
}

/** A receipt batch waiting in the durable queue. */
export interface QueuedCallback {
  id: number;
  appKey: string;
  url: string;
  body: string;
  createdAt: number;
  attempts: number;
  nextAt: number;
  lastError: string | null;
}

export interface CallbackStore {
  /**
   * Registers a URL, or updates one already registered: `types` replaces the stored mask when
   * given; `isDefault: true` makes it the app's default (and no other URL the default).
   */
  addUrl(appKey: string, url: string, options: { isDefault: boolean; types?: number }, at: number): Promise<CallbackUrl>;
  removeUrl(appKey: string, url: string): Promise<boolean>;
  listUrls(appKey: string): Promise<CallbackUrl[]>;
  getUrl(appKey: string, url: string): Promise<CallbackUrl | undefined>;
  defaultUrl(appKey: string): Promise<CallbackUrl | undefined>;
  /** Queued batches due at `now`, oldest due first. (Batches are queued by `pushes.saveReceipts`.) */
  due(now: number, limit: number): Promise<QueuedCallback[]>;
  /**
   * Takes batches due at `now` (at most `limit`, oldest due first) for sending: each is held
   * until `leaseUntil`, so no other node (or poll) takes it meanwhile; a sender that dies
   * mid-send leaves it to be taken again then. Returned with `nextAt` as it was before.
   */
  claim(now: number, limit: number, leaseUntil: number): Promise<QueuedCallback[]>;
  /** Gives back a claimed batch that was not sent, due again at `nextAt`. */
  release(id: number, nextAt: number): Promise<void>;
  /** A batch was delivered, or given up on. */
  remove(id: number): Promise<void>;
  /** A delivery attempt failed: counts it and sets when to try again. */
  retryLater(id: number, nextAt: number, error: string): Promise<void>;
  /** Holds back every batch for this receiver due before `until` (it is down: don't hammer it). */
  holdUrl(appKey: string, url: string, until: number): Promise<void>;
  /** Batches queued (for tests and metrics). */
  queued(): Promise<number>;
}

/** An AccessKey pair of the EMAS OpenAPI; it acts for one app. */
export interface AccessKeyRecord {
  accessKeyId: string;
  appKey: string;
  /** Kept as issued: an HMAC signature can only be checked with the key itself. */
  secret: string;
  createdAt: number;
  disabledAt: number | null;
}

export type DeferredKind = 'scheduled' | 'continuous';
export type DeferredState = 'pending' | 'fired' | 'cancelled' | 'failed' | 'completed';

/** An EMAS push waiting for its PushTime (scheduled) or for its targets (continuous, Target=TBD). */
export interface DeferredPush {
  messageId: string;
  appKey: string;
  kind: DeferredKind;
  /** Epoch ms; scheduled pushes only. */
  runAt: number | null;
  push: Push;
  state: DeferredState;
  createdAt: number;
  note: string | null;
}

/** A stored push as EMAS's push records list it. */
export interface PushRecordRow {
  msgId: string;
  createdAt: number;
  push: Push;
}

export interface EmasStore {
  createAccessKey(key: AccessKeyRecord): Promise<void>;
  accessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  accessKeys(appKey: string): Promise<AccessKeyRecord[]>;
  disableAccessKey(appKey: string, accessKeyId: string, at: number): Promise<boolean>;
  /** The app's numeric EMAS AppKey, assigned (the next free number) when `assign` and none exists. */
  emasAppKey(appKey: string, assign: boolean): Promise<number | undefined>;
  appOfEmasKey(emasAppKey: number): Promise<string | undefined>;
  addDeferred(push: DeferredPush): Promise<void>;
  deferred(messageId: string): Promise<DeferredPush | undefined>;
  /** Pending scheduled pushes due at `now`, earliest first. */
  due(now: number, limit: number): Promise<DeferredPush[]>;
  /** When the earliest pending scheduled push is due, if any. */
  nextDue(): Promise<number | undefined>;
  /** Moves a deferred push from one state to another; false when it was not in `from`. */
  transition(messageId: string, from: DeferredState, to: DeferredState, note?: string): Promise<boolean>;
  /** The answer remembered for an IdempotentToken since `since`, if any. */
  idempotent(appKey: string, token: string, since: number): Promise<string | undefined>;
  rememberIdempotent(appKey: string, token: string, result: string, at: number): Promise<void>;
  /**
   * Uses up an AccessKey's SignatureNonce until `expiresAt`, atomically for every node on the
   * store: true when it was free (never seen, or expired by `now`), false for a replay.
   */
  claimNonce(accessKeyId: string, nonce: string, now: number, expiresAt: number): Promise<boolean>;
  /**
   * Present when the store keeps every live nonce of the store in this process's memory
   * (SQLite's log does), and can use a nonce up in a push's own commit (PushStore.insert): the
   * API layer then keeps no copy of its own, asks here about replays, and bounds the count.
   */
  readonly nonceMemory?: NonceMemory;
  /** Forgets nonces expired by `now`; returns how many rows went (a nonce taken over may have left one more). */
  pruneNonces(now: number): Promise<number>;
  /** An app's pushes accepted in [from, to), newest first, with the total. */
  pushRecords(appKey: string, from: number, to: number, offset: number, limit: number): Promise<{ total: number; rows: PushRecordRow[] }>;
  /** msg_ids of an app's pushes accepted in [from, to) (at most `limit`). */
  pushIds(appKey: string, from: number, to: number, limit: number): Promise<{ msgId: string; createdAt: number }[]>;
  /** Devices of the app (of some platforms) created before `until` and, when given, at or after `since`. */
  countDevices(appKey: string, platforms: readonly string[] | 'all', until: number, since?: number): Promise<number>;
  /** Devices of the app whose last connection fell in [from, to). */
  countSeen(appKey: string, from: number, to: number): Promise<number>;
}

/** What retention deletes: rows older than these instants (epoch ms), each kind by its own age. */
export interface RetentionCutoffs {
  /** Pushes whose time to live ended before this, with their receipts and inbox entries. */
  pushesExpiredBefore: number;
  /** cids issued, and used if they were, before this. */
  cidsBefore: number;
  /** Callback batches queued before this (the sender normally delivers or drops them sooner). */
  callbacksBefore: number;
  /** EMAS IdempotentTokens stored before this. */
  idempotencyBefore: number;
}

/**
 * Rows deleted, by kind. A push takes its receipts, relay results, relay slices and pacing
 * state with it (counted under `pushes`); the work below goes once its push is gone.
 */
export interface PurgedRows {
  pushes: number;
  inbox: number;
  cids: number;
  callbacks: number;
  /** Finished SMS jobs (older than the push cutoff, push deleted). */
  smsJobs: number;
  /** Per-device SMS sends of those jobs. */
  smsSends: number;
  /** Fired or failed EMAS scheduled pushes created before the push cutoff, push deleted. */
  emasDeferred: number;
  /** Finished schedule runs that fired before the push cutoff (each schedule's newest is kept). */
  scheduleRuns: number;
  idempotency: number;
}

export interface StoreSpace {
  /** Bytes of the database: the main file, plus the write-ahead log where there is one. */
  bytes: number;
  fileBytes: number;
  walBytes: number;
  /** Bytes inside the file that are free (reused for new rows, or given back by `reclaim`). */
  freeBytes: number;
  pageSize: number;
  /** The file gives free pages back to the file system on `reclaim` (incremental auto-vacuum). */
  reclaimable: boolean;
}

export interface RetentionStore {
  /**
   * Deletes at most `limit` rows of each kind older than the cutoffs, in one short
   * transaction; returns how many went. The newest push always stays (it keeps msg_ids
   * increasing across restarts).
   */
  purge(cutoffs: RetentionCutoffs, limit: number): Promise<PurgedRows>;
  /** Gives at most `maxPages` free pages back to the file system; returns how many. */
  reclaim(maxPages: number): Promise<number>;
  space(): Promise<StoreSpace>;
  /** Copies the write-ahead log into the file and truncates it (after a large delete). */
  checkpoint(): Promise<void>;
}

export interface Store {
  readonly apps: AppStore;
  readonly emas: EmasStore;
  readonly pushes: PushStore;
  readonly cids: CidStore;
  readonly devices: DeviceStore;
  readonly callbacks: CallbackStore;
  readonly relay: RelayQueue;
  readonly channelCredentials: SealedCredentialStore;
  readonly pacing: PacingStore;
  readonly segments: SegmentStore;
  readonly activity: ActivityStore;
  /** SMS supplement: jobs are written with their push by `pushes.insert`. */
  readonly sms: SmsStore;
  /** Unified messaging (UMS v1): channels, users, policies, messages and their jobs. */
  readonly ums: UmsStore;
  /** Live Activity update tokens, per activity id. */
  readonly liveActivities: LiveActivityTokenStore;
  /** Vendor receipts (token lookup, per-channel figures) and vendor quota use. */
  readonly vendors: VendorStore;
  readonly retention: RetentionStore;
  /** Size of the database in bytes (file and write-ahead log), for metrics. */
  sizeBytes(): Promise<number>;
  readonly schedules: ScheduleStore;
  readonly files: FileStore;
  readonly groups: GroupStore;
  /** The web console: operators, sessions, audit log, push history pages. */
  readonly console: ConsoleStore;
  /** Catching up after missed bus events (several nodes on one store). */
  readonly cluster: ClusterStore;
  /** The audience index's stored snapshot and the device changes after it (fast start). */
  readonly audienceSnapshots: AudienceSnapshotStore;
  /** Cheap liveness probe for /healthz. */
  ping(): Promise<void>;
  /** Sizes for the metrics (read at each scrape). */
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}

export interface StoreStats {
  /** Bytes the database takes on disk, write-ahead log included. */
  databaseBytes: number;
  /** Callback batches waiting to be sent. */
  callbackQueue: number;
  /** Inbox entries: pushes waiting for an offline device. */
  inboxEntries: number;
}

/** A device as first stored; the store assigns its dense number. */
export type NewDevice = Omit<DeviceRecord, 'num' | 'tags' | 'lastOnlineAt' | 'account'> & { account?: string | null };

export interface DeviceStore {
  /** Stores a new device under the next dense number of its app. */
  insert(device: NewDevice): Promise<DeviceRecord>;
  byRegistrationId(registrationId: string): Promise<DeviceRecord | undefined>;
  /** Dense numbers of those of `registrationIds` that belong to the app. */
  numsByRegistrationIds(appKey: string, registrationIds: readonly string[]): Promise<Map<string, number>>;
  numsByAliases(appKey: string, aliases: readonly string[]): Promise<number[]>;
  devicesByAlias(appKey: string, alias: string): Promise<DeviceRecord[]>;
  numsByAccounts(appKey: string, accounts: readonly string[]): Promise<number[]>;
  devicesByAccount(appKey: string, account: string): Promise<DeviceRecord[]>;
  setAccount(appKey: string, num: number, account: string | null): Promise<void>;
  updateTokens(appKey: string, num: number, tokens: DeviceRecord['tokens']): Promise<void>;
  setAlias(appKey: string, num: number, alias: string | null): Promise<void>;
  setMobile(appKey: string, num: number, mobile: string | null): Promise<void>;
  /** Applies tag changes of one device in one transaction; returns its tags after. */
  changeTags(appKey: string, num: number, add: readonly string[], remove: readonly string[] | 'all'): Promise<string[]>;
  /** Adds and removes one tag on many devices (by number) in one transaction. */
  changeTagMembers(appKey: string, tag: string, add: readonly number[], remove: readonly number[]): Promise<void>;
  /** Removes a tag from every device (of the given platforms, or all); returns the numbers it left. */
  deleteTag(appKey: string, tag: string, nums: readonly number[] | 'all'): Promise<number[]>;
  numsWithTag(appKey: string, tag: string): Promise<number[]>;
  /** How many tags each of these devices has (devices without tags are absent). */
  tagCounts(appKey: string, nums: readonly number[]): Promise<Map<number, number>>;
  listTags(appKey: string, limit: number): Promise<string[]>;
  markOnline(appKey: string, nums: readonly number[], at: number): Promise<void>;
  /**
   * Streams every device's (app, number, platform) and every tag membership, in batches of
   * numbers that share app and platform (or app and tag): the index rebuild at start.
   */
  /** What authenticating a device needs, and nothing else. */
  credentials(registrationId: string): Promise<{ appKey: string; num: number; platform: DevicePlatform; secretHash: Buffer } | undefined>;
  scanIndex(visit: {
    devices(appKey: string, platform: DevicePlatform, nums: readonly number[]): void;
    tagged(appKey: string, tag: string, nums: readonly number[]): void;
  }): Promise<void>;
}

/** App channel credentials as stored: sealed (AES-256-GCM), opened only by channels/credentials. */
export interface SealedCredentialStore {
  put(appKey: string, channel: string, sealed: Buffer, at: number): Promise<void>;
  get(appKey: string, channel: string): Promise<{ sealed: Buffer; updatedAt: number } | undefined>;
  remove(appKey: string, channel: string): Promise<boolean>;
  /** Which apps have credentials for which channels (no secrets). */
  list(): Promise<{ appKey: string; channel: string; updatedAt: number }[]>;
}

/** An EMAS SignatureNonce to use up: one AccessKey's nonce, free if unseen or expired by `now`. */
export interface NonceClaim {
  accessKeyId: string;
  nonce: string;
  now: number;
  expiresAt: number;
}

/** The live nonces a store holds in memory (see EmasStore.nonceMemory). */
export interface NonceMemory {
  /** Nonces held (expired ones go at the next prune). */
  count(): number;
  /** Whether the nonce is live in memory at `now`: a replay this process already knows of. */
  holds(accessKeyId: string, nonce: string, now: number): boolean;
}
