/**
 * Channels that reach people rather than devices (UMS): SMS, email, WeChat, Alipay, DingTalk,
 * WeCom. Each lives in its own folder (`messaging/<channel>/`) behind this one interface; the
 * UMS engine (users, policies, callbacks) never sees a vendor's wire format.
 */

/** The UMS channels, named as the UMS send object names them (`msg_<id>` / `aud_<id>`). */
export const MESSAGING_CHANNEL_IDS = ['sms', 'email', 'wechatoa', 'wechatmp', 'alipay_life', 'dingtalk_cc', 'wechatwk'] as const;
export type MessagingChannelId = (typeof MESSAGING_CHANNEL_IDS)[number];

/** One person a message goes to, by the address bound for this channel (phone, email, openid, userid...). */
export interface MessagingRecipient {
  address: string;
  /** Per-recipient template variables, when the send object gives them. */
  params?: Readonly<Record<string, string>>;
}

/** What happened to one recipient. Every recipient gets its own result, in the order given. */
export type MessagingResult =
  /** The vendor accepted the message (UMS "submit success"); delivery may be reported later. */
  | { kind: 'submitted'; vendorMessageId?: string }
  /** The address is not valid for the channel (UMS "target invalid"): never retried. */
  | { kind: 'invalidTarget'; reason: string }
  /** The vendor refused or could not be reached (UMS "submit failure"); `retry` when trying later may work. */
  | { kind: 'failed'; reason: string; code?: string; retry: boolean };

/** Per-app credentials of one messaging channel, decrypted; the shape is the channel's own. */
export type MessagingCredentials = Record<string, unknown>;

export interface MessagingChannel {
  readonly id: MessagingChannelId;
  /** Most recipients one `send` takes (1 where the vendor's request is per person). */
  readonly maxBatch: number;
  /** Checks the `msg_<id>` object of a send request; returns an error text, or undefined when valid. */
  validate(message: Readonly<Record<string, unknown>>): string | undefined;
  /**
   * Sends one `msg_<id>` object (as the UMS request carried it) to `recipients` with the app's
   * credentials (access tokens are fetched, cached and refreshed inside). Never rejects for a
   * vendor's answer.
   */
  send(message: Readonly<Record<string, unknown>>, recipients: readonly MessagingRecipient[], credentials: MessagingCredentials): Promise<MessagingResult[]>;
  /** Checks credentials before they are stored; returns an error text, or undefined when usable. */
  checkCredentials(raw: Readonly<Record<string, unknown>>): string | undefined;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** What a vendor reports of a submitted message, per address, when asked later. */
export interface DeliveryReport {
  /** Reached the person (DingTalk: read or unread). */
  delivered: string[];
  /** Opened (DingTalk: read); a subset of `delivered`. */
  read: string[];
  /** Will not reach the person, with the vendor's reason. */
  failed: { address: string; reason: string }[];
}

/** A channel whose vendor answers delivery results of a submitted message (its vendor message id). */
export interface ReportsDelivery {
  deliveryReport(vendorMessageId: string, credentials: MessagingCredentials): Promise<DeliveryReport>;
}

export function reportsDelivery(channel: object): channel is ReportsDelivery {
  return typeof (channel as Partial<ReportsDelivery>).deliveryReport === 'function';
}
