import type { AcceptedPush, JsonObject } from '../../domain/push.js';
import { androidView, cut, dropNotes, fitText, int, secondsLeft, str, stringExtras, vendorOptionNotes, wideLength } from '../cn-vendors/android-view.js';

/**
 * Renders a push as vivo push's message body (without `regId`). Limits from vivo's server
 * API: title 40 and content 100 units, where a CJK character counts two; `timeToLive` 900 s
 * to 7 days; `extra.callback` 128 characters, `extra.callback.param` 64. vivo carries
 * notifications only. `classification` is `options.classification` when set (it wins over
 * `third_party_channel.vivo.classification`, as JPush documents), else the vivo block's, else 0.
 */

export const VIVO_TITLE_MAX = 40;
export const VIVO_CONTENT_MAX = 100;
export const VIVO_CALLBACK_URL_MAX = 128;
const TTL_MIN = 900;
const TTL_MAX = 7 * 86_400;

const CARRIED_ANDROID = new Set(['alert_type', 'intent', 'channel_id']);
const CARRIED_OPTIONS = new Set(['classification', 'push_mode', 'category', 'callback_id']);

export interface VivoMessage {
  body: JsonObject;
  notes: string[];
}

/** vivo's notifyType: 1 none, 2 ring, 3 vibrate, 4 both; from JPush's alert_type bits. */
function notifyType(alertType: number | undefined): number {
  if (alertType === undefined || alertType < 0) return 4;
  const sound = (alertType & 1) !== 0;
  const vibrate = (alertType & 2) !== 0;
  return sound && vibrate ? 4 : sound ? 2 : vibrate ? 3 : 1;
}

export function renderVivo(push: AcceptedPush, appId: string, callbackUrl: string | undefined, now = Date.now()): VivoMessage | { refused: string } {
  const view = androidView(push, 'vivo');
  if (view.kind === 'message') return { refused: 'vivo carries notifications only: give the custom message a notification_3rd' };
  const notes: string[] = [];
  const opts = view.vendorOptions;
  const title = view.title ? fitText(push, 'title', view.title, VIVO_TITLE_MAX, notes, wideLength) : cut(view.body, VIVO_TITLE_MAX, wideLength);
  if (typeof title !== 'string') return { refused: `vivo: ${title.tooLong}` };
  const content = fitText(push, 'content', view.shortBody.vivo ?? view.body, VIVO_CONTENT_MAX, notes, wideLength);
  if (typeof content !== 'string') return { refused: `vivo: ${content.tooLong} (notification.android.vpns_content_forshort holds a shorter text)` };
  const body: JsonObject = { appId, title, content, notifyType: notifyType(view.alertType), networkType: -1 };
  let ttl = secondsLeft(push, now);
  if (ttl < TTL_MIN) {
    notes.push(`time to live raised to vivo's minimum of ${TTL_MIN} s`);
    ttl = TTL_MIN;
  }
  body.timeToLive = Math.min(ttl, TTL_MAX);
  const url = view.intentUrl;
  if (url && /^https?:\/\//i.test(url)) {
    body.skipType = 2;
    body.skipContent = url;
  } else if (url) {
    body.skipType = 4;
    body.skipContent = url;
  } else {
    body.skipType = 1;
    for (const f of ['uri_activity', 'uri_action']) if (view.present.has(f)) notes.push(`notification.android.${f} is not carried by vivo (give intent.url)`);
  }
  view.present.delete('uri_activity');
  view.present.delete('uri_action');
  body.classification = push.options.classification ?? int(opts.classification) ?? 0;
  body.pushMode = int(opts.push_mode) ?? (push.options.raw.test_message === true ? 1 : 0);
  const category = str(opts.category);
  if (category) body.category = category;
  body.clientCustomMap = stringExtras(push, view.extras);
  const extra: JsonObject = {};
  if (callbackUrl) {
    extra.callback = callbackUrl;
    extra['callback.param'] = push.msgId;
  }
  const callbackId = str(opts.callback_id);
  if (callbackId) extra['callback.id'] = callbackId;
  if (Object.keys(extra).length > 0) body.extra = extra;
  if (view.channelId) notes.push('channel_id: vivo picks the channel from classification and category');
  view.present.delete('channel_id');
  if (push.options.overrideMsgId) notes.push('override_msg_id is not carried by vivo');
  notes.push(...dropNotes('vivo', view.present, CARRIED_ANDROID), ...vendorOptionNotes('vivo', opts, CARRIED_OPTIONS));
  return { body, notes };
}
