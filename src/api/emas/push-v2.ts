import { emas } from './errors.js';

/**
 * PushV2 / MassPushV2 take a structured PushTask (sent JSON-encoded as one parameter). It is
 * flattened into the flat names of the `Push` action, so one translator serves both shapes.
 */

type Obj = Record<string, unknown>;

const IOS: Record<string, string> = {
  ApnsEnv: 'iOSApnsEnv', Badge: 'iOSBadge', BadgeAutoIncrement: 'iOSBadgeAutoIncrement', Category: 'iOSNotificationCategory',
  CollapseId: 'iOSNotificationCollapseId', ExtParameters: 'iOSExtParameters', InterruptionLevel: 'iOSInterruptionLevel',
  Music: 'iOSMusic', Mutable: 'iOSMutableContent', RelevanceScore: 'iOSRelevanceScore', Silent: 'iOSSilentNotification',
  Subtitle: 'iOSSubtitle', ThreadId: 'iOSNotificationThreadId',
};
const LIVE: Record<string, string> = {
  Event: 'iOSLiveActivityEvent', Id: 'iOSLiveActivityId', Attributes: 'iOSLiveActivityAttributes',
  AttributesType: 'iOSLiveActivityAttributesType', ContentState: 'iOSLiveActivityContentState',
  StaleDate: 'iOSLiveActivityStaleDate', DismissalDate: 'iOSLiveActivityDismissalDate',
};
const ANDROID: Record<string, string> = {
  BadgeActivity: 'AndroidBadgeClass', BadgeAddNum: 'AndroidBadgeAddNum', BadgeSetNum: 'AndroidBadgeSetNum',
  ChannelId: 'AndroidNotificationChannel', ExtParameters: 'AndroidExtParameters', GroupId: 'AndroidNotificationGroup',
  ImageUrl: 'AndroidImageUrl', InboxContent: 'AndroidInboxBody', Music: 'AndroidMusic', NotifyId: 'AndroidNotificationNotifyId',
  PictureUrl: 'AndroidBigPictureUrl', RenderStyle: 'AndroidRenderStyle', VendorChannelActivity: 'AndroidPopupActivity',
};
const ANDROID_OPTIONS: Record<string, Record<string, string>> = {
  Accs: { CustomStyle: 'AndroidNotificationBarType', NotifyType: 'AndroidNotifyType', OpenActivity: 'AndroidActivity', OpenType: 'AndroidOpenType', OpenUrl: 'AndroidOpenUrl', Priority: 'AndroidNotificationBarPriority', ThreadId: 'AndroidNotificationThreadId' },
  Huawei: { BusinessType: 'AndroidHuaweiBusinessType', Category: 'AndroidMessageHuaweiCategory', Importance: 'AndroidNotificationHuaweiChannel', LiveNotificationPayload: 'AndroidHuaweiLiveNotificationPayload', ReceiptId: 'AndroidHuaweiReceiptId', Urgency: 'AndroidMessageHuaweiUrgency' },
  Honor: { Importance: 'AndroidNotificationHonorChannel' },
  Vivo: { Category: 'AndroidMessageVivoCategory', Importance: 'AndroidNotificationVivoChannel', LiveMessage: 'AndroidVivoLiveMessage', ReceiptId: 'AndroidVivoReceiptId' },
  Oppo: { Category: 'AndroidMessageOppoCategory', NotifyLevel: 'AndroidMessageOppoNotifyLevel', PrivateMsgTemplateId: 'AndroidOppoPrivateMsgTemplateId', PrivateTitleParameters: 'AndroidOppoPrivateTitleParameters', PrivateContentParameters: 'AndroidOppoPrivateContentParameters', IntelligentIntent: 'AndroidOppoIntelligentIntent', DeleteIntentData: 'AndroidOppoDeleteIntentData' },
  Xiaomi: { Channel: 'AndroidNotificationXiaomiChannel', TemplateId: 'AndroidXiaomiTemplateId', TemplateParams: 'AndroidXiaomiTemplateParams', FocusParam: 'AndroidXiaomiFocusParam', FocusPics: 'AndroidXiaomiFocusPics' },
  Meizu: { NoticeMsgType: 'AndroidMeizuNoticeMsgType' },
};
const HMOS: Record<string, string> = {
  Action: 'HarmonyAction', Uri: 'HarmonyUri', Category: 'HarmonyCategory', NotifyId: 'HarmonyNotifyId', RenderStyle: 'HarmonyRenderStyle',
  InboxContent: 'HarmonyInboxContent', ImageUrl: 'HarmonyImageUrl', BadgeAddNum: 'HarmonyBadgeAddNum', BadgeSetNum: 'HarmonyBadgeSetNum',
  ExtParameters: 'HarmonyExtParameters', ExtensionPush: 'HarmonyExtensionPush', ExtensionExtraData: 'HarmonyExtensionExtraData',
  LiveViewPayload: 'HarmonyLiveViewPayload', ReceiptId: 'HarmonyReceiptId', SlotType: 'HarmonyNotificationSlotType', TestMessage: 'HarmonyTestMessage',
};
const OPTIONS: Record<string, string> = { PushTime: 'PushTime', ExpireTime: 'ExpireTime', JobKey: 'JobKey', Trim: 'Trim', UseChannels: 'SendChannels' };
const SMS: Record<string, string> = { TemplateName: 'SmsTemplateName', SignName: 'SmsSignName', Params: 'SmsParams', DelaySecs: 'SmsDelaySecs', SendPolicy: 'SmsSendPolicy' };

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function flatValue(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function copy(out: Map<string, string>, from: unknown, names: Record<string, string>): void {
  if (!isObj(from)) return;
  for (const [k, flat] of Object.entries(names)) {
    const v = flatValue(from[k]);
    if (v !== undefined) out.set(flat, v);
  }
}

/** One structured PushTask as flat `Push` parameters, prefixed (e.g. `PushTask.2.`). */
export function flattenPushTask(task: unknown, prefix = ''): Map<string, string> {
  if (!isObj(task)) throw emas.format('PushTask', 'A JSON object is expected.');
  const flat = new Map<string, string>();
  const target = task.Target;
  if (isObj(target)) copy(flat, target, { Platform: 'DeviceType', Type: 'Target', Value: 'TargetValue' });
  const action = flatValue(task.Action);
  if (action !== undefined) flat.set('PushType', action);
  const content = action === 'MESSAGE' ? task.Message : task.Notification;
  copy(flat, content, { Title: 'Title', Body: 'Body' });
  if (action !== 'MESSAGE' && isObj(content)) {
    copy(flat, content.Ios, IOS);
    if (isObj(content.Ios)) copy(flat, content.Ios.LiveActivity, LIVE);
    copy(flat, content.Android, ANDROID);
    if (isObj(content.Android) && content.Android.TestMessage === true) flat.set('AndroidTargetUserType', '1');
    const opts = isObj(content.Android) ? content.Android.Options : undefined;
    if (isObj(opts)) for (const [vendor, names] of Object.entries(ANDROID_OPTIONS)) copy(flat, opts[vendor], names);
    copy(flat, content.Hmos, HMOS);
    if (isObj(content.Hmos) && (content.Hmos.Uri !== undefined || content.Hmos.Action !== undefined)) flat.set('HarmonyActionType', 'APP_CUSTOM_PAGE');
  }
  const options = task.Options;
  copy(flat, options, OPTIONS);
  // The structured task has no StoreOffline: an ExpireTime asks for offline storage until then.
  if (isObj(options) && options.ExpireTime !== undefined) flat.set('StoreOffline', 'true');
  if (isObj(options)) copy(flat, options.Sms, SMS);
  if (prefix === '') return flat;
  return new Map([...flat].map(([k, v]) => [prefix + k, v]));
}

/** A JSON-encoded parameter (PushTask / PushTasks). */
export function parseJsonParam(name: string, text: string | undefined): unknown {
  if (text === undefined || text === '') throw emas.missing(name);
  try {
    return JSON.parse(text);
  } catch {
    throw emas.format(name, 'JSON is expected.');
  }
}
