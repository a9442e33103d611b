import type { AcceptedPush } from '../domain/push.js';

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
}

export interface AppStore {
  create(app: AppRecord): Promise<void>;
  get(appKey: string): Promise<AppRecord | undefined>;
  list(): Promise<AppRecord[]>;
  count(): Promise<number>;
  updateSecret(appKey: string, secretHash: Buffer): Promise<boolean>;
  updateLimits(appKey: string, patch: AppLimitsPatch): Promise<boolean>;
}

export interface PushStore {
  /**
   * Durably stores an accepted push (and marks its cid used, when it has one). Resolves only
   * once the write is committed; concurrent inserts may share one commit.
   */
  insert(push: AcceptedPush): Promise<void>;
  get(msgId: string): Promise<AcceptedPush | undefined>;
  head(msgId: string): Promise<PushHead | undefined>;
  countBroadcastsSince(appKey: string, since: number): Promise<number>;
  /** Highest msg_id ever issued, so ids keep increasing across restarts. */
  maxMsgId(): Promise<bigint>;
}

export interface CidStore {
  issue(records: CidRecord[]): Promise<void>;
  get(cid: string): Promise<CidRecord | undefined>;
}

export interface Store {
  readonly apps: AppStore;
  readonly pushes: PushStore;
  readonly cids: CidStore;
  /** Cheap liveness probe for /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
