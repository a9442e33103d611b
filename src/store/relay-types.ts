import type { DevicePlatform, VendorTokenKey, VendorTokens } from '../domain/device.js';

/**
 * The durable relay queue's contract. Work is recorded in the transaction that accepts a push
 * (see `TargetSet.relay`), as slices of the push's target set, never one row per device; a
 * worker claims due slices, relays them and confirms each slice in one transaction with its
 * results. A crash before the confirmation sends the slice again; nothing else is resent.
 *
 * A claim is a lease: the slice carries the claiming node and an expiry, so several nodes on
 * one database never relay the same slice at once, and a slice whose node died is claimed
 * again once its lease ran out (or at once when that node starts again and releases it).
 * The embedded store implements it over SQLite, the PostgreSQL store with row locks.
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
  /** The node holding the slice's lease (the claim that returned it). */
  claimedBy: string | null;
}

/** Who claims, and for how long: a slice not confirmed or renewed by then may be claimed again. */
export interface RelayLease {
  node: string;
  ms: number;
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
  /** Devices left to the own connection because the vendor's quota was used up (absent: none). */
  fallback?: readonly number[];
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
  /** Devices that fell back to the own connection over the vendor's quota (absent: the store keeps none). */
  fallback?: Buffer | null;
  /** Devices the vendor's own receipts said received / clicked the push (absent: none yet). */
  received: Buffer | null;
  clicked: Buffer | null;
}

export interface RelayQueue {
  /**
   * Claims slices due at `now` whose lease (if any) ran out, oldest first, at most `limit`,
   * skipping the ids in `skip`: each gets `lease.node` and an expiry `lease.ms` from `now`.
   * Two claims, from any nodes, never return the same slice while its lease lasts.
   */
  claim(now: number, limit: number, lease: RelayLease, skip?: ReadonlySet<number>): Promise<RelayWork[]>;
  /** Extends the leases `node` still holds on these slices until `until`; returns the ids it holds. */
  renew(ids: readonly number[], node: string, until: number): Promise<number[]>;
  /**
   * Gives up a slice `node` holds without confirming it (processing failed outright): it is
   * due again at `nextAt`, for any node.
   */
  postpone(id: number, node: string, nextAt: number): Promise<void>;
  /** Drops every lease `node` holds (it starts again: what it held before is not in progress). */
  releaseAll(node: string): Promise<number>;
  /**
   * Confirms a slice: deletes it and applies its outcome, in one transaction. False when the
   * slice's lease had passed to another node (or it was confirmed already): the outcome's
   * results still count, but its retry slice is not queued (the other claim owns the work).
   */
  complete(outcome: RelayOutcome): Promise<boolean>;
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
