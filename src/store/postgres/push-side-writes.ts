import type { Queryable } from './db.js';
import { postgresEnqueueRelay } from './relay-store.js';
import { SMS_JOB_INSERT } from './sms-store.js';

/**
 * Rows other features write in an accepted push's own transaction: relay slices for vendor
 * channels and the SMS supplement job. Each belongs to its feature's sub-store; the push store
 * calls them so the push and its work commit together.
 */
export interface PushSideWrites {
  /** Relay work: ranges [lo, hi) of device numbers of the push's target set. */
  relay(tx: Queryable, msgId: string, appKey: string, ranges: readonly (readonly [number, number])[], at: number): Promise<void>;
  /** The push's SMS supplement job, due at `dueAt` (epoch ms). */
  smsJob(tx: Queryable, msgId: string, appKey: string, dueAt: number): Promise<void>;
}

export const PUSH_SIDE_WRITES: PushSideWrites = {
  relay: postgresEnqueueRelay,
  async smsJob(tx, msgId, appKey, dueAt) {
    await tx.query(SMS_JOB_INSERT, [msgId, appKey, dueAt]);
  },
};
