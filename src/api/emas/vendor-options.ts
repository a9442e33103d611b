import type { JsonObject } from '../../domain/push.js';
import { paramGroup, type Params } from './params.js';

/**
 * EMAS's vendor parameters (AndroidNotificationHuaweiChannel, AndroidMessageOppoCategory, ...)
 * and SendChannels, as the JPush-named `options.third_party_channel` the vendor channels and
 * the router read. One engine, two doors: an EMAS push to a Xiaomi phone carries the same
 * `third_party_channel.xiaomi.channel_id` a JPush push would.
 */

/** SendChannels values, by the key JPush gives the same channel (`accs` is Borealis's own connection). */
const CHANNEL_KEYS: Readonly<Record<string, string>> = {
  accs: 'own',
  huawei: 'huawei',
  honor: 'honor',
  xiaomi: 'xiaomi',
  oppo: 'oppo',
  vivo: 'vivo',
  meizu: 'meizu',
  gcm: 'fcm',
  fcm: 'fcm',
  apns: 'apns',
  harmony: 'hmos',
};

/** Vendors whose routing follows `third_party_channel.<key>.distribution`. */
const DISTRIBUTED = ['huawei', 'honor', 'xiaomi', 'oppo', 'vivo', 'meizu', 'fcm', 'hmos'] as const;

export interface VendorOptions {
  /** JPush's options.third_party_channel, absent when the request names no vendor parameter. */
  thirdPartyChannel?: JsonObject;
  /** The vendor channels the push may be relayed through (SendChannels); absent = any. */
  relayChannels?: string[];
}

/** Names of the EMAS parameters translated here (so they are not also kept as vendor-only raw). */
export const VENDOR_OPTION_PARAMS = [
  'SendChannels',
  'AndroidNotificationHuaweiChannel',
  'AndroidMessageHuaweiUrgency',
  'AndroidMessageHuaweiCategory',
  'AndroidHuaweiReceiptId',
  'AndroidHuaweiTargetUserType',
  'AndroidNotificationHonorChannel',
  'AndroidHonorTargetUserType',
  'AndroidNotificationXiaomiChannel',
  'AndroidXiaomiTemplateId',
  'AndroidXiaomiTemplateParams',
  'AndroidMessageOppoCategory',
  'AndroidMessageOppoNotifyLevel',
  'AndroidOppoPrivateMsgTemplateId',
  'AndroidOppoPrivateTitleParameters',
  'AndroidOppoPrivateContentParameters',
  'AndroidNotificationVivoChannel',
  'AndroidMessageVivoCategory',
  'AndroidVivoReceiptId',
  'AndroidVivoPushMode',
  'AndroidTargetUserType',
] as const;

function put(into: JsonObject, vendor: string, field: string, value: string | number | boolean | JsonObject | undefined): void {
  if (value === undefined) return;
  const block = (into[vendor] ??= {}) as JsonObject;
  block[field] = value;
}

/**
 * Reads the vendor parameters (already range-checked by the content translation) and
 * SendChannels (checked by the caller) into JPush's shape.
 *
 * SendChannels lists the channels a push may take. A vendor left out gets distribution `jpush`
 * (Borealis's own connection only) and is not relayed; a listed vendor gets `secondary_push`
 * (the vendor when the device is offline) when `accs` is listed too, and `ospush` (the vendor
 * first) when it is not. `apns` left out means iOS devices are not relayed through APNs.
 */
export function vendorOptions(p: Params, sendChannels: readonly string[]): VendorOptions {
  if (sendChannels.length === 0 && !p.anyOf(VENDOR)) return {};
  return readVendorOptions(p, sendChannels);
}

function readVendorOptions(p: Params, sendChannels: readonly string[]): VendorOptions {
  const third: JsonObject = {};
  const testUser = p.int('AndroidTargetUserType');

  put(third, 'huawei', 'importance', p.raw('AndroidNotificationHuaweiChannel'));
  put(third, 'huawei', 'urgency', p.raw('AndroidMessageHuaweiUrgency'));
  put(third, 'huawei', 'category', p.str('AndroidMessageHuaweiCategory', { maxBytes: 64 }) || undefined);
  put(third, 'huawei', 'receipt_id', p.str('AndroidHuaweiReceiptId', { maxBytes: 64 }) || undefined);
  put(third, 'huawei', 'target_user_type', p.int('AndroidHuaweiTargetUserType') ?? testUser);

  put(third, 'honor', 'importance', p.raw('AndroidNotificationHonorChannel'));
  put(third, 'honor', 'target_user_type', p.int('AndroidHonorTargetUserType') ?? testUser);

  put(third, 'xiaomi', 'channel_id', p.str('AndroidNotificationXiaomiChannel', { maxBytes: 128 }) || undefined);
  put(third, 'xiaomi', 'mi_template_id', p.str('AndroidXiaomiTemplateId', { maxBytes: 128 }) || undefined);
  const miParams = p.jsonMap('AndroidXiaomiTemplateParams');
  // JPush carries Xiaomi's template parameters as a JSON string
  put(third, 'xiaomi', 'mi_template_param', miParams && JSON.stringify(miParams));

  put(third, 'oppo', 'category', p.str('AndroidMessageOppoCategory', { maxBytes: 64 }) || undefined);
  put(third, 'oppo', 'notify_level', p.int('AndroidMessageOppoNotifyLevel'));
  put(third, 'oppo', 'private_msg_template_id', p.str('AndroidOppoPrivateMsgTemplateId', { maxBytes: 128 }) || undefined);
  put(third, 'oppo', 'private_title_parameters', p.jsonMap('AndroidOppoPrivateTitleParameters'));
  put(third, 'oppo', 'private_content_parameters', p.jsonMap('AndroidOppoPrivateContentParameters'));

  // vivo's classification: 0 operational, 1 system (the parameter is a string in EMAS)
  const vivoClass = p.oneOf('AndroidNotificationVivoChannel', ['0', '1']);
  put(third, 'vivo', 'classification', vivoClass === undefined ? undefined : Number(vivoClass));
  put(third, 'vivo', 'category', p.str('AndroidMessageVivoCategory', { maxBytes: 64 }) || undefined);
  put(third, 'vivo', 'callback_id', p.str('AndroidVivoReceiptId', { maxBytes: 64 }) || undefined);
  put(third, 'vivo', 'push_mode', p.int('AndroidVivoPushMode') ?? testUser);

  const out: VendorOptions = {};
  if (sendChannels.length > 0) {
    const listed = new Set(sendChannels.map((c) => CHANNEL_KEYS[c]).filter((k): k is string => k !== undefined));
    const own = listed.has('own');
    for (const key of DISTRIBUTED) {
      const distribution = !listed.has(key) ? 'jpush' : own ? 'secondary_push' : 'ospush';
      put(third, key, 'distribution', distribution);
      if (key === 'fcm') put(third, key, 'distribution_fcm', distribution === 'secondary_push' ? 'secondary_fcm_push' : distribution === 'ospush' ? 'fcm' : 'jpush');
    }
    out.relayChannels = [...listed].filter((k) => k !== 'own').sort();
  }
  if (Object.keys(third).length > 0) out.thirdPartyChannel = third;
  return out;
}

const VENDOR = paramGroup((p) => readVendorOptions(p, []));
