/**
 * JSON Schema (draft-07, compiled by Ajv 8) of the JPush Push API v3 push object: the body of
 * `POST /v3/push` and `POST /v3/push/validate`.
 *
 * The field tables of the current Push API document are the source; where the older English
 * edition disagrees, the current one wins (noted inline). Every object is closed
 * (`additionalProperties: false`, so an unknown key is error 1009) except the ones the
 * specification declares free-form or passes through to a vendor: `extras`, `voip`, `inbox`,
 * `hm_payload`, `temp_para`, `callback.params`, the live activity `content-state` and
 * `attributes`, the APNs `alert` / `sound` dictionaries and the vendor payload objects of
 * `third_party_channel` (`hw_live_payload`, `auditResponse`, ...).
 *
 * The schema checks shape, types, enums and numeric ranges. Every integer has a range: the one
 * the specification documents, else that of its declared type (`int`: 0 to 2^31-1, as every
 * undocumented one is a count, an id or a duration; `long`: what a JSON number holds exactly),
 * so no value like 1e300 passes as an integer. Rules that need more
 * than one field, or byte lengths, live in `validate-push.ts`.
 */
import { MAX_BIG_PUSH_DURATION, MAX_TIME_TO_LIVE } from '../../domain/push.js';

/** Platform keys of the current specification. "winphone" (older edition only) is rejected. */
export const JPUSH_PLATFORMS = ['android', 'ios', 'hmos', 'quickapp'] as const;

/** Vendor keys accepted under `options.third_party_channel`. */
export const VENDOR_KEYS = [
  'xiaomi',
  'huawei',
  'honor',
  'meizu',
  'oppo',
  'vivo',
  'fcm',
  'asus',
  'nio',
  'hmos',
] as const;
export type VendorKey = (typeof VENDOR_KEYS)[number];

/** `distribution`: notification delivery policy of a vendor user. */
export const DISTRIBUTION_VALUES = ['first_ospush', 'ospush', 'jpush', 'secondary_push'] as const;
/** `distribution_fcm`: policy for devices holding both an FCM and a domestic vendor token. */
export const DISTRIBUTION_FCM_VALUES = ['jpush', 'fcm', 'pns', 'secondary_fcm_push', 'secondary_pns_push'] as const;
/** `distribution_customize`: custom message (`message`) policy for domestic vendor users. */
export const DISTRIBUTION_CUSTOMIZE_VALUES = ['jpush', 'first_ospush', 'secondary_push'] as const;

import { REGISTRATION_ID_PATTERN, TAG_ALIAS_PATTERN } from '../../domain/names.js';

export { TAG_ALIAS_PATTERN, REGISTRATION_ID_PATTERN };

/** Audience kinds of the push object. */
export const AUDIENCE_KINDS = ['tag', 'tag_and', 'tag_not', 'alias', 'registration_id', 'segment', 'abtest', 'live_activity_id', 'file'] as const;

/** cid format: `{appkey}-{uuid}`. */
export const CID_PATTERN =
  '^[0-9A-Za-z][0-9A-Za-z_]{0,63}-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export const MAX_TAGS = 20;
export const MAX_ALIASES = 1000;
export const MAX_REGISTRATION_IDS = 1000;
export const MAX_SMS_DELAY_SECONDS = 86_400;

/** `yyyy-MM-dd HH:mm:ss` of android show_begin_time / show_end_time. */
export const DATE_TIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$';
/** live activity `attributes-type`: "numbers, letters and underscores, cannot start with a number". */
export const IDENTIFIER_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
/** iOS `badge` as a string: "N", "+N" or "-N". */
export const BADGE_PATTERN = '^[+-]?\\d{1,9}$';
/** override_msg_id as a string. */
export const MSG_ID_PATTERN = '^[1-9][0-9]{0,19}$';

const INT32_MAX = 2_147_483_647;

type Schema = { [key: string]: unknown };

function intRange(minimum: number, maximum: number): Schema {
  return { type: 'integer', minimum, maximum };
}

const str: Schema = { type: 'string' };
/** An `int` without a documented range; all of them count, identify or last something. */
const count: Schema = intRange(0, INT32_MAX);
/** A `long` (or a UNIX time): any whole number a JSON number carries exactly. */
const long: Schema = intRange(0, Number.MAX_SAFE_INTEGER);
/**
 * Badge numbers of Android and HarmonyOS: JPush's numeric badge guide allows 1..99 to add and
 * 0..99 to set (the field tables of the specification give the type only).
 */
const badgeAddNum: Schema = intRange(1, 99);
const badgeSetNum: Schema = intRange(0, 99);
const bool: Schema = { type: 'boolean' };
/** A JSON object whose keys the specification leaves to the caller (passed through as is). */
const freeObject: Schema = { type: 'object' };
const zeroOrOne: Schema = { type: 'integer', enum: [0, 1] };

function closed(properties: Schema, required: string[] = []): Schema {
  const schema: Schema = { type: 'object', additionalProperties: false, properties };
  if (required.length > 0) schema.required = required;
  return schema;
}

function stringList(maxItems: number, itemPattern?: string): Schema {
  const items: Schema = { type: 'string', minLength: 1 };
  if (itemPattern !== undefined) items.pattern = itemPattern;
  return { type: 'array', maxItems, items };
}

/** `intent` of android / hmos: only `url` is documented. */
const intent = closed({ url: str }, ['url']);

const dateTime: Schema = { type: 'string', pattern: DATE_TIME_PATTERN };

// notification.android. `alert` is required by the table but may be inherited from
// notification.alert (the older edition's broadcast example sends "android": {}), so the
// requirement is checked in code.
const androidNotification = closed({
  alert: str,
  title: str,
  builder_id: count,
  channel_id: str,
  category: str,
  // "The default is 0, the range is -2 to 2" (the older edition ignored other values; refusing
  // them tells the caller at once).
  priority: intRange(-2, 2),
  style: { type: 'integer', enum: [0, 1, 2, 3] }, // 0 default, 1 bigText, 2 inbox, 3 bigPicture
  alert_type: intRange(-1, 7),
  big_text: str,
  inbox: freeObject,
  big_pic_path: str,
  extras: freeObject,
  // Vendor content limits, counted in characters (Chinese and English count one each).
  mipns_content_forshort: { type: 'string', maxLength: 128 },
  oppns_content_forshort: { type: 'string', maxLength: 50 },
  vpns_content_forshort: { type: 'string', maxLength: 100 },
  mzpns_content_forshort: { type: 'string', maxLength: 100 },
  large_icon: str,
  small_icon_uri: str,
  icon_bg_color: str,
  intent,
  uri_activity: str,
  uri_action: str,
  badge_add_num: badgeAddNum,
  badge_set_num: badgeSetNum,
  badge_class: str,
  sound: str,
  show_begin_time: dateTime,
  show_end_time: dateTime,
  display_foreground: str,
  custom_buttons: {
    type: 'array',
    items: closed({ name: str, action_type: count, action: str, data: str }),
  },
});

// notification.ios: the APNs notification. `alert` may be a string or an APNs alert dictionary,
// `sound` a string or a critical-alert dictionary, `badge` a number or "+N" / "-N" / "N".
const iosNotification = closed({
  alert: { type: ['string', 'object'] },
  sound: { type: ['string', 'object'] },
  badge: { type: ['integer', 'string'], minimum: 0, maximum: 999_999_999, pattern: BADGE_PATTERN },
  'content-available': bool,
  'mutable-content': bool,
  category: str,
  extras: freeObject,
  'thread-id': str,
  'interruption-level': { type: 'string', enum: ['active', 'critical', 'passive', 'time-sensitive'] },
});

// notification.hmos. `alert` and `category` are required for an ordinary notification
// (push_type 0), not for card refresh / live window messages: checked in code. `intent` is
// "required by the vendor" but, per the specification, not verified by the push server.
const hmosNotification = closed({
  alert: str,
  title: str,
  category: str,
  large_icon: str,
  intent,
  badge_add_num: badgeAddNum,
  badge_set_num: badgeSetNum,
  test_message: bool,
  receipt_id: str,
  extras: freeObject,
  style: count,
  inbox: freeObject,
  push_type: count,
  extra_data: str,
  display_foreground: str,
  sound: str,
  sound_duration: count,
  hm_payload: freeObject,
});

const quickappNotification = closed(
  {
    title: str,
    alert: str,
    page: str,
    extras: freeObject,
  },
  ['title', 'page'],
);

const notification = closed({
  alert: str,
  android: { $ref: '#/definitions/androidNotification' },
  ios: { $ref: '#/definitions/iosNotification' },
  hmos: { $ref: '#/definitions/hmosNotification' },
  quickapp: quickappNotification,
  // iOS VoIP push: arbitrary key/value pairs passed through to the app.
  voip: freeObject,
});

const message = closed(
  {
    msg_content: str,
    title: str,
    content_type: str,
    extras: freeObject,
  },
  ['msg_content'],
);

const inappMessage = closed({ inapp_message: bool }, ['inapp_message']);

const liveActivity = closed(
  {
    ios: closed(
      {
        event: { type: 'string', enum: ['start', 'update', 'end'] },
        'content-state': freeObject,
        // "numbers, letters and underscores, cannot start with a number"
        'attributes-type': { type: 'string', pattern: IDENTIFIER_PATTERN },
        attributes: freeObject,
        'relevance-score': count,
        'stale-date': long, // UNIX time, seconds
        alert: closed({ title: str, body: str, sound: str }),
        'dismissal-date': long, // UNIX time, seconds
      },
      ['event', 'content-state'],
    ),
  },
  ['ios'],
);

// sms_message per the current edition: template based (temp_id). The older edition's free-text
// `content` is gone (templates are mandatory), so it is an unsupported key.
const smsMessage = closed(
  {
    delay_time: { type: 'integer', minimum: 0, maximum: MAX_SMS_DELAY_SECONDS }, // older edition: at most 24 h
    signid: count,
    temp_id: intRange(1, Number.MAX_SAFE_INTEGER), // long
    temp_para: freeObject,
    active_filter: bool,
  },
  ['delay_time', 'temp_id'],
);

// Attributes any Android vendor key may carry. Fields the specification marks "currently only
// valid for vendor X" stay accepted for all (the vendor ignores them), as the older documents
// showed them under other vendors; fields named after one vendor live only under that vendor.
const vendorCommon: Schema = {
  distribution: { type: 'string', enum: DISTRIBUTION_VALUES },
  distribution_fcm: { type: 'string', enum: DISTRIBUTION_FCM_VALUES },
  distribution_customize: { type: 'string', enum: DISTRIBUTION_CUSTOMIZE_VALUES },
  channel_id: str,
  skip_quota: bool,
  classification: zeroOrOne, // 0 operational, 1 system message
  push_mode: zeroOrOne, // vivo pushMode: 0 formal, 1 test
  importance: str,
  category: str,
  notify_level: count,
  sound: str,
  default_sound: bool,
  urgency: str,
  receipt_id: str,
  callback_id: str,
  target_user_type: zeroOrOne, // 0 normal, 1 test message
  large_icon: str,
  small_icon_uri: str,
  small_icon_color: str,
  style: { type: 'integer', enum: [0, 1, 2, 3] },
  big_text: str,
  inbox: freeObject,
  big_pic_path: str,
  only_use_vendor_style: bool,
  auditResponse: freeObject,
  badge_operation_type: zeroOrOne, // 0 overwrite, 1 increase
  badge_message_count: count, // 0 clears, 1..99 shown, more shows "99+"
  add_badge: bool,
};

const vendorVoip: Schema = { voip_extraData: str };

function vendor(extra: Schema = {}, without: string[] = []): Schema {
  const properties: Schema = { ...vendorCommon, ...extra };
  for (const key of without) delete properties[key];
  return closed(properties);
}

const thirdPartyChannel = closed({
  xiaomi: vendor({ ...vendorVoip, mi_template_id: str, mi_template_param: str, mi_push_type: count }),
  huawei: vendor({ hw_push_type: count, hw_live_payload: freeObject }),
  honor: vendor({ ...vendorVoip, honor_push_type: count }),
  meizu: vendor(),
  oppo: vendor({
    ...vendorVoip,
    private_msg_template_id: str,
    private_title_parameters: freeObject,
    private_content_parameters: freeObject,
    op_push_type: count,
    op_intelligent_intent: freeObject,
    op_delete_intent_data: freeObject,
  }),
  vivo: vendor({ ...vendorVoip, vivo_push_type: count, vivo_inapp_msg: freeObject, extensionExpireShow: bool }),
  // "fcm: this key does not support distribution_fcm"
  fcm: vendor({}, ['distribution_fcm']),
  asus: vendor(),
  // The specification lists nine keys but counts "10 types"; NIO is the tenth vendor channel
  // of the same product (it appears in the message detail reports).
  nio: vendor(),
  // "hmos: only the distribution field is supported"
  hmos: closed({ distribution: { type: 'string', enum: DISTRIBUTION_VALUES } }),
});

const options = closed({
  // sendno is an int in the tables; JPush echoes it as a string, so both are accepted.
  sendno: { type: ['integer', 'string'], minimum: 0, maximum: Number.MAX_SAFE_INTEGER, maxLength: 64 },
  time_to_live: intRange(0, MAX_TIME_TO_LIVE),
  // A long msg_id. Range and precision are checked in code (ids beyond 2^53 must be strings).
  override_msg_id: { type: ['integer', 'string'], pattern: MSG_ID_PATTERN },
  apns_production: bool,
  apns_collapse_id: str, // at most 64 bytes: checked in code
  big_push_duration: intRange(0, MAX_BIG_PUSH_DURATION),
  third_party_channel: thirdPartyChannel,
  classification: zeroOrOne,
  target_event: { type: 'array', items: { type: 'string', minLength: 1 } },
  test_message: bool,
  receipt_id: str,
  active_push: bool,
  need_backup: bool,
  business_operation_code: str,
  test_model: bool,
  notification_3rd_ver: { type: 'string', enum: ['v1', 'v2'] },
  auto_truncation: bool,
  mkt_enable: bool,
});

// callback.type is a bit mask: 1 delivered, 2 clicked, 4 not delivered, 8 push succeeded.
const callback = closed({
  url: { type: 'string', minLength: 1 },
  params: freeObject,
  type: intRange(1, 15),
});

// notification_3rd accepts both published versions; which keys are allowed depends on
// options.notification_3rd_ver (v1 by default) and is checked in code.
const notification3rd = closed({
  // v1 (Android only)
  title: str,
  content: str,
  intent,
  uri_activity: str,
  uri_action: str,
  badge_add_num: badgeAddNum,
  badge_set_num: badgeSetNum,
  badge_class: str,
  sound: str,
  channel_id: str,
  extras: freeObject,
  // v2: same platform objects as under notification
  android: { $ref: '#/definitions/androidNotification' },
  ios: { $ref: '#/definitions/iosNotification' },
  hmos: { $ref: '#/definitions/hmosNotification' },
});

const audience: Schema = {
  type: ['string', 'object'],
  if: { type: 'string' },
  then: { const: 'all' },
  else: closed({
    tag: stringList(MAX_TAGS, TAG_ALIAS_PATTERN),
    tag_and: stringList(MAX_TAGS, TAG_ALIAS_PATTERN),
    tag_not: stringList(MAX_TAGS, TAG_ALIAS_PATTERN),
    alias: stringList(MAX_ALIASES, TAG_ALIAS_PATTERN),
    registration_id: stringList(MAX_REGISTRATION_IDS, REGISTRATION_ID_PATTERN),
    // "Defined as an array, but currently limited to pushing one at a time."
    segment: stringList(1),
    abtest: stringList(1),
    live_activity_id: { type: 'string', minLength: 1 },
    // File audience (file push API): {"file": {"file_id": "..."}}
    file: closed({ file_id: { type: 'string', minLength: 1 } }, ['file_id']),
  }),
};

const platform: Schema = {
  type: ['string', 'array'],
  if: { type: 'string' },
  then: { const: 'all' },
  else: { type: 'array', minItems: 1, items: { type: 'string', enum: JPUSH_PLATFORMS } },
};

export const PUSH_SCHEMA: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'borealis:jpush:push',
  definitions: { androidNotification, iosNotification, hmosNotification },
  type: 'object',
  additionalProperties: false,
  required: ['platform', 'audience'],
  properties: {
    platform,
    audience,
    notification,
    message,
    inapp_message: inappMessage,
    live_activity: liveActivity,
    sms_message: smsMessage,
    options,
    callback,
    notification_3rd: notification3rd,
    cid: { type: 'string', pattern: CID_PATTERN },
  },
};
