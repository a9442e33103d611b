import type { AcceptedPush, Json, JsonObject } from '../../domain/push.js';

/**
 * What a domestic Android vendor (Xiaomi, OPPO, vivo, Meizu) can show for one push, read once
 * from the JPush push object: the notification (`notification.android`, else the top-level
 * alert), or for a custom message its `notification_3rd` (v1 fields, or v2's `android` block),
 * else the custom message itself for vendors that pass one through. Each vendor's renderer maps
 * this view to its own request and reports the fields it cannot carry.
 */

export type CnVendor = 'xiaomi' | 'oppo' | 'vivo' | 'meizu';

export interface AndroidView {
  /** `notification`: shown by the phone; `message`: a pass-through custom message only. */
  kind: 'notification' | 'message';
  title?: string;
  /** The notification text (or the custom message's content). */
  body: string;
  /** `<vendor>_content_forshort`: a shorter text for vendors with tight limits. */
  shortBody: Partial<Record<CnVendor, string>>;
  channelId?: string;
  /** `intent.url`: an `intent:` URI, a deep link or a web URL. */
  intentUrl?: string;
  uriActivity?: string;
  uriAction?: string;
  sound?: string;
  /** JPush alert_type: -1 all, else bits 1 sound, 2 vibrate, 4 lights. */
  alertType?: number;
  style?: number;
  bigText?: string;
  badgeAddNum?: number;
  badgeSetNum?: number;
  /** Custom key/values the app reads on click. */
  extras: JsonObject;
  /** The custom message (msg_content, title, content_type, extras) for pass-through. */
  message?: JsonObject;
  /**
   * Fields of the notification block that were set, by JPush name, so a vendor can list the
   * ones it dropped. Fields every vendor maps (alert, title, extras) are not listed.
   */
  present: Set<string>;
  /** The push's `third_party_channel.<vendor>` block ({} when absent). */
  vendorOptions: JsonObject;
}

/** Notification fields no vendor needs a note for: they are either mapped or only JPush's own. */
const ALWAYS_MAPPED = new Set(['alert', 'title', 'extras', 'content', 'builder_id']);

export function obj(v: Json | undefined): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

export function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

export function int(v: Json | undefined): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

export function vendorOptions(push: AcceptedPush, vendor: CnVendor): JsonObject {
  return obj(obj(push.options.raw.third_party_channel)?.[vendor]) ?? {};
}

function presentFields(block: JsonObject): Set<string> {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(block)) if (v !== null && v !== undefined && !ALWAYS_MAPPED.has(k)) out.add(k);
  return out;
}

/** The notification block that applies to a vendor device, if any. */
function notificationBlock(push: AcceptedPush): { block: JsonObject; fallbackAlert?: string } | undefined {
  const top = push.notification;
  if (top) {
    const android = obj(top.android);
    if (android || str(top.alert)) return { block: android ?? {}, fallbackAlert: str(top.alert) };
  }
  const third = push.notification3rd;
  if (push.message && third) {
    // v2 nests the android block; v1 is flat (content, title, channel_id, uri_*, badge_*, sound, extras)
    const v2 = obj(third.android);
    if (v2) return { block: v2 };
    if (str(third.content)) return { block: { ...third, alert: third.content as string } };
  }
  return undefined;
}

export function androidView(push: AcceptedPush, vendor: CnVendor): AndroidView {
  const vendorOpts = vendorOptions(push, vendor);
  const found = notificationBlock(push);
  if (!found) {
    const m = push.message ?? {};
    const content = m.msg_content;
    return {
      kind: 'message',
      title: str(m.title),
      body: typeof content === 'string' ? content : JSON.stringify(content ?? ''),
      shortBody: {},
      extras: obj(m.extras) ?? {},
      message: m,
      present: new Set(),
      vendorOptions: vendorOpts,
    };
  }
  const { block, fallbackAlert } = found;
  const intent = obj(block.intent);
  const view: AndroidView = {
    kind: 'notification',
    title: str(block.title),
    body: str(block.alert) ?? fallbackAlert ?? '',
    shortBody: {
      xiaomi: str(block.mipns_content_forshort),
      oppo: str(block.oppns_content_forshort),
      vivo: str(block.vpns_content_forshort),
      meizu: str(block.mzpns_content_forshort),
    },
    channelId: str(vendorOpts.channel_id) ?? str(block.channel_id),
    intentUrl: str(intent?.url),
    uriActivity: str(block.uri_activity),
    uriAction: str(block.uri_action),
    sound: str(block.sound),
    alertType: int(block.alert_type),
    style: int(vendorOpts.style) ?? int(block.style),
    bigText: str(vendorOpts.big_text) ?? str(block.big_text),
    badgeAddNum: int(block.badge_add_num),
    badgeSetNum: int(block.badge_set_num),
    extras: obj(block.extras) ?? {},
    present: presentFields(block),
    vendorOptions: vendorOpts,
  };
  if (push.message) view.message = push.message;
  // the vendor-specific short texts are consumed by whichever vendor they are for
  for (const k of ['mipns_content_forshort', 'oppns_content_forshort', 'vpns_content_forshort', 'mzpns_content_forshort']) view.present.delete(k);
  return view;
}

/** Seconds the push still has to live (0 for a time_to_live 0 push: now or never). */
export function secondsLeft(push: AcceptedPush, now = Date.now()): number {
  if (push.options.timeToLive === 0) return 0;
  return Math.max(0, Math.ceil((push.expiresAt - now) / 1000));
}

/** String values for vendors whose custom data is string → string; msg_id always included. */
export function stringExtras(push: AcceptedPush, extras: JsonObject): Record<string, string> {
  const out: Record<string, string> = { msg_id: push.msgId };
  for (const [k, v] of Object.entries(extras)) if (!(k in out)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/** The quota category a push counts against: `system` for classification 1, else `operation`. */
export function quotaCategory(push: AcceptedPush): 'system' | 'operation' {
  return push.options.classification === 1 ? 'system' : 'operation';
}

/** The next 00:00 in China (UTC+8), when the vendors' daily quotas start over. */
export function nextChinaMidnight(now = Date.now()): number {
  const day = 86_400_000;
  const offset = 8 * 3_600_000;
  return Math.floor((now + offset) / day) * day + day - offset;
}

/** Length in characters (code points), as the vendors count them. */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** vivo's count: a CJK (wide) character counts 2, anything else 1. */
export function wideLength(s: string): number {
  let n = 0;
  for (const ch of s) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return n;
}

/** Cuts `s` to at most `max` units of `measure`, whole characters only. */
export function cut(s: string, max: number, measure: (s: string) => number = charLength): string {
  if (measure(s) <= max) return s;
  let out = '';
  for (const ch of s) {
    if (measure(out + ch) > max) break;
    out += ch;
  }
  return out;
}

/**
 * A text over the vendor's limit: cut it when the push allows it (`options.auto_truncation`),
 * else report it, as the vendor would refuse the request.
 */
export function fitText(
  push: AcceptedPush,
  what: string,
  text: string,
  max: number,
  notes: string[],
  measure: (s: string) => number = charLength,
): string | { tooLong: string } {
  if (measure(text) <= max) return text;
  if (push.options.raw.auto_truncation === true) {
    notes.push(`${what} cut to ${max} characters (auto_truncation)`);
    return cut(text, max, measure);
  }
  return { tooLong: `${what} is longer than the vendor's ${max} characters (set options.auto_truncation to cut it)` };
}

/** Notes for the set fields a vendor does not carry. */
export function dropNotes(vendor: string, present: Iterable<string>, carried: ReadonlySet<string>, prefix = 'notification.android'): string[] {
  const notes: string[] = [];
  for (const f of present) if (!carried.has(f)) notes.push(`${prefix}.${f} is not carried by ${vendor}`);
  return notes;
}

/**
 * Notes for the set `third_party_channel.<vendor>` fields the vendor does not carry. Routing
 * and quota fields are Borealis's own and never noted.
 */
const ROUTING_FIELDS = new Set(['distribution', 'distribution_fcm', 'distribution_customize', 'skip_quota']);
export function vendorOptionNotes(vendor: CnVendor, opts: JsonObject, carried: ReadonlySet<string>): string[] {
  const notes: string[] = [];
  for (const [k, v] of Object.entries(opts)) {
    if (v === null || ROUTING_FIELDS.has(k) || carried.has(k)) continue;
    notes.push(`third_party_channel.${vendor}.${k} is not carried by ${vendor}`);
  }
  return notes;
}

/** A numeric id 0..2^31-1 derived from a msg_id (Xiaomi's notify_id range). */
export function notifySlot(msgId: string): number {
  let h = 0;
  for (let i = 0; i < msgId.length; i++) h = (Math.imul(h, 31) + msgId.charCodeAt(i)) | 0;
  return h & 0x7fffffff;
}
