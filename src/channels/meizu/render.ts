import { createHash } from 'node:crypto';
import type { AcceptedPush, JsonObject } from '../../domain/push.js';
import { androidView, cut, dropNotes, fitText, notifySlot, secondsLeft, stringExtras, vendorOptionNotes } from '../cn-vendors/android-view.js';

/**
 * Renders a push as Flyme push's `messageJson`: a notification-bar message
 * (`varnished/pushByPushId`), or for a custom message without a vendor notification a
 * pass-through one (`unvarnished/pushByPushId`). Limits from Meizu's HTTP API: title 32
 * characters, content 100 (2,000 for pass-through), validTime 1 to 72 hours, callback URL 128
 * bytes, callback parameter 64.
 */

export const MEIZU_TITLE_MAX = 32;
export const MEIZU_CONTENT_MAX = 100;
const MEIZU_PASS_THROUGH_MAX = 2000;
export const MEIZU_CALLBACK_URL_MAX = 128;

const CARRIED_ANDROID = new Set(['alert_type', 'style', 'big_text', 'intent', 'uri_activity']);
const CARRIED_OPTIONS = new Set<string>();

export interface MeizuMessage {
  /** `varnished` (notification bar) or `unvarnished` (pass-through). */
  kind: 'varnished' | 'unvarnished';
  messageJson: string;
  notes: string[];
}

function pushTimeInfo(push: AcceptedPush, now: number, notes: string[]): JsonObject {
  const ttl = secondsLeft(push, now);
  if (ttl === 0) return { offLine: 0 };
  if (ttl > 72 * 3600) notes.push('time to live cut to Meizu\'s 72 hours');
  return { offLine: 1, validTime: Math.min(72, Math.max(1, Math.ceil(ttl / 3600))) };
}

/** Meizu's notifyKey: at most 8 of [0-9a-zA-Z_-]; pushes with one key replace each other. */
function notifyKey(msgId: string): string {
  return notifySlot(msgId).toString(36).slice(0, 8);
}

export function renderMeizu(push: AcceptedPush, callbackUrl: string | undefined, now = Date.now()): MeizuMessage | { refused: string } {
  const view = androidView(push, 'meizu');
  const notes: string[] = [];
  if (view.kind === 'message') {
    const m = view.message ?? {};
    const content = JSON.stringify({ msg_id: push.msgId, msg_content: m.msg_content ?? '', title: m.title, content_type: m.content_type, extras: m.extras });
    if (content.length > MEIZU_PASS_THROUGH_MAX) return { refused: `Meizu: a pass-through message holds at most ${MEIZU_PASS_THROUGH_MAX} characters` };
    const message: JsonObject = { content, pushTimeInfo: pushTimeInfo(push, now, notes) };
    if (view.title) message.title = cut(view.title, MEIZU_TITLE_MAX);
    return { kind: 'unvarnished', messageJson: JSON.stringify(message), notes };
  }
  const title = view.title ? fitText(push, 'title', view.title, MEIZU_TITLE_MAX, notes) : cut(view.body, MEIZU_TITLE_MAX);
  if (typeof title !== 'string') return { refused: `Meizu: ${title.tooLong}` };
  const content = fitText(push, 'content', view.shortBody.meizu ?? view.body, MEIZU_CONTENT_MAX, notes);
  if (typeof content !== 'string') return { refused: `Meizu: ${content.tooLong} (notification.android.mzpns_content_forshort holds a shorter text)` };
  const message: JsonObject = { noticeBarInfo: { noticeBarType: 0, title, content } };
  if (view.style === 1 && view.bigText) message.noticeExpandInfo = { noticeExpandType: 1, noticeExpandContent: view.bigText };
  else if (view.style !== undefined && view.style !== 0) notes.push(`style ${view.style} is not carried by meizu (text expansion only)`);
  const click: JsonObject = { parameters: stringExtras(push, view.extras) };
  if (view.intentUrl) {
    click.clickType = 2;
    click.url = view.intentUrl;
  } else if (view.uriActivity) {
    click.clickType = 1;
    click.activity = view.uriActivity;
  } else click.clickType = 0;
  message.clickTypeInfo = click;
  message.pushTimeInfo = pushTimeInfo(push, now, notes);
  const alert = view.alertType ?? -1;
  message.advanceInfo = {
    suspend: 1,
    clearNoticeBar: 1,
    notificationType: { sound: alert < 0 || (alert & 1) ? 1 : 0, vibrate: alert < 0 || (alert & 2) ? 1 : 0, lights: alert < 0 || (alert & 4) ? 1 : 0 },
    // a replacing push takes the key of the one it overrides
    notifyKey: notifyKey(push.options.overrideMsgId ?? push.msgId),
  };
  if (callbackUrl) message.extra = { callback: callbackUrl, 'callback.param': push.msgId, 'callback.type': 3 };
  notes.push(...dropNotes('meizu', view.present, CARRIED_ANDROID), ...vendorOptionNotes('meizu', view.vendorOptions, CARRIED_OPTIONS));
  return { kind: 'varnished', messageJson: JSON.stringify(message), notes };
}

/** Flyme's signature: MD5 of the parameters sorted by name as `k=v`, concatenated, then the app secret. */
export function meizuSign(params: Record<string, string>, appSecret: string): string {
  const base = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('');
  return createHash('md5').update(base + appSecret, 'utf8').digest('hex');
}
