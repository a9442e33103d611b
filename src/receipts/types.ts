import type { Bitmap } from '../audience/audience-index.js';
import type { DevicePlatform } from '../domain/device.js';
import type { CallbackBatch } from '../store/types.js';

export type { CallbackBatch };

/**
 * What happened to one push on one device. Delivery produces these; reports count them from
 * bitmaps, callbacks forward them to the app's receiver.
 */
export type ReceiptStatus = 'sent' | 'received' | 'clicked' | 'not_delivered';

export interface ReceiptEvent {
  msgId: string;
  appKey: string;
  registrationId: string;
  platform: DevicePlatform;
  /** The channel the push went through: 'jpush' is Borealis's own connection. */
  channel: string;
  status: ReceiptStatus;
  /** Epoch ms. */
  time: number;
}

/**
 * Takes receipt events as they happen. What it batches is handed to the store in the same
 * transaction as the receipt bitmaps (see `drain`), so an event is durable exactly when the
 * receipt it reports is.
 */
export interface ReceiptSink {
  record(event: ReceiptEvent): void;
  /**
   * False when events of this status for this push would be dropped anyway (nobody takes them),
   * so a fan-out may skip making one per device. Absent or true: record them.
   */
  wants?(msgId: string, status: ReceiptStatus): boolean;
  /** Batches to store with the next receipt save; the sink forgets them once handed over. */
  drain(): CallbackBatch[];
  /** Gives back batches whose save failed, to be handed over again next time. */
  restore(batches: CallbackBatch[]): void;
  /** Resolves once events recorded so far are ready to drain (lookups they started are done). */
  settled?(): Promise<void>;
}

/** Everything known about what happened to one push, as bitmaps of device numbers. */
export interface PushReceipts {
  msgId: string;
  appKey: string;
  createdAt: number;
  expiresAt: number;
  revoked: boolean;
  targets: Bitmap;
  sent: Bitmap;
  received: Bitmap;
  clicked: Bitmap;
}
