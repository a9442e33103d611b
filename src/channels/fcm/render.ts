import type { AcceptedPush, Json, JsonObject } from '../../domain/push.js';

/**
 * Renders the normalized push as an FCM HTTP v1 `message` (without the token). A notification
 * push becomes a notification message (title, body from `notification.android`, falling back
 * to the top-level alert); a custom message becomes a data message, shown through
 * `notification_3rd` when that is given. `data` values must be strings, so non-string extras
 * travel as JSON text. `msg_id` is always in `data`: the app drops the copy that arrives twice
 * (over FCM and over its own connection).
 */

/** Keys FCM refuses inside `data` (the whole message would be rejected). */
const RESERVED_DATA_KEY = /^(from|notification|message_type)$|^(google|gcm)/i;

export type FcmMessage = JsonObject;

function obj(v: Json | undefined): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function putData(data: Record<string, string>, extras: JsonObject | undefined): void {
  if (!extras) return;
  for (const [key, value] of Object.entries(extras)) {
    if (RESERVED_DATA_KEY.test(key) || key in data) continue;
    data[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/** Seconds left of the push's time to live, as FCM's duration string ("0s" = now or never). */
function ttl(push: AcceptedPush, now: number): string {
  if (push.options.timeToLive === 0) return '0s';
  return `${Math.max(0, Math.ceil((push.expiresAt - now) / 1000))}s`;
}

function fcmOptions(push: AcceptedPush): JsonObject {
  const channels = obj(push.options.raw.third_party_channel);
  return obj(channels?.fcm) ?? {};
}

export function renderFcmMessage(push: AcceptedPush, now = Date.now()): FcmMessage {
  const data: Record<string, string> = { msg_id: push.msgId };
  const android: JsonObject = { ttl: ttl(push, now) };
  const vendor = fcmOptions(push);
  const message: JsonObject = {};

  const top = push.notification;
  const an = obj(top?.android);
  const third = push.notification3rd;
  let notificationShown = false;

  if (top && (an || str(top.alert))) {
    const body = str(an?.alert) ?? str(top.alert) ?? '';
    const title = str(an?.title);
    message.notification = title ? { title, body } : { body };
    const image = str(an?.big_pic_path);
    if (image && /^https:\/\//.test(image)) (message.notification as JsonObject).image = image;
    const n: JsonObject = {};
    const channelId = str(vendor.channel_id) ?? str(an?.channel_id);
    if (channelId) n.channel_id = channelId;
    const sound = str(an?.sound);
    if (sound) n.sound = sound;
    const action = str(an?.uri_action);
    if (action) n.click_action = action;
    // the replacing push takes the tag of the one it overrides, so it replaces it on screen
    n.tag = push.options.overrideMsgId ?? push.msgId;
    android.notification = n;
    android.priority = typeof an?.priority === 'number' && an.priority < 0 ? 'NORMAL' : 'HIGH';
    putData(data, obj(an?.extras));
    notificationShown = true;
  }

  if (push.message) {
    const m = push.message;
    const content = m.msg_content;
    data.msg_content = typeof content === 'string' ? content : JSON.stringify(content ?? '');
    if (str(m.title)) data.title = m.title as string;
    if (str(m.content_type)) data.content_type = m.content_type as string;
    putData(data, obj(m.extras));
    if (!notificationShown && third && str(third.content)) {
      const title = str(third.title);
      message.notification = title ? { title, body: third.content as string } : { body: third.content as string };
      const n: JsonObject = { tag: push.options.overrideMsgId ?? push.msgId };
      const channelId = str(vendor.channel_id) ?? str(third.channel_id);
      if (channelId) n.channel_id = channelId;
      if (str(third.sound)) n.sound = third.sound as string;
      if (str(third.uri_action)) n.click_action = third.uri_action as string;
      android.notification = n;
      putData(data, obj(third.extras));
      notificationShown = true;
    }
    android.priority ??= 'NORMAL';
  }

  // pushes sharing a collapse id replace each other while they wait on FCM's side, as on APNs
  const collapseKey = str(vendor.collapse_key) ?? push.options.apnsCollapseId;
  if (collapseKey) android.collapse_key = collapseKey.slice(0, 64);
  message.data = data;
  message.android = android;
  return message;
}
