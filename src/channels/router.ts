import type { VendorTokenKey } from '../domain/device.js';
import type { AcceptedPush, Json, JsonObject } from '../domain/push.js';
import type { RelayDevice } from '../store/relay-types.js';
import type { ChannelId } from './types.js';

/**
 * Which vendor channels a push takes to one device (docs/channels.md has the table). Borealis's
 * own connection is not decided here: delivery hands every push to each target that is
 * connected or later connects, and the SDK drops duplicates by msg_id. This decides only the
 * relays. No vendor's wire format lives here: only the JPush delivery strategies.
 */

/** A vendor channel id a relay goes through. */
export type RelayChannelId = Exclude<ChannelId, 'own'>;

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Domestic Android vendors, in the order used when a device (unusually) holds tokens of several. */
export const DOMESTIC_VENDORS = ['huawei', 'honor', 'xiaomi', 'oppo', 'vivo', 'meizu'] as const satisfies readonly VendorTokenKey[];
export type DomesticVendor = (typeof DOMESTIC_VENDORS)[number];

/** Vendors that take custom messages (`distribution_customize`). */
const CUSTOM_MESSAGE_VENDORS: readonly string[] = ['huawei', 'honor'];

/** When a strategy relays: never, always, or only while the device holds no own connection. */
type When = 'never' | 'always' | 'offline';

/** `distribution` of a domestic vendor, FCM or HarmonyOS key. */
function distributionWhen(value: string): When {
  switch (value) {
    case 'ospush':
    case 'os_push': // spelling of the spec's live-window example
    case 'first_ospush':
      return 'always';
    case 'secondary_push':
      return 'offline';
    default: // jpush
      return 'never';
  }
}

/** `distribution_fcm` of a device holding an FCM and a domestic token: which channel and when. */
function distributionFcm(value: string, domestic: RelayChannelId): { channel: RelayChannelId; when: When } {
  switch (value) {
    case 'fcm':
      return { channel: 'fcm', when: 'always' };
    case 'pns':
      return { channel: domestic, when: 'always' };
    case 'secondary_pns_push':
      return { channel: domestic, when: 'offline' };
    case 'jpush':
      return { channel: 'fcm', when: 'never' };
    default: // secondary_fcm_push
      return { channel: 'fcm', when: 'offline' };
  }
}

/** `options.third_party_channel.<key>` as sent, or an empty object. */
export function vendorBlock(push: AcceptedPush, key: string): JsonObject {
  const third = push.options.raw.third_party_channel;
  const block = isObject(third) ? third[key] : undefined;
  return isObject(block) ? block : {};
}

const text = (v: Json | undefined): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The domestic vendor of a device among the channels available to the app, if any. */
function domesticOf(device: RelayDevice, available: ReadonlySet<string>): DomesticVendor | undefined {
  const tokens = device.tokens as Record<string, unknown>;
  return DOMESTIC_VENDORS.find((v) => tokens[v] !== undefined && available.has(v));
}

/** The content a vendor could carry to a platform: a notification, notification_3rd's, or a custom message. */
type Content = 'notification' | 'notification3rd' | 'message' | 'none';

function contentFor(push: AcceptedPush, platform: 'android' | 'ios' | 'hmos'): Content {
  if (push.notification !== undefined) return 'notification';
  if (push.message === undefined) return 'none';
  const n3 = push.notification3rd;
  if (n3 !== undefined) {
    // v1: the block is Android's notification; v2: one block per platform.
    const v2 = push.options.raw.notification_3rd_ver === 'v2' || isObject(n3.android) || isObject(n3.ios) || isObject(n3.hmos);
    if (v2 ? isObject(n3[platform]) : platform === 'android') return 'notification3rd';
  }
  return 'message';
}

const relays = (when: When, online: boolean): boolean => when === 'always' || (when === 'offline' && !online);

/** Android: the domestic vendor, FCM, or none, per the device's tokens and the push's strategies. */
function androidRoute(push: AcceptedPush, device: RelayDevice, online: boolean, available: ReadonlySet<string>): RelayChannelId[] {
  const content = contentFor(push, 'android');
  if (content === 'none') return [];
  const domestic = domesticOf(device, available);
  const fcm = device.tokens.fcm !== undefined && available.has('fcm');
  if (content === 'message') {
    // A custom message reaches Huawei / Honor per distribution_customize (default jpush), and
    // FCM per an explicit fcm.distribution (the strategy covers messages too); otherwise none.
    if (domestic !== undefined) {
      if (!CUSTOM_MESSAGE_VENDORS.includes(domestic)) return [];
      const value = text(vendorBlock(push, domestic).distribution_customize) ?? 'jpush';
      return relays(distributionWhen(value), online) ? [domestic] : [];
    }
    if (fcm) {
      const value = text(vendorBlock(push, 'fcm').distribution);
      return value !== undefined && relays(distributionWhen(value), online) ? ['fcm'] : [];
    }
    return [];
  }
  let route: { channel: RelayChannelId; when: When } | undefined;
  if (domestic !== undefined && fcm) {
    const value = text(vendorBlock(push, domestic).distribution_fcm) ?? 'secondary_fcm_push';
    route = distributionFcm(value, domestic);
  } else if (domestic !== undefined) {
    route = { channel: domestic, when: distributionWhen(text(vendorBlock(push, domestic).distribution) ?? 'secondary_push') };
  } else if (fcm) {
    route = { channel: 'fcm', when: distributionWhen(text(vendorBlock(push, 'fcm').distribution) ?? 'secondary_push') };
  }
  if (route === undefined) return [];
  // notification_3rd turns a custom message into a vendor notification for offline devices only
  const when = content === 'notification3rd' && route.when === 'always' ? 'offline' : route.when;
  return relays(when, online) ? [route.channel] : [];
}

/** HarmonyOS: `third_party_channel.hmos.distribution` (default first_ospush) for notifications and messages. */
function hmosRoute(push: AcceptedPush, device: RelayDevice, online: boolean, available: ReadonlySet<string>): RelayChannelId[] {
  if (device.tokens.hmos === undefined || !available.has('hmos')) return [];
  const content = contentFor(push, 'hmos');
  if (content === 'none') return [];
  const when = distributionWhen(text(vendorBlock(push, 'hmos').distribution) ?? 'first_ospush');
  const effective = content === 'notification3rd' && when === 'always' ? 'offline' : when;
  return relays(effective, online) ? ['hmos'] : [];
}

/**
 * The vendor channels a push goes through to one device. `available` holds the channels this
 * node has registered and the app has credentials for: a device whose vendor is not among them
 * is treated as not holding that token.
 */
export function relayChannels(push: AcceptedPush, device: RelayDevice, online: boolean, available: ReadonlySet<string>): RelayChannelId[] {
  const t = device.tokens;
  const notification = push.notification !== undefined;
  // A custom message reaches vendors only as its notification_3rd, and only offline devices.
  const third = push.message !== undefined && push.notification3rd !== undefined;
  switch (device.platform) {
    case 'ios': {
      if (!available.has('apns')) return [];
      const liveIos = push.liveActivity?.ios;
      const live = isObject(liveIos) && (liveIos.event === 'start' ? t.apns_start : t.apns_activity) !== undefined;
      const alert = (notification && t.apns !== undefined) || (third && !online && t.apns !== undefined && isObject(push.notification3rd?.ios));
      const voip = notification && isObject(push.notification?.voip) && t.apns_voip !== undefined;
      return live || alert || voip ? ['apns'] : [];
    }
    case 'android':
      return androidRoute(push, device, online, available);
    case 'hmos':
      return hmosRoute(push, device, online, available);
    case 'web':
      // A browser with its page open holds the connection; Web Push wakes the service worker otherwise.
      return available.has('webpush') && t.webpush !== undefined && notification && !online ? ['webpush'] : [];
    default:
      // quick apps: the own connection only
      return [];
  }
}

/** Whether a push has anything a vendor channel could carry (checked at accept). */
export function mayRelay(push: AcceptedPush | Omit<AcceptedPush, 'msgId' | 'createdAt' | 'expiresAt'>): boolean {
  return push.notification !== undefined || push.liveActivity !== undefined || push.message !== undefined;
}
