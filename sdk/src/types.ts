/** Types of the device protocol (version 1) as the SDK exposes them. */

export type Platform = 'android' | 'ios' | 'hmos' | 'quickapp' | 'web';

export interface WebPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** Vendor channel tokens sent at registration. */
export interface VendorTokens {
  apns?: string;
  /** iOS PushKit VoIP token (hex): VoIP pushes (notification.voip) go to it. */
  apns_voip?: string;
  /** iOS Live Activity push-to-start token (hex): live_activity "start" pushes go to it. */
  apns_start?: string;
  fcm?: string;
  huawei?: string;
  xiaomi?: string;
  oppo?: string;
  vivo?: string;
  honor?: string;
  meizu?: string;
  hmos?: string;
  webpush?: WebPushSubscription;
}

/** A notification as rendered for this device's platform; platform fields pass through. */
export interface Notification {
  /** A string, or on iOS possibly an object (`title`, `body`, ...) as sent. */
  alert?: string | Record<string, unknown>;
  title?: string;
  extras?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A custom (in-app) message. */
export interface CustomMessage {
  msg_content: string;
  title?: string;
  content_type?: string;
  extras?: Record<string, unknown>;
}

/** One delivery: a notification, a message, or both. */
export interface Push {
  msgId: string;
  /** Epoch ms at which the server accepted the push. */
  sentAt: number;
  notification?: Notification;
  message?: CustomMessage;
  /** This push replaces the one with this msg_id. */
  overrideMsgId?: string;
}

/** The device's tags, alias and account, as the server holds them after a change. */
export interface DeviceTags {
  tags: string[];
  alias: string | null;
  /** The user account bound to the device (EMAS's device model); absent when none. */
  account?: string;
}

/** What the SDK needs of a WebSocket: the browser's API, which `ws` also provides. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** What the SDK needs of fetch. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<{ status: number; ok: boolean; text(): Promise<string> }>;

/** A failure the server reported: a JPush error code, or the close code that ended the connection. */
export class BorealisError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'BorealisError';
  }
}
