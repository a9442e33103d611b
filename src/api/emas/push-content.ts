import type { JsonObject } from '../../domain/push.js';
import { emas } from './errors.js';
import { paramGroup, type Params } from './params.js';

/**
 * The content parameters of an EMAS push (Title, Body, iOS*, Android*, Harmony*, Sms*) as the
 * normalized push's JPush-named blocks. Parameters with a JPush counterpart are translated
 * (AndroidExtParameters -> android.extras, iOSBadge -> ios.badge, ...); vendor-only ones
 * (Huawei, Honor, vivo, OPPO, Xiaomi, Meizu specifics, auxiliary pop-ups, reminders) are
 * checked and kept as sent in `options.raw.emas` for the vendor channels to render.
 */

export type PushType = 'MESSAGE' | 'NOTICE';
export type DeviceType = 'ANDROID' | 'iOS' | 'HARMONY' | 'ALL';

const TITLE_MAX_BYTES = 200;
/** Alibaba's product limit for a push's content. */
const BODY_MAX_BYTES = 4000;

/** Checks of vendor-only parameters: those with a type or range the documentation gives. */
function checkVendorOnly(p: Params): void {
  p.bool('AndroidRemind');
  p.str('AndroidPopupActivity', { maxBytes: 256 });
  p.str('AndroidPopupTitle', { maxLength: 50 });
  p.str('AndroidPopupBody', { maxLength: 200 });
  p.oneOf('AndroidNotificationHuaweiChannel', ['LOW', 'NORMAL']);
  p.oneOf('AndroidNotificationHonorChannel', ['LOW', 'NORMAL']);
  p.oneOf('AndroidMessageHuaweiUrgency', ['HIGH', 'NORMAL']);
  p.int('AndroidMessageOppoNotifyLevel', { min: 1, max: 16 });
  if (p.has('AndroidMessageOppoNotifyLevel') && !p.has('AndroidMessageOppoCategory')) throw emas.missing('AndroidMessageOppoCategory');
  for (const n of ['AndroidTargetUserType', 'AndroidHuaweiTargetUserType', 'AndroidHonorTargetUserType', 'AndroidVivoPushMode']) {
    p.int(n, { min: 0, max: 1 });
  }
  p.int('AndroidOppoIntentEnv', { min: 0, max: 2 });
  p.int('AndroidHuaweiBusinessType', { min: 0, max: 1 });
  p.int('AndroidMeizuNoticeMsgType', { min: 0, max: 1 });
  for (const n of ['AndroidOppoPrivateTitleParameters', 'AndroidOppoPrivateContentParameters', 'AndroidXiaomiTemplateParams']) p.jsonMap(n);
  for (const n of [
    'AndroidHuaweiLiveNotificationPayload',
    'AndroidOppoIntelligentIntent',
    'AndroidOppoDeleteIntentData',
    'AndroidVivoLiveMessage',
    'AndroidXiaomiFocusParam',
    'AndroidXiaomiFocusPics',
    'HarmonyLiveViewPayload',
  ]) {
    p.jsonMap(n, 8192);
  }
  p.bool('iOSRemind');
  p.str('iOSRemindBody', { maxBytes: BODY_MAX_BYTES });
  p.bool('HarmonyRemind');
  p.bool('HarmonyExtensionPush');
  p.oneOf('HarmonyNotificationSlotType', ['SOCIAL_COMMUNICATION', 'SERVICE_INFORMATION', 'CONTENT_INFORMATION', 'CUSTOMER_SERVICE', 'OTHER_TYPES']);
  p.int('SendSpeed', { min: 0 });
}

const VENDOR_ONLY = paramGroup(checkVendorOnly);

export interface Content {
  notification?: JsonObject;
  message?: JsonObject;
  liveActivity?: JsonObject;
  apnsCollapseId?: string;
}

function set(o: JsonObject, key: string, value: JsonObject[string] | undefined): void {
  if (value !== undefined) o[key] = value;
}

const ALERT_TYPE = { VIBRATE: 2, SOUND: 1, BOTH: 3, NONE: 0 } as const;

function androidBlock(p: Params, title: string | undefined, body: string): JsonObject {
  const a: JsonObject = { alert: body };
  set(a, 'title', title);
  if (p.anyOf(ANDROID_OPTIONS)) androidOptions(p, a, body);
  set(a, 'extras', p.jsonMap('AndroidExtParameters'));
  return a;
}

/** The Android notification's optional parameters (most pushes give none of them). */
function androidOptions(p: Params, a: JsonObject, body: string): void {
  const notifyType = p.oneOf('AndroidNotifyType', ['VIBRATE', 'SOUND', 'BOTH', 'NONE'] as const);
  if (notifyType) a.alert_type = ALERT_TYPE[notifyType];
  set(a, 'builder_id', p.int('AndroidNotificationBarType', { min: 1, max: 100 }));
  set(a, 'priority', p.int('AndroidNotificationBarPriority', { min: -2, max: 2 }));
  set(a, 'channel_id', p.str('AndroidNotificationChannel', { maxBytes: 1000 }) || undefined);
  set(a, 'sound', p.str('AndroidMusic', { maxBytes: 256 }) || undefined);
  set(a, 'badge_add_num', p.int('AndroidBadgeAddNum', { min: 1, max: 99 }));
  set(a, 'badge_set_num', p.int('AndroidBadgeSetNum', { min: 0, max: 99 }));
  set(a, 'badge_class', p.str('AndroidBadgeClass', { maxBytes: 256 }) || undefined);
  set(a, 'large_icon', p.str('AndroidImageUrl', { maxBytes: 1024 }) || undefined);
  set(a, 'notify_id', p.int('AndroidNotificationNotifyId', { min: 0, max: 2_147_483_647 }));
  set(a, 'group', p.str('AndroidNotificationGroup', { maxBytes: 256 }) || undefined);
  set(a, 'thread_id', p.str('AndroidNotificationThreadId', { maxBytes: 256 }) || undefined);
  const open = p.oneOf('AndroidOpenType', ['APPLICATION', 'ACTIVITY', 'URL', 'NONE'] as const);
  if (open === 'URL') a.intent = { url: p.need('AndroidOpenUrl', { maxBytes: 1024 }) };
  if (open === 'ACTIVITY') a.intent = { url: `intent:#Intent;component=${p.need('AndroidActivity', { maxBytes: 256 })};end` };
  const style = p.int('AndroidRenderStyle', { min: 0, max: 3 });
  if (style === 1) {
    a.style = 1;
    a.big_text = p.str('AndroidBigBody', { maxBytes: 1000 }) || body;
    set(a, 'big_title', p.str('AndroidBigTitle', { maxBytes: 200 }) || undefined);
  } else if (style === 2) {
    a.style = 3;
    a.big_pic_path = p.need('AndroidBigPictureUrl', { maxBytes: 1024 });
  } else if (style === 3) {
    const lines = p.jsonArray('AndroidInboxBody', 5);
    if (!lines) throw emas.missing('AndroidInboxBody');
    a.style = 2;
    a.inbox = Object.fromEntries(lines.map((line, i) => [`inbox${i + 1}`, line]));
  }
}

const ANDROID_OPTIONS = paramGroup((p) => androidOptions(p, {}, ''));

function iosBlock(p: Params, title: string | undefined, body: string): { block: JsonObject; collapseId?: string } {
  const subtitle = p.str('iOSSubtitle', { maxBytes: 200 }) || undefined;
  let alert: JsonObject | string = body;
  if (title || subtitle) {
    alert = {};
    if (title) alert.title = title;
    if (subtitle) alert.subtitle = subtitle;
    alert.body = body;
  }
  const i: JsonObject = { alert };
  const music = p.str('iOSMusic', { maxBytes: 256 });
  if (music !== undefined) i.sound = music;
  const badge = p.int('iOSBadge', { min: 0, max: 99_999 });
  const autoIncrement = p.bool('iOSBadgeAutoIncrement');
  if (badge !== undefined && autoIncrement) throw emas.parameter('iOSBadge must be empty when iOSBadgeAutoIncrement is true');
  if (autoIncrement) i.badge = '+1';
  else set(i, 'badge', badge);
  if (p.anyOf(IOS_OPTIONS)) iosOptions(p, i);
  set(i, 'extras', p.jsonMap('iOSExtParameters'));
  const collapseId = p.str('iOSNotificationCollapseId', { maxBytes: 64 }) || undefined;
  return { block: i, collapseId };
}

/** The iOS notification's less common parameters. */
function iosOptions(p: Params, i: JsonObject): void {
  if (p.bool('iOSSilentNotification')) i['content-available'] = true;
  if (p.bool('iOSMutableContent')) i['mutable-content'] = true;
  set(i, 'category', p.str('iOSNotificationCategory', { maxBytes: 256 }) || undefined);
  set(i, 'thread-id', p.str('iOSNotificationThreadId', { maxBytes: 256 }) || undefined);
  set(i, 'interruption-level', p.oneOf('iOSInterruptionLevel', ['passive', 'active', 'time-sensitive', 'critical']));
  set(i, 'relevance-score', p.number('iOSRelevanceScore', 0, 1));
}

const IOS_OPTIONS = paramGroup((p) => iosOptions(p, {}));

function harmonyBlock(p: Params, title: string | undefined, body: string): JsonObject {
  const h: JsonObject = { alert: body };
  set(h, 'title', title);
  set(h, 'category', p.str('HarmonyCategory', { maxBytes: 64 }) || undefined);
  set(h, 'notify_id', p.int('HarmonyNotifyId', { min: 0, max: 2_147_483_647 }));
  const action = p.oneOf('HarmonyActionType', ['APP_HOME_PAGE', 'APP_CUSTOM_PAGE']);
  const uri = p.str('HarmonyUri', { maxBytes: 1024 }) || undefined;
  const ability = p.str('HarmonyAction', { maxBytes: 256 }) || undefined;
  if (action === 'APP_CUSTOM_PAGE') {
    if (!uri && !ability) throw emas.missing('HarmonyUri');
    h.intent = { url: uri ?? ability! };
  }
  const image = p.str('HarmonyImageUrl', { maxBytes: 1024 }) || undefined;
  if (image !== undefined && !image.startsWith('https://')) throw emas.format('HarmonyImageUrl', 'The URL must use HTTPS.');
  set(h, 'large_icon', image);
  if (p.oneOf('HarmonyRenderStyle', ['NORMAL', 'MULTI_LINE']) === 'MULTI_LINE') {
    const lines = p.jsonArray('HarmonyInboxContent', 3);
    if (!lines) throw emas.missing('HarmonyInboxContent');
    h.style = 2;
    h.inbox = lines;
  }
  set(h, 'badge_add_num', p.int('HarmonyBadgeAddNum', { min: 1, max: 99 }));
  set(h, 'badge_set_num', p.int('HarmonyBadgeSetNum', { min: 0, max: 99 }));
  set(h, 'test_message', p.bool('HarmonyTestMessage'));
  set(h, 'receipt_id', p.str('HarmonyReceiptId', { maxBytes: 256 }) || undefined);
  set(h, 'extra_data', p.str('HarmonyExtensionExtraData', { maxBytes: 4096 }) || undefined);
  set(h, 'extras', p.jsonMap('HarmonyExtParameters'));
  return h;
}

/** An iOS Live Activity (iOSLiveActivity*) in JPush's live_activity shape; it replaces the iOS notification. */
function liveActivity(p: Params, title: string | undefined, body: string | undefined): JsonObject | undefined {
  const event = p.oneOf('iOSLiveActivityEvent', ['start', 'update', 'end']);
  if (!event) return undefined;
  const ios: JsonObject = { event };
  const parseJson = (name: string) => {
    const m = p.jsonMap(name, 4096);
    return m;
  };
  if (event === 'start') {
    ios['attributes-type'] = p.need('iOSLiveActivityAttributesType', { maxBytes: 256 });
    const attrs = parseJson('iOSLiveActivityAttributes');
    if (!attrs) throw emas.missing('iOSLiveActivityAttributes');
    ios.attributes = attrs;
  }
  ios['content-state'] = parseJson('iOSLiveActivityContentState') ?? {};
  set(ios, 'stale-date', p.int('iOSLiveActivityStaleDate', { min: 0 }));
  const dismissal = p.int('iOSLiveActivityDismissalDate', { min: 0 });
  if (dismissal !== undefined && dismissal * 1000 > Date.now() + 4 * 3600_000) {
    throw emas.format('iOSLiveActivityDismissalDate', 'At most 4 hours from now.');
  }
  set(ios, 'dismissal-date', dismissal);
  if (body !== undefined) ios.alert = title ? { title, body } : { body };
  return { ios };
}

/** Title and Body with their limits, and the platform blocks of the push's content. */
export function translateContent(p: Params, pushType: PushType, deviceType: DeviceType): Content {
  if (p.anyOf(VENDOR_ONLY)) checkVendorOnly(p);
  const title = p.str('Title', { maxBytes: TITLE_MAX_BYTES }) || undefined;
  const silent = p.bool('iOSSilentNotification') === true;
  const live = deviceType === 'iOS' ? liveActivity(p, title, p.raw('Body')) : undefined;
  const body = live || silent ? (p.str('Body', { maxBytes: BODY_MAX_BYTES }) ?? '') : p.need('Body', { maxBytes: BODY_MAX_BYTES });
  if (!title && (deviceType === 'ANDROID' || deviceType === 'HARMONY')) throw emas.missing('Title');
  if (live) return { liveActivity: live };

  if (pushType === 'MESSAGE') {
    const message: JsonObject = { msg_content: body };
    if (title) message.title = title;
    return { message };
  }
  const notification: JsonObject = {};
  const out: Content = { notification };
  if (deviceType === 'ANDROID' || deviceType === 'ALL') notification.android = androidBlock(p, title, body);
  if (deviceType === 'iOS' || deviceType === 'ALL') {
    const { block, collapseId } = iosBlock(p, title, body);
    notification.ios = block;
    if (collapseId) out.apnsCollapseId = collapseId;
  }
  if (deviceType === 'HARMONY') notification.hmos = harmonyBlock(p, title, body);
  return out;
}

/** SMS fallback (Sms*) in the shape of JPush's sms_message. */
export function translateSms(p: Params): JsonObject | undefined {
  return p.anyOf(SMS) ? readSms(p) : undefined;
}

function readSms(p: Params): JsonObject | undefined {
  const template = p.str('SmsTemplateName', { maxBytes: 256 }) || undefined;
  const sign = p.str('SmsSignName', { maxBytes: 256 }) || undefined;
  const params = p.str('SmsParams', { maxBytes: 1024 }) || undefined;
  const delay = p.int('SmsDelaySecs', { min: 0, max: 3 * 86_400 });
  const policy = p.int('SmsSendPolicy', { min: 0, max: 1 });
  if (template === undefined && sign === undefined && params === undefined && delay === undefined && policy === undefined) return undefined;
  if (template === undefined) throw emas.missing('SmsTemplateName');
  if (sign === undefined) throw emas.missing('SmsSignName');
  const sms: JsonObject = { template_name: template, sign_name: sign, delay_time: delay ?? 0, send_policy: policy ?? 0 };
  if (params !== undefined) {
    const pairs: JsonObject = {};
    for (const part of params.split('&')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw emas.format('SmsParams', 'Use key1=value1&key2=value2.');
      pairs[part.slice(0, eq)] = part.slice(eq + 1);
    }
    sms.temp_para = pairs;
  }
  return sms;
}

const SMS = paramGroup(readSms);
