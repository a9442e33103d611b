import type { Platform } from './push.js';

/** Device platforms: the push platforms plus browsers (reached by `"platform":"all"` only). */
export const DEVICE_PLATFORMS = ['android', 'ios', 'hmos', 'quickapp', 'web'] as const;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

export function isPushPlatform(p: DevicePlatform): p is Platform {
  return p !== 'web';
}

/** Vendor channel tokens a device may register, one per vendor. */
export const VENDOR_TOKEN_KEYS = ['apns', 'fcm', 'huawei', 'xiaomi', 'oppo', 'vivo', 'honor', 'meizu', 'hmos', 'webpush'] as const;
export type VendorTokenKey = (typeof VENDOR_TOKEN_KEYS)[number];

export interface WebPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/**
 * Further APNs tokens an iOS device may hold besides its device token (`apns`): its PushKit
 * VoIP token and its Live Activity push-to-start token. They ride the APNs channel.
 */
export const APNS_EXTRA_TOKEN_KEYS = ['apns_voip', 'apns_start'] as const;
export type ApnsExtraTokenKey = (typeof APNS_EXTRA_TOKEN_KEYS)[number];

export type VendorTokens = Partial<Record<Exclude<VendorTokenKey, 'webpush'> | ApnsExtraTokenKey, string>> & {
  webpush?: WebPushSubscription;
  /**
   * The update token of the Live Activity a push addresses (`audience.live_activity_id`). Never
   * stored with the device: the relay adds it from the activity's own table for that push.
   */
  apns_activity?: string;
};

export interface DeviceRecord {
  appKey: string;
  /** Dense number inside the app, from 0: the device's position in every bitmap. */
  num: number;
  registrationId: string;
  platform: DevicePlatform;
  secretHash: Buffer;
  alias: string | null;
  mobile: string | null;
  /** The user account the device is bound to (EMAS's device model), if any. */
  account: string | null;
  tags: string[];
  tokens: VendorTokens;
  createdAt: number;
  lastOnlineAt: number | null;
}
