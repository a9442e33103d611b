import type { AcceptedPush } from '../../domain/push.js';
import { androidView, cut, dropNotes, fitText, notifySlot, secondsLeft, vendorOptionNotes, type AndroidView } from '../cn-vendors/android-view.js';

/**
 * Renders a push as Mi Push's `/v3/message/regid` form (without `registration_id`). Limits from
 * Xiaomi's server API: title under 50 characters, description under 128, payload under 4 KB.
 * Xiaomi dropped dynamic pictures and icons in 2023 and badges are the phone's own, so those
 * fields are noted as not carried.
 */

export const XIAOMI_TITLE_MAX = 49;
export const XIAOMI_DESCRIPTION_MAX = 127;
const PAYLOAD_MAX_BYTES = 4095;
/** Receipts asked for: 1 delivered + 2 clicked + 16 invalid target. */
export const XIAOMI_CALLBACK_TYPE = 19;
export const XIAOMI_CALLBACK_URL_MAX = 128;

const CARRIED_ANDROID = new Set(['channel_id', 'sound', 'alert_type', 'style', 'big_text', 'intent', 'uri_activity', 'uri_action', 'display_foreground']);
const CARRIED_OPTIONS = new Set(['channel_id', 'style', 'big_text']);

export interface XiaomiRequest {
  form: Record<string, string>;
  notes: string[];
}

function clickEffect(view: AndroidView, pkg: string, form: Record<string, string>): void {
  const url = view.intentUrl;
  if (url && /^https?:\/\//i.test(url)) {
    form['extra.notify_effect'] = '3';
    form['extra.web_uri'] = url;
  } else if (url) {
    form['extra.notify_effect'] = '2';
    form['extra.intent_uri'] = url;
  } else if (view.uriActivity) {
    form['extra.notify_effect'] = '2';
    form['extra.intent_uri'] = `intent:#Intent;component=${pkg.split(',')[0]}/${view.uriActivity};end`;
  } else if (view.uriAction) {
    form['extra.notify_effect'] = '2';
    form['extra.intent_uri'] = `intent:#Intent;action=${view.uriAction};end`;
  } else {
    form['extra.notify_effect'] = '1';
  }
}

export function renderXiaomi(push: AcceptedPush, pkg: string, callbackUrl: string | undefined, now = Date.now()): XiaomiRequest | { refused: string } {
  const view = androidView(push, 'xiaomi');
  const notes: string[] = [];
  const form: Record<string, string> = { restricted_package_name: pkg };
  const ttl = secondsLeft(push, now);
  if (ttl === 0) notes.push('time_to_live 0 sent as Xiaomi\'s shortest keep time (1 s)');
  form.time_to_live = String(Math.max(1, ttl) * 1000);

  if (view.kind === 'message') {
    // a custom message without a vendor notification travels as Xiaomi pass-through
    form.pass_through = '1';
    const m = view.message ?? {};
    form.payload = JSON.stringify({ msg_id: push.msgId, msg_content: m.msg_content ?? '', title: m.title, content_type: m.content_type, extras: m.extras });
    if (view.title) form.title = view.title;
  } else {
    form.pass_through = '0';
    // no title of its own: the start of the text (Xiaomi requires one)
    const title = view.title ? fitText(push, 'title', view.title, XIAOMI_TITLE_MAX, notes) : cut(view.body, XIAOMI_TITLE_MAX);
    if (typeof title !== 'string') return { refused: `Xiaomi: ${title.tooLong}` };
    let text = view.shortBody.xiaomi ?? view.body;
    if (view.style === 1 && view.bigText) {
      // Xiaomi's multi-line style shows the description in full
      form['extra.notification_style_type'] = '1';
      text = view.bigText;
    } else if (view.style !== undefined && view.style !== 0) {
      notes.push(`style ${view.style} is not carried by xiaomi (pictures and inbox are no longer shown)`);
    }
    const description = fitText(push, 'description', text, XIAOMI_DESCRIPTION_MAX, notes);
    if (typeof description !== 'string') return { refused: `Xiaomi: ${description.tooLong} (notification.android.mipns_content_forshort holds a shorter text)` };
    form.title = title;
    form.description = description;
    form.notify_type = String(view.alertType ?? -1);
    // a replacing push reuses the slot of the one it overrides, so it replaces it on screen
    form.notify_id = String(notifySlot(push.options.overrideMsgId ?? push.msgId));
    form.payload = JSON.stringify({ msg_id: push.msgId, extras: view.extras });
    if (view.channelId) form['extra.channel_id'] = view.channelId;
    if (view.sound) form['extra.sound_uri'] = /^[a-z]+:\/\//i.test(view.sound) ? view.sound : `android.resource://${pkg.split(',')[0]}/raw/${view.sound.replace(/\.[a-z0-9]+$/i, '')}`;
    clickEffect(view, pkg, form);
    notes.push(...dropNotes('xiaomi', view.present, CARRIED_ANDROID));
  }
  notes.push(...vendorOptionNotes('xiaomi', view.vendorOptions, CARRIED_OPTIONS));
  if (Buffer.byteLength(form.payload!) > PAYLOAD_MAX_BYTES) return { refused: 'Xiaomi: payload is larger than 4 KB' };
  if (callbackUrl) {
    form['extra.callback'] = callbackUrl;
    form['extra.callback.param'] = push.msgId;
    form['extra.callback.type'] = String(XIAOMI_CALLBACK_TYPE);
  }
  return { form, notes };
}
