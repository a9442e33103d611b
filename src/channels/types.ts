import type { DevicePlatform, VendorTokenKey, VendorTokens, WebPushSubscription } from '../domain/device.js';
import type { AcceptedPush } from '../domain/push.js';

/**
 * The channel layer's one small interface. A channel turns the normalized push into its
 * vendor's request for one batch of devices, sends it, and classifies each device's answer.
 * Vendor wire formats live only in the channel's own folder (`channels/<vendor>/`).
 */

/** Channels: Borealis's own connection plus one per vendor token kind. */
export type ChannelId = 'own' | VendorTokenKey;

/** One device a relay addresses, with the token it registered for the channel. */
export interface RelayTarget {
  appKey: string;
  /** The device's dense number inside its app. */
  num: number;
  registrationId: string;
  platform: DevicePlatform;
  /** The vendor token (a string), or a browser's Web Push subscription. */
  token: string | WebPushSubscription;
  /** The device's badge after this push, when the push sets or changes it (JPush "+N" resolved per device). */
  badge?: number;
  /** All the device's tokens, for channels that use more than one (APNs VoIP, Live Activity). */
  tokens?: VendorTokens;
}

/**
 * What happened to one target. Never a rejected batch: every target gets its own result
 * (a whole-request failure is reported as the same result for each of its targets).
 */
export type TargetResult =
  /** The vendor accepted the notification for this device. */
  | {
      kind: 'delivered';
      vendorMessageId?: string;
      /** Fields of the push this vendor cannot carry and dropped, for the per-device trace. */
      notes?: string[];
      /** What the vendor said about the app's quota in this answer, when it says anything. */
      quota?: QuotaReading;
    }
  /** Try again later (rate limited, vendor unavailable, network); afterMs from Retry-After if given. */
  | { kind: 'retry'; afterMs?: number; reason: string }
  /** The token is dead (uninstalled, expired, unknown to the vendor): remove it from the device. */
  | { kind: 'tokenDead'; reason: string }
  /** The vendor refused this notification for good (bad payload, bad credentials, too big). */
  | { kind: 'rejected'; reason: string; status?: number; code?: string }
  /**
   * The vendor's quota for the app (daily, per message category, or rate) is used up: nothing
   * was sent to this device, which falls back to Borealis's own connection.
   */
  | { kind: 'quotaExceeded'; reason: string; /** `system` / `operation`, as in QuotaReading. */ category?: string; resetAt?: number };

/** A vendor's own figures for an app's quota (learned from its answers or its quota API). */
export interface QuotaReading {
  /**
   * The quota category: `system` or `operation` (JPush's classification 1 / 0) when the vendor's
   * own category maps to one; anything else, or absent, counts against the push's category.
   */
  category?: string;
  /** Sends allowed per day, when the vendor says. */
  limit?: number;
  /** Sends left today, when the vendor says. */
  remaining?: number;
}

/** A delivery or click receipt a vendor sent back about one device. */
export interface VendorReceipt {
  /** The push: the channel puts the msg_id in the vendor request's callback / tag field. */
  msgId: string;
  /** The vendor token the receipt concerns. */
  token: string;
  kind: 'received' | 'clicked' | 'tokenDead';
  /** When the vendor says it happened (epoch ms). */
  at: number;
}

/** A receipt request as a vendor sent it to `POST /v1/vendors/{channel}/receipts/{app_key}`. */
export interface ReceiptRequest {
  appKey: string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, string | undefined>>;
  rawBody: Buffer;
}

/** What the receipt endpoint answers: the receipts to apply (when the request is authentic) and the vendor's expected reply. */
export type ReceiptAnswer =
  | { accepted: true; receipts: VendorReceipt[]; status: number; body: string | Record<string, unknown> }
  | { accepted: false; status: number; body: string | Record<string, unknown> };

/** Per-app credentials of one channel, decrypted; the shape is the channel's own. */
export type ChannelCredentials = Record<string, unknown>;

export interface Channel {
  readonly id: ChannelId;
  /** Most targets one `send` takes (the vendor's batch size; 1 where a request is per device). */
  readonly maxBatch: number;
  /**
   * Sends `push` to `targets` (all of one app, all holding a token of this channel) with the
   * app's credentials. Resolves with one result per target, in the order given; never rejects
   * for a vendor's answer.
   */
  send(push: AcceptedPush, targets: readonly RelayTarget[], credentials: ChannelCredentials): Promise<TargetResult[]>;
  /**
   * Which of a device's tokens this push goes to (default: the token named like the channel),
   * and under which token key it is removed if the vendor calls it dead.
   */
  pickToken?(push: AcceptedPush, tokens: VendorTokens): { key: string; token: string | WebPushSubscription } | undefined;
  /**
   * Checks a receipt request (authenticated as the vendor documents, with the app's
   * credentials) and reads the receipts in it. Never throws on hostile input.
   */
  receipts?(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer;
  /** Asks the vendor for the app's quota figures, for vendors that publish a quota API. */
  queryQuota?(credentials: ChannelCredentials): Promise<QuotaReading[]>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
