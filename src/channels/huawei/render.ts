import type { AcceptedPush, JsonObject } from '../../domain/push.js';
import { vendorOptions } from '../vendor-options.js';
import { customMessageData, int, jsonBytes, notification3rdFor, obj, shorten, str, ttlSeconds, rawVendorOptions } from './push-fields.js';

/**
 * Renders the normalized push as an HMS Push Kit v1 `message` (without its tokens) and lists
 * the fields of the push HMS cannot carry. The push's msg_id goes into `android.bi_tag`, which
 * HMS echoes in every delivery receipt, and into `data` so the app can drop the copy that
 * also arrives over Borealis's own connection.
 */

/** HMS's limit on the message, tokens excluded. */
export const HMS_MAX_MESSAGE_BYTES = 4096;
/** HMS inbox style shows at most five lines. */
const MAX_INBOX_LINES = 5;
const MAX_BUTTONS = 3;
const IMPORTANCE = ['LOW', 'NORMAL', 'HIGH'];
const URGENCY = ['HIGH', 'NORMAL'];

export interface RenderedHms {
  message: JsonObject;
  notes: string[];
}

export type RenderError = { tooLarge: true; bytes: number };

/**
 * Push Kit's click action (HMS and Honor read it alike): an http(s) `intent.url` opens the web
 * page (2), another intent URI or `uri_action` opens an app page (1), else the app (3).
 */
export function pushKitClickAction(n: JsonObject, notes: string[], vendor = 'HMS'): JsonObject {
  const url = str(obj(n.intent)?.url);
  if (url && /^https?:\/\//i.test(url)) return { type: 2, url };
  if (url) return { type: 1, intent: url };
  const action = str(n.uri_action);
  if (action) return { type: 1, action };
  if (str(n.uri_activity)) notes.push(`uri_activity: ${vendor} opens a page by intent URI or action only; the app opens instead`);
  return { type: 3 };
}

function buttons(raw: JsonObject[], notes: string[]): JsonObject[] {
  if (raw.length > MAX_BUTTONS) notes.push(`custom_buttons: HMS shows at most ${MAX_BUTTONS}; the rest were dropped`);
  return raw.slice(0, MAX_BUTTONS).map((b) => {
    const name = str(b.name) ?? '';
    const action = str(b.action);
    const out: JsonObject = { name };
    if (!action) out.action_type = 0;
    else if (/^https?:\/\//i.test(action)) Object.assign(out, { action_type: 2, intent: action });
    else Object.assign(out, { action_type: 1, intent_type: /^(intent:|#Intent;)/.test(action) ? 0 : 1, intent: action });
    if (str(b.data)) out.data = b.data!;
    return out;
  });
}

export function renderHmsMessage(push: AcceptedPush, now = Date.now()): RenderedHms | RenderError {
  const notes: string[] = [];
  const vendor = rawVendorOptions(push, 'huawei');
  const android: JsonObject = { ttl: `${ttlSeconds(push, now)}s`, bi_tag: push.msgId };
  const message: JsonObject = {};

  const top = push.notification;
  const shown = top ? { ...obj(top.android), alert: str(obj(top.android)?.alert) ?? str(top.alert) ?? '' } : notification3rdFor(push, 'android');
  let data: JsonObject = { msg_id: push.msgId };

  if (shown) {
    const n: JsonObject = { body: str(shown.alert) ?? '' };
    if (str(shown.title)) n.title = shown.title!;
    n.click_action = pushKitClickAction(shown, notes);
    const channelId = str(vendor.channel_id) ?? str(shown.channel_id);
    if (channelId) n.channel_id = channelId;
    const sound = str(vendor.sound) ?? str(shown.sound);
    if (sound) n.sound = sound;
    if (typeof vendor.default_sound === 'boolean') n.default_sound = vendor.default_sound;
    else if (sound) n.default_sound = false; // HMS plays a custom sound only with default_sound off
    const icon = str(vendor.small_icon_uri) ?? str(shown.small_icon_uri);
    if (icon) n.icon = icon;
    const largeIcon = str(vendor.large_icon) ?? str(shown.large_icon);
    if (largeIcon && /^https:\/\//i.test(largeIcon)) n.image = largeIcon;
    else if (largeIcon) notes.push('large_icon: HMS takes an https URL only');
    // the replacing push takes the tag of the one it overrides, so it replaces it on screen
    n.tag = push.options.overrideMsgId ?? push.msgId;

    const style = int(vendor.style) ?? int(shown.style) ?? 0;
    const bigText = str(vendor.big_text) ?? str(shown.big_text);
    const inbox = obj(vendor.inbox) ?? obj(shown.inbox);
    if (style === 1 && bigText) Object.assign(n, { style: 1, big_title: n.title ?? '', big_body: bigText });
    else if (style === 2 && inbox) {
      const lines = Object.values(inbox).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      if (lines.length > MAX_INBOX_LINES) notes.push(`inbox: HMS shows at most ${MAX_INBOX_LINES} lines; the rest were dropped`);
      Object.assign(n, { style: 3, inbox_content: lines.slice(0, MAX_INBOX_LINES) });
    } else if (style === 3 || str(shown.big_pic_path) || str(vendor.big_pic_path)) notes.push('big_pic_path: HMS has no big-picture style');

    // options.classification wins over the vendor's own importance (JPush's precedence rule)
    const importance = vendorOptions(push, 'huawei').importance?.toUpperCase();
    if (importance && IMPORTANCE.includes(importance)) n.importance = importance;
    else if (importance) notes.push(`importance ${importance}: HMS knows LOW, NORMAL and HIGH only`);

    const add = int(shown.badge_add_num);
    const set = int(shown.badge_set_num);
    if (add !== undefined || set !== undefined) {
      const badgeClass = str(shown.badge_class);
      if (badgeClass) {
        const badge: JsonObject = { class: badgeClass };
        if (add !== undefined) badge.add_num = add;
        if (set !== undefined) badge.set_num = set;
        n.badge = badge;
      } else notes.push('badge_add_num/badge_set_num: HMS needs badge_class (the launcher activity) to set a badge');
    }
    if (str(shown.display_foreground)) n.foreground_show = shown.display_foreground !== '0';
    if (Array.isArray(shown.custom_buttons)) n.buttons = buttons(shown.custom_buttons.filter((b) => obj(b) !== undefined) as JsonObject[], notes);
    for (const field of ['priority', 'alert_type', 'show_begin_time', 'show_end_time', 'icon_bg_color'] as const) {
      if (shown[field] !== undefined) notes.push(`${field}: not carried by HMS`);
    }
    android.notification = n;
    if (obj(shown.extras)) data = { ...data, extras: shown.extras! };
    if (push.message) data = { ...customMessageData(push), ...data };
  } else {
    data = customMessageData(push);
  }

  const urgency = str(vendor.urgency)?.toUpperCase();
  if (urgency && URGENCY.includes(urgency)) android.urgency = urgency;
  else if (urgency) notes.push(`urgency ${urgency}: HMS knows HIGH and NORMAL only`);
  if (str(vendor.category)) android.category = vendor.category!;
  const receiptId = vendorOptions(push, 'huawei').receiptId;
  if (receiptId) android.receipt_id = receiptId;
  const testMessage = push.options.raw.test_message === true || int(vendor.target_user_type) === 1;
  if (testMessage) android.target_user_type = 1;
  if (int(vendor.hw_push_type) === 7 || obj(vendor.hw_live_payload)) notes.push('hw_live_payload: live windows travel through the HarmonyOS channel, not HMS v1');
  if (obj(vendor.auditResponse)) notes.push('auditResponse: not carried by HMS v1');

  message.data = JSON.stringify(data);
  message.android = android;
  return fit(push, message, notes);
}

/** Keeps the message within HMS's size limit, shortening the body when auto_truncation allows. */
function fit(push: AcceptedPush, message: JsonObject, notes: string[]): RenderedHms | RenderError {
  let bytes = jsonBytes({ message });
  if (bytes <= HMS_MAX_MESSAGE_BYTES) return { message, notes };
  const n = obj(obj(message.android)?.notification);
  if (push.options.raw.auto_truncation === true && n) {
    for (const field of ['big_body', 'body'] as const) {
      const text = str(n[field]);
      if (!text) continue;
      const shorter = shorten(text, bytes - HMS_MAX_MESSAGE_BYTES + 16);
      if (shorter === undefined) continue;
      n[field] = shorter;
      bytes = jsonBytes({ message });
      notes.push(`${field}: shortened to fit HMS's ${HMS_MAX_MESSAGE_BYTES}-byte limit (auto_truncation)`);
      if (bytes <= HMS_MAX_MESSAGE_BYTES) return { message, notes };
    }
  }
  return { tooLarge: true, bytes };
}
