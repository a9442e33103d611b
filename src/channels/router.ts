import type { VendorTokenKey } from '../domain/device.js';
import type { AcceptedPush, Json, JsonObject } from '../domain/push.js';
import type { RelayDevice } from '../store/relay-types.js';

/**
 * Which vendor channels a push takes to one device (docs/channels.md has the table). Borealis's
 * own connection is not decided here: delivery hands every push to each target that is
 * connected, and the SDK drops duplicates by msg_id. This decides only the relays.
 */

/** Vendor channels Borealis can relay through today; a device's other vendor tokens are ignored. */
export type RelayChannelId = Extract<VendorTokenKey, 'apns' | 'fcm' | 'webpush'>;

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Android vendors other than FCM (a later issue implements them). */
const DOMESTIC: readonly VendorTokenKey[] = ['huawei', 'xiaomi', 'oppo', 'vivo', 'honor', 'meizu'];

/**
 * The distribution strategy for an Android device holding an FCM token. `distribution` covers
 * devices with an FCM token only; `distribution_fcm` devices that also hold a domestic
 * vendor's token. Defaults are JPush's free-user defaults.
 */
function fcmStrategy(push: AcceptedPush, device: RelayDevice): string {
  const third = push.options.raw.third_party_channel;
  const fcm = isObject(third) && isObject(third.fcm) ? third.fcm : {};
  const mixed = DOMESTIC.some((k) => (device.tokens as Record<string, unknown>)[k] !== undefined);
  const value = mixed ? fcm.distribution_fcm : fcm.distribution;
  if (typeof value === 'string') return value;
  return mixed ? 'secondary_fcm_push' : 'secondary_push';
}

/**
 * Whether a strategy relays through FCM, given whether the device holds Borealis's connection.
 * jpush: own connection only. ospush / fcm / first_ospush: FCM (first_ospush falls back to the
 * own connection only for devices without a token, which never get here). secondary_*: FCM
 * only when the device is offline. pns / secondary_pns_push: the domestic vendor, which
 * Borealis does not relay yet, so the own connection.
 */
function fcmByStrategy(strategy: string, online: boolean): boolean {
  switch (strategy) {
    case 'ospush':
    case 'os_push':
    case 'fcm':
    case 'first_ospush':
      return true;
    case 'secondary_push':
    case 'secondary_fcm_push':
      return !online;
    default:
      return false;
  }
}

export function relayChannels(push: AcceptedPush, device: RelayDevice, online: boolean, configured: ReadonlySet<string>): RelayChannelId[] {
  const t = device.tokens;
  const notification = push.notification !== undefined;
  // A custom message reaches vendors only as its notification_3rd, and only offline devices.
  const third = push.message !== undefined && push.notification3rd !== undefined;
  switch (device.platform) {
    case 'ios': {
      if (!configured.has('apns')) return [];
      const liveIos = push.liveActivity?.ios;
      const live = isObject(liveIos) && (liveIos.event === 'start' ? t.apns_start : t.apns_activity) !== undefined;
      const alert = (notification && t.apns !== undefined) || (third && !online && t.apns !== undefined && isObject(push.notification3rd?.ios));
      const voip = notification && isObject(push.notification?.voip) && t.apns_voip !== undefined;
      return live || alert || voip ? ['apns'] : [];
    }
    case 'android': {
      if (!configured.has('fcm') || t.fcm === undefined) return [];
      if (notification) return fcmByStrategy(fcmStrategy(push, device), online) ? ['fcm'] : [];
      return third && !online ? ['fcm'] : [];
    }
    case 'web':
      // A browser with its page open holds the connection; Web Push wakes the service worker otherwise.
      return configured.has('webpush') && t.webpush !== undefined && notification && !online ? ['webpush'] : [];
    default:
      // hmos and quickapp vendors come later: the own connection only
      return [];
  }
}

/** Whether a push has anything a vendor channel could carry (checked at accept). */
export function mayRelay(push: AcceptedPush | Omit<AcceptedPush, 'msgId' | 'createdAt' | 'expiresAt'>): boolean {
  return push.notification !== undefined || push.liveActivity !== undefined || (push.message !== undefined && push.notification3rd !== undefined);
}
