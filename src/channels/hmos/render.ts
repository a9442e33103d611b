import type { AcceptedPush, JsonObject } from '../../domain/push.js';
import { vendorOptions } from '../vendor-options.js';
import { customMessageData, int, jsonBytes, notification3rdFor, obj, shorten, str, ttlSeconds } from '../huawei/push-fields.js';

/**
 * Renders the normalized push as a HarmonyOS Push Kit v3 scenario message: the `push-type`
 * header and the body `{payload, pushOptions}` (the channel adds `target`). The kind of message
 * picks the push-type: 0 alert (notification.hmos, or notification_3rd.hmos for a custom
 * message), 1 card refresh and 7 live view (`hm_payload` as the payload), 2 extension / voice
 * and 10 VoIP (`extra_data`), 6 background for a custom message nobody asked to show.
 */

/** Push Kit's limit on the body, tokens excluded. */
export const HMOS_MAX_BODY_BYTES = 4096;
export const HMOS_PUSH_TYPES = { alert: 0, card: 1, extension: 2, background: 6, liveView: 7, voip: 10 } as const;
const KNOWN_PUSH_TYPES = new Set<number>(Object.values(HMOS_PUSH_TYPES));
/** Home page of the app: HarmonyOS's actionType 0. */
const HOME_ACTION = 'action.system.home';
const MAX_INBOX_LINES = 5;

export interface RenderedHmos {
  pushType: number;
  body: JsonObject;
  notes: string[];
  /** Tokens one request may carry for this push (1 for card refresh, 10 for test messages). */
  maxTokens: number;
}

export type HmosRenderError = { error: string; code: string };

function clickAction(block: JsonObject): JsonObject {
  const url = str(obj(block.intent)?.url);
  const action: JsonObject = !url || url === HOME_ACTION ? { actionType: 0 } : url.includes('://') ? { actionType: 1, uri: url } : { actionType: 1, action: url };
  if (obj(block.extras)) action.data = block.extras!;
  return action;
}

function alertNotification(block: JsonObject, alert: string, notes: string[]): JsonObject {
  const n: JsonObject = {};
  const category = str(block.category);
  if (category) n.category = category;
  else {
    // Push Kit needs a category for an alert; without the self-classification right it is MARKETING anyway
    n.category = 'MARKETING';
    notes.push('category: none given; sent as MARKETING');
  }
  n.title = str(block.title) ?? '';
  n.body = alert;
  n.clickAction = clickAction(block);
  const icon = str(block.large_icon);
  if (icon && /^https:\/\//i.test(icon)) n.image = icon;
  else if (icon) notes.push('large_icon: HarmonyOS takes an https URL only');
  const add = int(block.badge_add_num);
  const set = int(block.badge_set_num);
  if (add !== undefined || set !== undefined) n.badge = set !== undefined ? { setNum: set } : { addNum: add! };
  if (add !== undefined && set !== undefined) notes.push('badge_add_num: badge_set_num wins when both are given');
  const inbox = obj(block.inbox);
  const style = int(block.style);
  if (inbox && (style === undefined || style === 2 || style === 3)) {
    const lines = Object.values(inbox).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    if (lines.length > MAX_INBOX_LINES) notes.push(`inbox: HarmonyOS shows at most ${MAX_INBOX_LINES} lines; the rest were dropped`);
    n.style = 3;
    n.inboxContent = lines.slice(0, MAX_INBOX_LINES);
  } else if (style !== undefined && style !== 0) notes.push(`style ${style}: HarmonyOS has the default and the multi-line (inbox) style only`);
  if (str(block.sound)) n.sound = block.sound!;
  if (int(block.sound_duration) !== undefined) n.soundDuration = block.sound_duration!;
  if (str(block.display_foreground)) n.foregroundShow = block.display_foreground !== '0';
  // notify_id arrives from EMAS's HarmonyNotifyId: same id, one notification on screen
  if (int(block.notify_id) !== undefined) n.notifyId = block.notify_id!;
  return n;
}

export function renderHmosMessage(push: AcceptedPush, now = Date.now()): RenderedHmos | HmosRenderError {
  const notes: string[] = [];
  const top = push.notification;
  const hmos = obj(top?.hmos);
  const shown = hmos ?? (top && str(top.alert) ? { alert: top.alert! } : notification3rdFor(push, 'hmos'));
  const raw = push.options.raw;
  // options.test_message / receipt_id take precedence over the hmos block's own (JPush's rule)
  const resolved = vendorOptions(push, 'hmos');
  const testMessage = resolved.testMessage === true;
  const receiptId = resolved.receiptId;

  let pushType: number;
  let payload: JsonObject;
  if (shown) {
    pushType = int(shown.push_type) ?? HMOS_PUSH_TYPES.alert;
    if (!KNOWN_PUSH_TYPES.has(pushType)) return { error: `hmos push_type ${pushType} is not a HarmonyOS scenario (0, 1, 2, 6, 7, 10)`, code: 'push_type' };
    const alert = str(shown.alert) ?? str(top?.alert) ?? '';
    if (pushType === HMOS_PUSH_TYPES.card || pushType === HMOS_PUSH_TYPES.liveView) {
      const body = obj(shown.hm_payload);
      if (!body) return { error: `hmos push_type ${pushType} needs hm_payload`, code: 'hm_payload' };
      payload = body;
    } else if (pushType === HMOS_PUSH_TYPES.alert) {
      payload = { notification: alertNotification(shown, alert, notes) };
    } else if (pushType === HMOS_PUSH_TYPES.extension) {
      payload = { notification: alertNotification(shown, alert, notes), extraData: str(shown.extra_data) ?? JSON.stringify({ msg_id: push.msgId }) };
    } else {
      // background and VoIP: the app's own data, handed to the app without showing anything
      payload = { extraData: str(shown.extra_data) ?? JSON.stringify(push.message ? customMessageData(push) : { msg_id: push.msgId, alert }) };
    }
  } else if (push.message) {
    pushType = HMOS_PUSH_TYPES.background;
    payload = { extraData: JSON.stringify(customMessageData(push)) };
  } else {
    return { error: 'nothing HarmonyOS can show: no hmos notification or message', code: 'empty' };
  }

  const pushOptions: JsonObject = { ttl: ttlSeconds(push, now), biTag: push.msgId };
  if (testMessage) pushOptions.testMessage = true;
  if (receiptId) pushOptions.receiptId = receiptId;
  const body: JsonObject = { payload, pushOptions };
  const maxTokens = pushType === HMOS_PUSH_TYPES.card ? 1 : testMessage ? 10 : 1000;

  let bytes = jsonBytes(body);
  const n = obj(payload.notification);
  if (bytes > HMOS_MAX_BODY_BYTES && raw.auto_truncation === true && n && str(n.body)) {
    const shorter = shorten(n.body as string, bytes - HMOS_MAX_BODY_BYTES + 16);
    if (shorter !== undefined) {
      n.body = shorter;
      notes.push(`body: shortened to fit HarmonyOS's ${HMOS_MAX_BODY_BYTES}-byte limit (auto_truncation)`);
      bytes = jsonBytes(body);
    }
  }
  if (bytes > HMOS_MAX_BODY_BYTES) {
    return { error: `HarmonyOS message is ${bytes} bytes, over its ${HMOS_MAX_BODY_BYTES}-byte limit (set options.auto_truncation to shorten it)`, code: 'payload_too_large' };
  }
  return { pushType, body, notes, maxTokens };
}
