/**
 * Per-activity APNs push tokens of iOS Live Activities. Apple gives each running activity its
 * own update token; the device registers it under the activity's `live_activity_id` so that
 * `update` / `end` pushes addressed to that id reach it. Kept per app, per device.
 */
export interface LiveActivityTokenStore {
  /** Stores (or replaces) a device's token for one activity. */
  put(appKey: string, activityId: string, num: number, token: string, at: number): Promise<void>;
  /** Removes a device's token for one activity; true when there was one. */
  remove(appKey: string, activityId: string, num: number): Promise<boolean>;
  /** How many activities a device holds tokens for. */
  countOf(appKey: string, num: number): Promise<number>;
  /** Device numbers holding a token for the activity. */
  holders(appKey: string, activityId: string): Promise<number[]>;
  /** The tokens of those devices for the activity, by device number. */
  tokens(appKey: string, activityId: string, nums: readonly number[]): Promise<Map<number, string>>;
}
