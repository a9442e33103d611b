import type { DevicePlatform, VendorTokenKey, VendorTokens } from '../domain/device.js';

/**
 * The durable relay queue's contract. Work is recorded in the transaction that accepts a push
 * (see `TargetSet.relay`), as slices of the push's target set, never one row per device; a
 * worker claims due slices, relays them and confirms each slice in one transaction with its
 * results. A crash before the confirmation sends the slice again; nothing else is resent.
 * The embedded store implements it over SQLite; a distributed engine implements the same calls.
 */

/** One slice of relay work: the push's targets with numbers in [lo, hi), or `nums` when set. */
export interface RelayWork {
  id: number;
  msgId: string;
  appKey: string;
  lo: number;
  hi: number;
  /** Explicit device numbers (portable roaring bitmap): devices to try again. */
  nums: Buffer | null;
  /** Attempts already made for these devices. */
  attempts: number;
}

/** A device a relay needs: who it is and its vendor tokens. */
export interface RelayDevice {
  num: number;
  registrationId: string;
  platform: DevicePlatform;
  tokens: VendorTokens;
}

export interface RelayChannelResult {
  channel: VendorTokenKey;
  sent: readonly number[];
  failed: readonly number[];
  dead: readonly number[];
}

/** Everything a finished slice changes, applied at once. */
export interface RelayOutcome {
  work: RelayWork;
  /** Devices to try again later, as a new slice. */
  retry?: { nums: readonly number[]; nextAt: number; attempts: number };
  results: readonly RelayChannelResult[];
  /** Tokens the vendor called dead: removed from their device unless it registered another since. */
  deadTokens: readonly { num: number; channel: VendorTokenKey | 'apns_activity'; token: string }[];
  /** New badge values of devices whose badge a push changed. */
  badges: readonly { num: number; badge: number }[];
  /** Sends counted against vendor quotas, written with the slice (see store/vendor-types.ts). */
  quotaUse?: readonly { channel: string; category: string; day: string; count: number }[];
}

/** Per-channel relay figures of one push: device numbers as portable roaring bitmaps. */
export interface RelayReceiptRow {
  channel: string;
  sent: Buffer;
  failed: Buffer;
  dead: Buffer;
  /** Devices the vendor's own receipts said received / clicked the push (absent: none yet). */
  received: Buffer | null;
  clicked: Buffer | null;
}

export interface RelayQueue {
  /** Slices due at `now`, oldest first, at most `limit`, skipping the ids in `busy`. */
  due(now: number, limit: number, busy: ReadonlySet<number>): Promise<RelayWork[]>;
  /** Confirms a slice: deletes it and applies its outcome, in one transaction. */
  complete(outcome: RelayOutcome): Promise<void>;
  /** Slices waiting (for tests, metrics and the bench). */
  pending(): Promise<number>;
  /** Slices of one push still waiting. */
  pendingFor(msgId: string): Promise<number>;
  /** Devices of an app, by number (numbers of no device are absent). */
  devices(appKey: string, nums: readonly number[]): Promise<RelayDevice[]>;
  /** Current badge values (devices without one are absent). */
  badges(appKey: string, nums: readonly number[]): Promise<Map<number, number>>;
  /** A push's relay figures per channel. */
  receipts(msgId: string): Promise<RelayReceiptRow[]>;
}
