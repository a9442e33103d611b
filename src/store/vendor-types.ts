import type { RelayDevice } from './relay-types.js';

/**
 * What vendor receipts and vendor quotas need of the store: the device holding a vendor token
 * (indexed, for receipts that name only the token), per-channel received / clicked figures,
 * and each app's daily use of each vendor's quota.
 */

/** One app's use of one vendor's quota category on one day (the vendor's day, `YYYY-MM-DD`). */
export interface QuotaUseRow {
  appKey: string;
  channel: string;
  category: string;
  day: string;
  used: number;
  /** The cap the vendor told us (its answers or its quota API), if it did. */
  learnedLimit: number | null;
}

export interface VendorStore {
  /** The app's device whose token for `channel` is `token`, if any. */
  deviceByToken(appKey: string, channel: string, token: string): Promise<RelayDevice | undefined>;
  /**
   * Adds devices to a push's per-channel `received` / `clicked` figures (a click implies
   * received). Returns the numbers that were new in each set.
   */
  addReceipts(msgId: string, channel: string, received: readonly number[], clicked: readonly number[]): Promise<{ received: number[]; clicked: number[] }>;
  /** Removes a vendor token from a device, unless the device registered a different one since. */
  removeToken(appKey: string, num: number, channel: string, token: string): Promise<boolean>;
  /** Quota rows of one day (of one app, or all apps). */
  quotaUse(day: string, appKey?: string): Promise<QuotaUseRow[]>;
  /** Adds sends to quota use (rows are created as needed). */
  addQuotaUse(rows: readonly { appKey: string; channel: string; category: string; day: string; count: number }[]): Promise<void>;
  /** Records what a vendor said of a quota: its cap, and when it says so, the use it counted. */
  learnQuota(appKey: string, channel: string, category: string, day: string, limit: number, used?: number): Promise<void>;
  /** Deletes quota rows of days before `day`. */
  pruneQuota(beforeDay: string): Promise<number>;
}
