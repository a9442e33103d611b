import { isRegistrationId } from '../../domain/names.js';
import type { Audience, JsonObject, Platform, Push, TagExpression } from '../../domain/push.js';
import { emas } from './errors.js';
import { namedGroup, type Params } from './params.js';
import { translateContent, translateSms, type DeviceType, type PushType } from './push-content.js';
import { VENDOR_OPTION_PARAMS, vendorOptions } from './vendor-options.js';

export type Target = 'DEVICE' | 'ACCOUNT' | 'ALIAS' | 'TAG' | 'ALL' | 'TBD';

/** Devices, accounts or aliases one push may name. */
export const MAX_TARGET_VALUES = 1000;
/** StoreOffline keeps a push this long when ExpireTime is not given, and at most this long. */
export const MAX_EXPIRE_MS = 72 * 3600_000;
/** PushTime may be at most this far ahead. */
export const MAX_SCHEDULE_MS = 7 * 86_400_000;
const MAX_EXPRESSION_TAGS = 50;
const MAX_OPERANDS = 10;
/** and / or operators nested in one another (not and tag leaves do not count). */
const MAX_NESTING = 3;
const SEND_CHANNELS = ['accs', 'huawei', 'honor', 'xiaomi', 'oppo', 'vivo', 'meizu', 'gcm', 'fcm', 'apns', 'harmony'];
const JOB_KEY = /^[A-Za-z0-9_-]{1,32}$/;
const IDEMPOTENT_TOKEN = /^[A-Za-z0-9-]{1,64}$/;
/**
 * Parameters not kept in `options.raw.emas`: the request's own, and those translated into the
 * push's JPush-named fields (vendor channels read those). What is left are the vendor-only ones.
 */
const NOT_RAW = new Set([
  'Action', 'Version', 'Format', 'AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce',
  'Timestamp', 'SecurityToken', 'RegionId', 'AppKey', 'IdempotentToken',
  'PushType', 'DeviceType', 'Target', 'TargetValue', 'Title', 'Body', 'StoreOffline', 'ExpireTime', 'PushTime', 'JobKey',
  'iOSApnsEnv', 'iOSBadge', 'iOSBadgeAutoIncrement', 'iOSMusic', 'iOSSubtitle', 'iOSSilentNotification', 'iOSMutableContent',
  'iOSNotificationCategory', 'iOSNotificationThreadId', 'iOSInterruptionLevel', 'iOSRelevanceScore', 'iOSExtParameters',
  'iOSNotificationCollapseId', 'iOSLiveActivityEvent', 'iOSLiveActivityAttributesType', 'iOSLiveActivityAttributes',
  'iOSLiveActivityContentState', 'iOSLiveActivityStaleDate', 'iOSLiveActivityDismissalDate',
  'AndroidNotifyType', 'AndroidOpenType', 'AndroidActivity', 'AndroidOpenUrl', 'AndroidNotificationBarType',
  'AndroidNotificationBarPriority', 'AndroidNotificationChannel', 'AndroidNotificationNotifyId', 'AndroidNotificationGroup',
  'AndroidNotificationThreadId', 'AndroidMusic', 'AndroidImageUrl', 'AndroidBadgeClass', 'AndroidBadgeAddNum',
  'AndroidBadgeSetNum', 'AndroidExtParameters', 'AndroidRenderStyle', 'AndroidBigTitle', 'AndroidBigBody',
  'AndroidBigPictureUrl', 'AndroidInboxBody',
  'HarmonyCategory', 'HarmonyNotifyId', 'HarmonyActionType', 'HarmonyAction', 'HarmonyUri', 'HarmonyImageUrl',
  'HarmonyRenderStyle', 'HarmonyInboxContent', 'HarmonyBadgeAddNum', 'HarmonyBadgeSetNum', 'HarmonyTestMessage',
  'HarmonyReceiptId', 'HarmonyExtensionExtraData', 'HarmonyExtParameters',
  'SmsTemplateName', 'SmsSignName', 'SmsParams', 'SmsDelaySecs', 'SmsSendPolicy', 'iOSLiveActivityId',
  ...VENDOR_OPTION_PARAMS,
]);

const TRANSLATED = namedGroup(NOT_RAW);

export interface TranslatedPush {
  push: Push;
  /** Epoch ms of PushTime when it is in the future. */
  pushTime?: number;
  target: Target;
  idempotentToken?: string;
}

function platformsOf(deviceType: DeviceType): Platform[] {
  switch (deviceType) {
    case 'ANDROID':
      return ['android'];
    case 'iOS':
      return ['ios'];
    case 'HARMONY':
      return ['hmos'];
    case 'ALL':
      // EMAS's ALL is its dual-platform apps' two: HarmonyOS devices are reached with HARMONY
      return ['android', 'ios'];
  }
}

/** EMAS tag expressions: {"and"|"or": [1..10 operands]}, {"not": operand}, {"tag": name}. */
export function parseTagExpression(text: string): TagExpression {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw emas.format('TargetValue', 'The tag expression is not JSON.');
  }
  let tags = 0;
  const walk = (v: unknown, depth: number): TagExpression => {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length !== 1) {
      throw emas.format('TargetValue', 'Each operand is one of {"tag":..}, {"and":[..]}, {"or":[..]}, {"not":..}.');
    }
    const o = v as Record<string, unknown>;
    if ('tag' in o) {
      if (typeof o.tag !== 'string' || o.tag.length === 0 || Buffer.byteLength(o.tag) > 128) throw emas.format('TargetValue', 'A tag is 1..128 bytes.');
      if (++tags > MAX_EXPRESSION_TAGS) throw emas.lengthExceed('TargetValue', MAX_EXPRESSION_TAGS);
      return { tag: o.tag };
    }
    if ('not' in o) return { not: walk(o.not, depth) };
    const op = 'and' in o ? 'and' : 'or' in o ? 'or' : undefined;
    const list = op === undefined ? undefined : o[op];
    if (!op || !Array.isArray(list) || list.length < 1 || list.length > MAX_OPERANDS) {
      throw emas.format('TargetValue', `"and" and "or" take 1..${MAX_OPERANDS} operands.`);
    }
    if (depth >= MAX_NESTING) throw emas.format('TargetValue', `and / or nest at most ${MAX_NESTING} levels.`);
    const parts = list.map((x) => walk(x, depth + 1));
    return op === 'and' ? { and: parts } : { or: parts };
  };
  const expr = walk(value, 0);
  if ('not' in expr) throw emas.format('TargetValue', '"not" cannot stand alone.');
  return expr;
}

export function audienceOf(p: Params, target: Target): Audience {
  switch (target) {
    case 'ALL':
    case 'TBD':
      return target === 'ALL' ? { all: true } : {};
    case 'DEVICE': {
      const ids = p.list('TargetValue', MAX_TARGET_VALUES, { required: true });
      if (!ids.every(isRegistrationId)) throw emas.format('TargetValue', 'Device ids are letters and digits.');
      return { registrationId: ids };
    }
    case 'ACCOUNT':
      return { account: p.list('TargetValue', MAX_TARGET_VALUES, { required: true, itemMaxBytes: 64 }) };
    case 'ALIAS':
      return { alias: p.list('TargetValue', MAX_TARGET_VALUES, { required: true, itemMaxBytes: 128 }) };
    case 'TAG': {
      const text = p.need('TargetValue', { maxBytes: 16_384 }).trim();
      if (text.startsWith('{')) return { tagExpr: parseTagExpression(text) };
      return { tag: p.list('TargetValue', MAX_EXPRESSION_TAGS, { required: true, itemMaxBytes: 128 }) };
    }
  }
}

/** The vendor-only parameters, kept with the push as sent for the vendor channels. */
function rawOf(p: Params): JsonObject {
  const raw: JsonObject = {};
  if (p.allIn(TRANSLATED)) return raw;
  p.forEach((name, value) => {
    if (!NOT_RAW.has(name)) raw[name] = value;
  });
  return raw;
}

/**
 * One EMAS push (the `Push` action's flat parameters, or one `PushTask.N.` of MassPush) as the
 * normalized Push. `batch` applies MassPush's rules: DEVICE / ACCOUNT / ALIAS only, no SMS.
 */
export function translatePush(p: Params, appKey: string, now: number, batch = false): TranslatedPush {
  const pushType = p.oneOf<PushType>('PushType', ['MESSAGE', 'NOTICE'], true)!;
  const deviceType = p.oneOf<DeviceType>('DeviceType', ['ANDROID', 'iOS', 'HARMONY', 'ALL'], true)!;
  const target = p.oneOf<Target>('Target', ['DEVICE', 'ACCOUNT', 'ALIAS', 'TAG', 'ALL', 'TBD'], true)!;
  if (batch && !['DEVICE', 'ACCOUNT', 'ALIAS'].includes(target)) throw emas.targetNotSupported();
  if (target === 'ALL' || target === 'TBD') {
    const v = p.need('TargetValue');
    if (v !== target) throw emas.format('TargetValue', `Use ${target} with Target=${target}.`);
  }
  let audience = audienceOf(p, target);

  let pushTime = p.time('PushTime');
  if (pushTime !== undefined) {
    if (target === 'TBD') throw emas.parameter('PushTime is not supported with Target=TBD');
    if (pushTime > now + MAX_SCHEDULE_MS) throw emas.format('PushTime', 'At most 7 days ahead.');
    if (pushTime <= now) pushTime = undefined; // a time already past means now
  }
  const start = pushTime ?? now;
  const storeOffline = p.bool('StoreOffline') ?? false;
  const expireTime = p.time('ExpireTime');
  if (expireTime !== undefined) {
    if (expireTime < start + 3000) throw emas.format('ExpireTime', 'ExpireTime must be at least 3 seconds after PushTime (or now).');
    if (expireTime > start + MAX_EXPIRE_MS) throw emas.format('ExpireTime', 'At most 72 hours after PushTime (or now).');
  }
  // Offline storage: until ExpireTime (72 h by default); without it only online devices get the push.
  const timeToLive = storeOffline ? Math.floor(((expireTime ?? start + MAX_EXPIRE_MS) - start) / 1000) : 0;

  const jobKey = p.str('JobKey', { pattern: JOB_KEY }) || undefined;
  const channels = p.list('SendChannels', SEND_CHANNELS.length);
  for (const c of channels) if (!SEND_CHANNELS.includes(c)) throw emas.format('SendChannels', `Valid values: ${SEND_CHANNELS.join(',')}.`);
  p.bool('Trim');
  const apnsEnv = p.oneOf('iOSApnsEnv', ['DEV', 'PRODUCT']);
  const idempotentToken = p.str('IdempotentToken', { pattern: IDEMPOTENT_TOKEN }) || undefined;

  const content = translateContent(p, pushType, deviceType);
  const liveEvent = (content.liveActivity?.ios as JsonObject | undefined)?.event;
  const liveActivityId = p.str('iOSLiveActivityId', { maxBytes: 128 }) || undefined;
  if (liveEvent === 'update' || liveEvent === 'end') {
    // An update or end addresses the activity: its holders' activity tokens, whatever the Target
    if (liveActivityId === undefined) throw emas.missing('iOSLiveActivityId');
    audience = { liveActivityId };
  }
  const vendor = vendorOptions(p, channels);
  const sms = batch ? undefined : translateSms(p);
  if (batch && p.names().some((n) => n.startsWith('Sms'))) throw emas.parameter('Sms parameters are not supported by MassPush');

  const push: Push = {
    appKey,
    source: 'emas',
    sendno: jobKey ?? '0',
    platforms: platformsOf(deviceType),
    audience,
    options: {
      timeToLive,
      apnsProduction: apnsEnv === 'PRODUCT',
      bigPushDuration: 0,
      raw: vendor.thirdPartyChannel ? { emas: rawOf(p), third_party_channel: vendor.thirdPartyChannel } : { emas: rawOf(p) },
    },
  };
  if (vendor.relayChannels) push.options.relayChannels = vendor.relayChannels;
  if (content.notification) push.notification = content.notification;
  if (content.message) push.message = content.message;
  if (content.liveActivity) push.liveActivity = content.liveActivity;
  if (content.apnsCollapseId) push.options.apnsCollapseId = content.apnsCollapseId;
  if (sms) push.smsMessage = sms;
  const out: TranslatedPush = { push, target };
  if (pushTime !== undefined) out.pushTime = pushTime;
  if (idempotentToken !== undefined) out.idempotentToken = idempotentToken;
  return out;
}
