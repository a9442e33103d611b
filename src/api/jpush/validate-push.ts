/**
 * Validation of a JPush Push API v3 push object (body of `POST /v3/push` and
 * `POST /v3/push/validate`) and its translation to the domain Push.
 *
 * Two stages: the JSON Schema of `push-schema.ts`, compiled once, checks shape, types, enums and
 * ranges and stops at the first error; then the rules that span several fields or count bytes.
 * Each failure is an ApiError with the code the Push API documents:
 *   1002 a required field is missing; 1003 a value is illegal; 1005 a platform payload is too
 *   large; 1009 an unsupported key; 1017 mutually exclusive vendor attributes; 1019 a vendor
 *   delivery policy that does not match the message type; 1031 live activity mixed with
 *   notification / message; 1033 target_event without notification / message; 1035 bad
 *   bright-screen (active_push) parameters.
 * Checks that need state (callback URL registration 1018, cid pool, override_msg_id existence,
 * quotas, platform enablement 1036) belong to the modules that own that state.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { ApiError, errors } from '../../domain/errors.js';
import {
  DEFAULT_TIME_TO_LIVE,
  PLATFORMS,
  type Audience,
  type JsonObject,
  type Platform,
  type Push,
  type PushCallback,
  type PushOptions,
} from '../../domain/push.js';
import { MAX_TAG_ALIAS_BYTES } from '../../domain/names.js';
import { PUSH_SCHEMA, VENDOR_KEYS, type VendorKey } from './push-schema.js';
import { schemaError } from './schema-messages.js';

/** Bytes allowed for the iOS notification object (`"ios": {...}`) and for live_activity.ios. */
export const MAX_IOS_PAYLOAD_BYTES = 3_584; // current edition; the older one said 2000 (APNs legacy)
/** Bytes allowed for the Android notification plus the custom message (and for a message alone). */
export const MAX_ANDROID_PAYLOAD_BYTES = 4_000;
export { MAX_TAG_ALIAS_BYTES } from '../../domain/names.js';
export const MAX_APNS_COLLAPSE_ID_BYTES = 64;
/** "If not specified, the production environment is pushed" (options table, both editions). */
export const DEFAULT_APNS_PRODUCTION = true;

// ---------------------------------------------------------------------------------------------
// Wire shape after schema validation

type PlatformNotification = JsonObject;

interface WireNotification {
  alert?: string;
  android?: PlatformNotification;
  ios?: PlatformNotification;
  hmos?: PlatformNotification;
  quickapp?: PlatformNotification;
  voip?: JsonObject;
}

interface WireAudience {
  tag?: string[];
  tag_and?: string[];
  tag_not?: string[];
  alias?: string[];
  registration_id?: string[];
  segment?: string[];
  abtest?: string[];
  live_activity_id?: string;
  file?: { file_id: string };
}

type VendorOptions = { [key: string]: string | number | boolean | JsonObject | undefined };

interface WireOptions {
  sendno?: number | string;
  time_to_live?: number;
  override_msg_id?: number | string;
  apns_production?: boolean;
  apns_collapse_id?: string;
  big_push_duration?: number;
  third_party_channel?: Partial<Record<VendorKey, VendorOptions>>;
  classification?: number;
  target_event?: string[];
  active_push?: boolean;
  need_backup?: boolean;
  notification_3rd_ver?: 'v1' | 'v2';
}

interface WireLiveActivityIos {
  event: 'start' | 'update' | 'end';
  'attributes-type'?: string;
  attributes?: JsonObject;
}

interface WirePush {
  platform: 'all' | Platform[];
  audience: 'all' | WireAudience;
  notification?: WireNotification;
  message?: { msg_content: string };
  inapp_message?: JsonObject;
  live_activity?: { ios: WireLiveActivityIos };
  sms_message?: JsonObject;
  options?: WireOptions;
  callback?: { url?: string; params?: JsonObject; type?: number };
  notification_3rd?: JsonObject;
  cid?: string;
}

// ---------------------------------------------------------------------------------------------
// Schema stage

type SchemaNode = { [key: string]: unknown };

/**
 * The push schema as Ajv compiles it: every object schema with several properties becomes a
 * definition of its own, referenced and compiled as a separate function (`inlineRefs: false`).
 * Inlined, the whole schema is one function of several hundred kilobytes, far beyond what V8
 * optimises, so every push ran it in the interpreter. Errors are the same (a test compares
 * them), but an error's parentSchema is a copy of the schema object it names.
 */
export function splitSchema(root: SchemaNode): SchemaNode {
  const definitions: SchemaNode = {};
  const names = new Map<SchemaNode, string>();
  const visit = (node: unknown, path: string, top: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n, i) => visit(n, `${path}_${i}`, false));
    if (node === null || typeof node !== 'object') return node;
    const schema = node as SchemaNode;
    const props = schema.properties as SchemaNode | undefined;
    if (!top && props !== undefined && Object.keys(props).length >= MIN_LIFTED_PROPERTIES) {
      let name = names.get(schema);
      if (name === undefined) {
        name = path;
        names.set(schema, name);
        definitions[name] = visit(schema, name, true);
      }
      return { $ref: `#/definitions/${name}` };
    }
    const copy: SchemaNode = {};
    for (const key in schema) {
      const value = schema[key];
      if (SCHEMA_MAPS.has(key)) {
        const map: SchemaNode = {};
        for (const name in value as SchemaNode) map[name] = visit((value as SchemaNode)[name], `${path}_${name}`, false);
        copy[key] = map;
      } else if (SUBSCHEMAS.has(key)) {
        copy[key] = visit(value, `${path}_${key}`, false);
      } else {
        copy[key] = value; // a value (type, enum, required, bounds, pattern), not a schema
      }
    }
    return copy;
  };
  const { definitions: own, ...rest } = root as SchemaNode & { definitions?: SchemaNode };
  for (const name in own) definitions[name] = visit(own[name], `d_${name}`, true);
  const out = visit(rest, 's', true) as SchemaNode;
  out.definitions = definitions;
  return out;
}
const MIN_LIFTED_PROPERTIES = 4;
/** Keywords whose value is a schema (or a list of them), and those whose value maps names to schemas. */
const SUBSCHEMAS = new Set(['items', 'additionalItems', 'additionalProperties', 'if', 'then', 'else', 'not', 'allOf', 'anyOf', 'oneOf', 'contains', 'propertyNames']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', 'dependencies']);

// verbose: errors carry the schema they broke, so a range error can name both ends.
export const AJV_OPTIONS = { allErrors: false, strict: true, allowUnionTypes: true, messages: false, verbose: true } as const;
const ajv = new Ajv({ ...AJV_OPTIONS, inlineRefs: false });
const validateSchema = ajv.compile(splitSchema(PUSH_SCHEMA));

// ---------------------------------------------------------------------------------------------
// Helpers

/** UTF-8 byte length of a string, skipping the encoder when the UTF-16 length decides it. */
function exceedsBytes(s: string, limit: number): boolean {
  if (s.length > limit) return true; // every UTF-16 unit is at least one byte
  if (s.length * 3 <= limit) return false; // every UTF-16 unit is at most three bytes
  return Buffer.byteLength(s, 'utf8') > limit;
}

function nonEmpty(list: string[] | undefined): list is string[] {
  return list !== undefined && list.length > 0;
}

function checkTagBytes(list: string[] | undefined, field: string): void {
  if (list === undefined) return;
  for (let i = 0; i < list.length; i++) {
    if (exceedsBytes(list[i] as string, MAX_TAG_ALIAS_BYTES)) {
      throw errors.invalid(`audience.${field}[${i}] exceeds ${MAX_TAG_ALIAS_BYTES} bytes`);
    }
  }
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Semantic stage

function translateAudience(a: WirePush['audience']): Audience {
  if (a === 'all') return { all: true };
  // Lists of length 0 mean "this kind is absent" (audience section of both editions).
  checkTagBytes(a.tag, 'tag');
  checkTagBytes(a.tag_and, 'tag_and');
  checkTagBytes(a.tag_not, 'tag_not');
  checkTagBytes(a.alias, 'alias');
  const out: Audience = {};
  if (nonEmpty(a.tag)) out.tag = a.tag;
  if (nonEmpty(a.tag_and)) out.tagAnd = a.tag_and;
  if (nonEmpty(a.tag_not)) out.tagNot = a.tag_not;
  if (nonEmpty(a.alias)) out.alias = a.alias;
  if (nonEmpty(a.registration_id)) out.registrationId = a.registration_id;
  if (nonEmpty(a.segment)) out.segment = a.segment;
  if (nonEmpty(a.abtest)) out.abtest = a.abtest;
  if (a.live_activity_id !== undefined) out.liveActivityId = a.live_activity_id;
  if (a.file !== undefined) out.fileId = a.file.file_id;
  let kinds = 0;
  for (const _ in out) kinds++;
  if (kinds === 0) throw errors.missing('audience must name at least one target (or be "all")');
  if (kinds > 1) {
    // live_activity_id "cannot be used with other audience methods"; the file push API takes
    // "only file" as audience.
    const alone = out.liveActivityId !== undefined ? 'live_activity_id' : out.fileId !== undefined ? 'file' : undefined;
    if (alone !== undefined) throw errors.invalid(`audience.${alone} cannot be combined with other audience kinds`);
  }
  return out;
}

/**
 * Required fields of a platform notification that the schema leaves optional because they can
 * be inherited from `notification.alert` or depend on another field.
 */
function checkPlatformNotifications(n: WireNotification | JsonObject, prefix: string, inherited: string | undefined): void {
  const { android, ios, hmos, quickapp } = n as WireNotification;
  const hasAlert = (o: PlatformNotification) => o.alert !== undefined || inherited !== undefined;
  if (android !== undefined && !hasAlert(android)) throw errors.missing(`${prefix}.android.alert is required`);
  // A background notification (content-available) carries no alert in APNs.
  if (ios !== undefined && !hasAlert(ios) && ios['content-available'] !== true) {
    throw errors.missing(`${prefix}.ios.alert is required`);
  }
  if (hmos !== undefined) {
    const pushType = hmos.push_type;
    if (pushType === undefined || pushType === 0) {
      if (!hasAlert(hmos)) throw errors.missing(`${prefix}.hmos.alert is required`);
      if (hmos.category === undefined) throw errors.missing(`${prefix}.hmos.category is required`);
    } else if ((pushType === 1 || pushType === 7) && hmos.hm_payload === undefined) {
      // card refresh (1) and live window (7) messages carry their body in hm_payload
      throw errors.missing(`${prefix}.hmos.hm_payload is required for push_type ${pushType}`);
    }
  }
  if (quickapp !== undefined && !hasAlert(quickapp)) throw errors.missing(`${prefix}.quickapp.alert is required`);
}

const NOTIFICATION_3RD_V1_KEYS = [
  'title',
  'content',
  'intent',
  'uri_activity',
  'uri_action',
  'badge_add_num',
  'badge_set_num',
  'badge_class',
  'sound',
  'channel_id',
  'extras',
];
const NOTIFICATION_3RD_V2_KEYS = ['android', 'ios', 'hmos'];

function checkNotification3rd(n3: JsonObject, version: 'v1' | 'v2'): void {
  if (version === 'v2') {
    for (const key of NOTIFICATION_3RD_V1_KEYS) {
      if (n3[key] !== undefined) {
        throw errors.unsupportedKey(`unsupported key: notification_3rd.${key} (notification_3rd_ver v2)`);
      }
    }
    if (n3.android === undefined && n3.ios === undefined && n3.hmos === undefined) {
      throw errors.missing('notification_3rd needs android, ios or hmos (notification_3rd_ver v2)');
    }
    checkPlatformNotifications(n3, 'notification_3rd', undefined);
    return;
  }
  for (const key of NOTIFICATION_3RD_V2_KEYS) {
    if (n3[key] !== undefined) {
      throw errors.unsupportedKey(`unsupported key: notification_3rd.${key} (needs options.notification_3rd_ver "v2")`);
    }
  }
  if (n3.content === undefined) throw errors.missing('notification_3rd.content is required');
}

/** Vendor "push types" that carry their own payload and need no notification / message. */
const VENDOR_PUSH_TYPE: Partial<Record<VendorKey, string>> = {
  xiaomi: 'mi_push_type',
  oppo: 'op_push_type',
  vivo: 'vivo_push_type',
  honor: 'honor_push_type',
};

function vendorCarriesContent(channels: WireOptions['third_party_channel']): boolean {
  if (channels === undefined) return false;
  for (const key in VENDOR_PUSH_TYPE) {
    const field = VENDOR_PUSH_TYPE[key as VendorKey] as string;
    if (channels[key as VendorKey]?.[field] !== undefined) return true;
  }
  return false;
}

/** Vendor special messages (VoIP, live window, fluid cloud, vivo pass-through) share rules. */
function requireSystemClassAndOsPush(o: VendorOptions, vendor: string, field: string, classification: number | undefined): void {
  // "Setting options.classification=1"
  if (classification !== 1) throw errors.invalid(`options.classification must be 1 with third_party_channel.${vendor}.${field}`);
  // "Set the sending strategy to ospush (or not specified, defaults to ospush)"
  if (o.distribution !== undefined && o.distribution !== 'ospush') {
    throw errors.invalid(`options.third_party_channel.${vendor}.distribution must be ospush with ${field}`);
  }
}

function checkThirdPartyChannel(p: WirePush, opts: WireOptions): void {
  const channels = opts.third_party_channel;
  if (channels === undefined) return;
  const hasNotification = p.notification !== undefined || p.notification_3rd !== undefined;
  const hasMessage = p.message !== undefined;
  for (const key of VENDOR_KEYS) {
    const o = channels[key];
    if (o === undefined) continue;
    const at = `options.third_party_channel.${key}`;

    // 1017: attributes that describe two different special messages at once.
    if (o.vivo_inapp_msg !== undefined && o.voip_extraData !== undefined) {
      throw new ApiError(1017, `${at}: vivo_inapp_msg and voip_extraData are mutually exclusive`);
    }
    if (o.op_intelligent_intent !== undefined && o.op_delete_intent_data !== undefined) {
      throw new ApiError(1017, `${at}: op_intelligent_intent and op_delete_intent_data are mutually exclusive`);
    }

    const pushTypeField = VENDOR_PUSH_TYPE[key];
    const vendorPushType = pushTypeField !== undefined && o[pushTypeField] !== undefined;

    // 1019: delivery policies must match the message types of this push. fcm and hmos policies
    // apply to notifications and custom messages alike.
    if (o.distribution_customize !== undefined && !hasMessage) {
      throw new ApiError(1019, `${at}.distribution_customize applies to message, which this push does not carry`);
    }
    if (key !== 'fcm' && key !== 'hmos' && !hasNotification && !vendorPushType) {
      const policy =
        o.distribution !== undefined ? 'distribution' : o.distribution_fcm !== undefined ? 'distribution_fcm' : undefined;
      if (policy !== undefined) {
        throw new ApiError(1019, `${at}.${policy} applies to notification, which this push does not carry`);
      }
    }

    // Special vendor messages and their documented prerequisites.
    if (vendorPushType) {
      const field = pushTypeField as string;
      requireSystemClassAndOsPush(o, key, field, opts.classification);
      if (key === 'vivo') {
        if (o.voip_extraData === undefined && o.vivo_inapp_msg === undefined) {
          throw errors.missing(`${at}.voip_extraData or vivo_inapp_msg is required with vivo_push_type`);
        }
      } else if (o.voip_extraData === undefined) {
        throw errors.missing(`${at}.voip_extraData is required with ${field}`);
      }
      if (key === 'xiaomi' && o.channel_id === undefined) throw errors.missing(`${at}.channel_id is required with mi_push_type`);
    }
    if (o.hw_push_type === 7) {
      // Huawei live window notification
      if (o.hw_live_payload === undefined) throw errors.missing(`${at}.hw_live_payload is required with hw_push_type 7`);
      requireSystemClassAndOsPush(o, key, 'hw_push_type', opts.classification);
    } else if (o.hw_live_payload !== undefined) {
      throw errors.invalid(`${at}.hw_live_payload requires hw_push_type 7`);
    }
    for (const field of ['op_intelligent_intent', 'op_delete_intent_data', 'vivo_inapp_msg']) {
      if (o[field] !== undefined) requireSystemClassAndOsPush(o, key, field, opts.classification);
    }
  }
}

function checkActivePush(p: WirePush, opts: WireOptions): void {
  // need_backup "true requires active_push true"
  if (opts.need_backup === true && opts.active_push !== true) {
    throw new ApiError(1035, 'options.need_backup requires options.active_push true');
  }
  if (opts.active_push !== true) return;
  // "only supports simple notification messages", "does not support fixed-speed push"
  if (p.notification === undefined || p.message !== undefined) {
    throw new ApiError(1035, 'options.active_push supports notification-only pushes');
  }
  if (opts.big_push_duration !== undefined && opts.big_push_duration > 0) {
    throw new ApiError(1035, 'options.active_push cannot be used with big_push_duration');
  }
  // "you do not need to specify a strategy, or you must specify it as secondary_push"
  const channels = opts.third_party_channel;
  if (channels !== undefined) {
    for (const key of VENDOR_KEYS) {
      const d = channels[key]?.distribution;
      if (d !== undefined && d !== 'secondary_push') {
        throw new ApiError(1035, `options.third_party_channel.${key}.distribution must be secondary_push with active_push`);
      }
    }
  }
}

function checkLiveActivity(p: WirePush, audience: Audience, platforms: Platform[]): void {
  const la = p.live_activity;
  if (la === undefined) {
    if (audience.liveActivityId !== undefined) {
      throw errors.invalid('audience.live_activity_id can only target a live_activity push');
    }
    return;
  }
  if (!platforms.includes('ios')) throw errors.invalid('live_activity requires the ios platform');
  const ios = la.ios;
  if (ios.event === 'start') {
    // "create real-time activity: audience supports broadcast, tag, alias, registration_id"
    const { liveActivityId, segment, abtest, fileId } = audience;
    if (liveActivityId !== undefined || segment !== undefined || abtest !== undefined || fileId !== undefined) {
      throw errors.invalid('live_activity start supports audience all, tag, tag_and, tag_not, alias or registration_id');
    }
    if (ios['attributes-type'] === undefined) throw errors.missing('live_activity.ios.attributes-type is required to start');
    if (ios.attributes === undefined) throw errors.missing('live_activity.ios.attributes is required to start');
  } else if (audience.liveActivityId === undefined) {
    // "to update or end a live activity, audience must and can only be live_activity_id"
    throw errors.invalid(`live_activity ${ios.event} requires audience.live_activity_id`);
  }
}

/**
 * JSON text of a platform notification as delivered: the object as sent, with
 * `notification.alert` spliced in when it has no alert of its own (one serialisation, no copy).
 */
function platformJson(block: PlatformNotification | undefined, alert: string | undefined): string | undefined {
  if (block === undefined) return alert === undefined ? undefined : `{"alert":${JSON.stringify(alert)}}`;
  const own = JSON.stringify(block);
  if (block.alert !== undefined || alert === undefined) return own;
  return `{"alert":${JSON.stringify(alert)}${own.length === 2 ? '' : ','}${own.slice(1)}`;
}

/** Characters platformJson adds of its own when it splices the alert in: `{"alert":` and `,` or `}`. */
const SPLICE_CHARS = 10;

/**
 * Every text checkSizes measures is JSON.stringify of parts of the push that do not overlap (a
 * platform block, the alert, the message, the live activity) plus SPLICE_CHARS of punctuation.
 */
function checkSizes(p: WirePush, platforms: Platform[]): void {
  const n = p.notification;
  const alert = n?.alert;
  if (n !== undefined && platforms.includes('ios')) {
    const ios = platformJson(n.ios, alert);
    if (ios !== undefined && exceedsBytes(ios, MAX_IOS_PAYLOAD_BYTES)) {
      throw errors.tooLarge(`notification.ios exceeds ${MAX_IOS_PAYLOAD_BYTES} bytes`);
    }
  }
  const message = p.message === undefined ? '' : JSON.stringify(p.message);
  if (platforms.includes('android')) {
    const android = (n === undefined ? undefined : platformJson(n.android, alert)) ?? '';
    if (exceedsBytes(android + message, MAX_ANDROID_PAYLOAD_BYTES)) {
      throw errors.tooLarge(`notification.android plus message exceed ${MAX_ANDROID_PAYLOAD_BYTES} bytes`);
    }
  } else if (exceedsBytes(message, MAX_ANDROID_PAYLOAD_BYTES)) {
    // older edition: "the length of iOS Message is no more than 4000 bytes"
    throw errors.tooLarge(`message exceeds ${MAX_ANDROID_PAYLOAD_BYTES} bytes`);
  }
  if (p.live_activity !== undefined && exceedsBytes(JSON.stringify(p.live_activity.ios), MAX_IOS_PAYLOAD_BYTES)) {
    throw errors.tooLarge(`live_activity.ios exceeds ${MAX_IOS_PAYLOAD_BYTES} bytes`);
  }
}

function isHttpUrl(url: string): boolean {
  if (!/^https?:\/\//i.test(url)) return false;
  try {
    return new URL(url).hostname !== '';
  } catch {
    return false;
  }
}

function translateOptions(opts: WireOptions | undefined): PushOptions {
  if (opts === undefined) {
    return { timeToLive: DEFAULT_TIME_TO_LIVE, apnsProduction: DEFAULT_APNS_PRODUCTION, bigPushDuration: 0, raw: {} };
  }
  const out: PushOptions = {
    timeToLive: opts.time_to_live ?? DEFAULT_TIME_TO_LIVE,
    apnsProduction: opts.apns_production ?? DEFAULT_APNS_PRODUCTION,
    bigPushDuration: opts.big_push_duration ?? 0,
    raw: opts as JsonObject,
  };
  const override = opts.override_msg_id;
  if (override !== undefined) {
    if (typeof override === 'number' && (override < 1 || !Number.isSafeInteger(override))) {
      throw errors.invalid('options.override_msg_id must be a positive msg_id; send ids above 2^53 as a string');
    }
    out.overrideMsgId = String(override);
  }
  const collapseId = opts.apns_collapse_id;
  if (collapseId !== undefined) {
    if (exceedsBytes(collapseId, MAX_APNS_COLLAPSE_ID_BYTES)) {
      throw errors.invalid(`options.apns_collapse_id exceeds ${MAX_APNS_COLLAPSE_ID_BYTES} bytes`);
    }
    out.apnsCollapseId = collapseId;
  }
  if (opts.classification !== undefined) out.classification = opts.classification;
  return out;
}

// ---------------------------------------------------------------------------------------------

/**
 * Validates a JPush push object and translates it to the domain Push.
 * @param jsonBytesBound when the body was parsed from JSON text, a bound on the UTF-8 bytes of
 *   JSON.stringify of parts of it that do not overlap, added up (see serializedBytesBound); -1
 *   for a body built in code.
 * @throws ApiError with the JPush error code of the first problem found.
 */
export function parseJPushPush(body: unknown, appKey: string, jsonBytesBound = -1): Push {
  if (body === undefined || body === null || body === '') throw errors.missing('request body is empty');
  if (typeof body !== 'object' || Array.isArray(body)) throw errors.invalid('push body must be a JSON object');
  if (!validateSchema(body)) throw schemaError((validateSchema.errors as ErrorObject[])[0] as ErrorObject);
  const p = body as WirePush;

  const platforms: Platform[] =
    p.platform === 'all' ? [...PLATFORMS] : p.platform.length === 1 ? p.platform : [...new Set(p.platform)];
  const audience = translateAudience(p.audience);

  // Content blocks and the way they may combine.
  const n = p.notification;
  if (p.live_activity !== undefined && (n !== undefined || p.message !== undefined)) throw errors.liveActivityExclusive();
  if (n !== undefined && !hasKeys(n)) throw errors.invalid('notification must not be empty');
  if (p.inapp_message !== undefined && n === undefined) throw errors.invalid('inapp_message requires notification');
  const opts = p.options;
  const n3 = p.notification_3rd;
  if (n3 !== undefined) {
    // "notification and notification_3rd cannot both have content"; "only allowed when message
    // contains content"
    if (n !== undefined) throw errors.invalid('notification and notification_3rd cannot be used together');
    if (p.message === undefined || p.message.msg_content === '') {
      throw errors.invalid('notification_3rd requires a message with msg_content');
    }
    checkNotification3rd(n3, opts?.notification_3rd_ver ?? 'v1');
  }
  const hasContent = n !== undefined || p.message !== undefined || p.live_activity !== undefined;
  if (!hasContent && !vendorCarriesContent(opts?.third_party_channel)) {
    throw errors.missing('one of notification, message or live_activity is required');
  }
  if (n !== undefined) checkPlatformNotifications(n, 'notification', n.alert);
  checkLiveActivity(p, audience, platforms);

  const options = translateOptions(opts);
  if (opts !== undefined) {
    // "Goal conversions only support notification messages and in-app (custom) messages"
    if (opts.target_event !== undefined && n === undefined && p.message === undefined) {
      throw new ApiError(1033, 'options.target_event requires notification or message');
    }
    checkActivePush(p, opts);
    checkThirdPartyChannel(p, opts);
  }

  let callback: PushCallback | undefined;
  if (p.callback !== undefined) {
    const c = p.callback;
    callback = {};
    if (c.url !== undefined) {
      if (!isHttpUrl(c.url)) throw errors.invalid('callback.url must be an http(s) URL');
      callback.url = c.url;
    }
    if (c.params !== undefined) callback.params = c.params;
    if (c.type !== undefined) callback.type = c.type;
  }

  // A body too small to reach any payload limit needs no serialising to prove it.
  if (jsonBytesBound < 0 || jsonBytesBound + SPLICE_CHARS > Math.min(MAX_IOS_PAYLOAD_BYTES, MAX_ANDROID_PAYLOAD_BYTES)) {
    checkSizes(p, platforms);
  }

  const push: Push = {
    appKey,
    source: 'jpush',
    sendno: opts?.sendno === undefined ? '0' : String(opts.sendno),
    platforms,
    audience,
    options,
  };
  if (n !== undefined) push.notification = n as JsonObject;
  if (p.message !== undefined) push.message = p.message as JsonObject;
  if (p.inapp_message !== undefined) push.inappMessage = p.inapp_message;
  if (p.live_activity !== undefined) push.liveActivity = p.live_activity as unknown as JsonObject;
  if (p.sms_message !== undefined) push.smsMessage = p.sms_message;
  if (n3 !== undefined) push.notification3rd = n3;
  if (callback !== undefined) push.callback = callback;
  if (p.cid !== undefined) push.cid = p.cid;
  return push;
}
