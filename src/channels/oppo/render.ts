import type { AcceptedPush, JsonObject } from '../../domain/push.js';
import { androidView, cut, dropNotes, fitText, int, obj, secondsLeft, str, stringExtras, vendorOptionNotes, type AndroidView } from '../cn-vendors/android-view.js';

/**
 * Renders a push as an OPPO PUSH `notification` object (the part of a unicast message that is
 * the same for every target). Limits from OPPO's notification-message reference: title 50
 * characters; content 200 (128 in the long-text style); `call_back_url` 200; `off_line_ttl` at
 * most 10 days. OPPO carries notifications only: a custom message without a vendor notification
 * is refused before sending. The big-picture style is for broadcasts only and not carried here.
 */

export const OPPO_TITLE_MAX = 50;
export const OPPO_CONTENT_MAX = 200;
export const OPPO_LONG_TEXT_MAX = 128;
export const OPPO_CALLBACK_URL_MAX = 200;
const OPPO_CALLBACK_PARAM_MAX = 100;
const OPPO_TTL_MAX = 864_000;

const CARRIED_ANDROID = new Set(['channel_id', 'style', 'big_text', 'intent', 'uri_activity', 'uri_action']);
const CARRIED_OPTIONS = new Set(['channel_id', 'category', 'notify_level', 'style', 'big_text', 'private_msg_template_id', 'private_title_parameters', 'private_content_parameters']);

export interface OppoNotification {
  notification: JsonObject;
  notes: string[];
}

function click(view: AndroidView, n: JsonObject): void {
  const url = view.intentUrl;
  if (url && /^https?:\/\//i.test(url)) {
    n.click_action_type = 2;
    n.click_action_url = url;
  } else if (url) {
    // an intent: URI or a deep link: OPPO opens it as an intent scheme URL
    n.click_action_type = 5;
    n.click_action_url = url;
  } else if (view.uriAction) {
    n.click_action_type = 1;
    n.click_action_activity = view.uriAction;
  } else if (view.uriActivity) {
    n.click_action_type = 4;
    n.click_action_activity = view.uriActivity;
  } else {
    n.click_action_type = 0;
  }
}

export function renderOppo(push: AcceptedPush, callbackUrl: string | undefined, now = Date.now()): OppoNotification | { refused: string } {
  const view = androidView(push, 'oppo');
  if (view.kind === 'message') return { refused: 'OPPO carries notifications only: give the custom message a notification_3rd' };
  const notes: string[] = [];
  const opts = view.vendorOptions;
  const n: JsonObject = { app_message_id: push.msgId };
  const title = view.title ? fitText(push, 'title', view.title, OPPO_TITLE_MAX, notes) : cut(view.body, OPPO_TITLE_MAX);
  if (typeof title !== 'string') return { refused: `OPPO: ${title.tooLong}` };
  n.title = title;
  let text = view.shortBody.oppo ?? view.body;
  let max = OPPO_CONTENT_MAX;
  n.style = 1;
  if (view.style === 1 && view.bigText) {
    // JPush's big-text style is OPPO's long-text style (2)
    n.style = 2;
    text = view.bigText;
    max = OPPO_LONG_TEXT_MAX;
  } else if (view.style !== undefined && view.style !== 0) {
    notes.push(`style ${view.style} is not carried by oppo (inbox and big picture are broadcast-only)`);
  }
  const content = fitText(push, 'content', text, max, notes);
  if (typeof content !== 'string') return { refused: `OPPO: ${content.tooLong} (notification.android.oppns_content_forshort holds a shorter text)` };
  n.content = content;
  click(view, n);
  n.action_parameters = JSON.stringify(stringExtras(push, view.extras));
  if (view.channelId) n.channel_id = view.channelId;
  const category = str(opts.category);
  if (category) n.category = category;
  const level = int(opts.notify_level);
  if (level !== undefined) n.notify_level = level;
  const template = str(opts.private_msg_template_id);
  if (template) {
    n.private_msg_template_id = template;
    const titleParams = obj(opts.private_title_parameters);
    const contentParams = obj(opts.private_content_parameters);
    if (titleParams) n.private_title_parameters = titleParams;
    if (contentParams) n.private_content_parameters = contentParams;
  }
  const ttl = secondsLeft(push, now);
  n.off_line = ttl > 0;
  if (ttl > 0) n.off_line_ttl = Math.min(ttl, OPPO_TTL_MAX);
  if (callbackUrl) {
    n.call_back_url = callbackUrl;
    n.call_back_parameter = push.msgId.slice(0, OPPO_CALLBACK_PARAM_MAX);
  }
  if (push.options.overrideMsgId) notes.push('override_msg_id is not carried by oppo (no replace-in-place on OPPO)');
  notes.push(...dropNotes('oppo', view.present, CARRIED_ANDROID), ...vendorOptionNotes('oppo', opts, CARRIED_OPTIONS));
  return { notification: n, notes };
}
