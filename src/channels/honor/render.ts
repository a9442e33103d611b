import type { AcceptedPush, JsonObject } from '../../domain/push.js';
import { pushKitClickAction } from '../huawei/render.js';
import { vendorOptions } from '../vendor-options.js';
import { customMessageData, int, jsonBytes, notification3rdFor, obj, shorten, str, ttlSeconds, rawVendorOptions } from '../huawei/push-fields.js';

/**
 * Renders the normalized push as an Honor push `sendMessage` body (without its tokens): HMS's
 * shape without the `message` wrapper and with camel-case names (`clickAction`, `bigTitle`,
 * `biTag`, `targetUserType`). The msg_id goes into `android.biTag` for receipts and into `data`.
 */

export const HONOR_MAX_BODY_BYTES = 4096;
const MAX_BUTTONS = 3;

export interface RenderedHonor {
  body: JsonObject;
  notes: string[];
}

export function renderHonorMessage(push: AcceptedPush, now = Date.now()): RenderedHonor | { tooLarge: true; bytes: number } {
  const notes: string[] = [];
  const vendor = rawVendorOptions(push, 'honor');
  const android: JsonObject = { ttl: `${ttlSeconds(push, now)}s`, biTag: push.msgId };
  const top = push.notification;
  const shown = top ? { ...obj(top.android), alert: str(obj(top.android)?.alert) ?? str(top.alert) ?? '' } : notification3rdFor(push, 'android');
  let data: JsonObject = push.message ? customMessageData(push) : { msg_id: push.msgId };
  const voip = int(vendor.honor_push_type) !== undefined || str(vendor.voip_extraData) !== undefined;

  if (shown && !voip) {
    const n: JsonObject = { title: str(shown.title) ?? '', body: str(shown.alert) ?? '' };
    n.clickAction = pushKitClickAction(shown, notes, 'Honor');
    const largeIcon = str(vendor.large_icon) ?? str(shown.large_icon);
    if (largeIcon && /^https:\/\//i.test(largeIcon)) n.image = largeIcon;
    else if (largeIcon) notes.push('large_icon: Honor takes an https URL only');
    const style = int(vendor.style) ?? int(shown.style) ?? 0;
    const bigText = str(vendor.big_text) ?? str(shown.big_text);
    if (style === 1 && bigText) Object.assign(n, { style: 1, bigTitle: n.title, bigBody: bigText });
    else if (style === 2) notes.push('inbox: Honor has no inbox style');
    else if (style === 3 || str(shown.big_pic_path)) notes.push('big_pic_path: Honor has no big-picture style');
    // options.classification overrides third_party_channel.honor.importance (JPush's rule)
    const importance = vendorOptions(push, 'honor').importance?.toUpperCase();
    if (importance === 'LOW' || importance === 'NORMAL') n.importance = importance;
    else if (importance) notes.push(`importance ${importance}: Honor knows LOW and NORMAL only`);
    const add = int(shown.badge_add_num);
    const set = int(shown.badge_set_num);
    if (add !== undefined || set !== undefined) {
      const badgeClass = str(shown.badge_class);
      if (badgeClass) n.badge = { badgeClass, ...(add !== undefined ? { addNum: add } : {}), ...(set !== undefined ? { setNum: set } : {}) };
      else notes.push('badge_add_num/badge_set_num: Honor needs badge_class (the launcher activity) to set a badge');
    }
    n.tag = push.options.overrideMsgId ?? push.msgId;
    if (Array.isArray(shown.custom_buttons)) {
      const buttons = shown.custom_buttons.filter((b) => obj(b) !== undefined) as JsonObject[];
      if (buttons.length > MAX_BUTTONS) notes.push(`custom_buttons: Honor shows at most ${MAX_BUTTONS}; the rest were dropped`);
      n.buttons = buttons.slice(0, MAX_BUTTONS).map((b) => {
        const action = str(b.action);
        const out: JsonObject = { name: str(b.name) ?? '' };
        if (!action) out.actionType = 0;
        else if (/^https?:\/\//i.test(action)) Object.assign(out, { actionType: 2, intent: action });
        else Object.assign(out, { actionType: 1, intentType: /^(intent:|#Intent;)/.test(action) ? 0 : 1, intent: action });
        if (str(b.data)) out.data = b.data!;
        return out;
      });
    }
    for (const field of ['channel_id', 'sound', 'priority', 'alert_type', 'show_begin_time', 'show_end_time', 'small_icon_uri', 'display_foreground'] as const) {
      if (shown[field] !== undefined) notes.push(`${field}: not carried by Honor`);
    }
    if (obj(shown.extras)) data = { ...data, extras: shown.extras! };
    android.notification = n;
  } else if (voip) {
    // an Honor VoIP push is a data message carrying the caller's voip_extraData
    data = { ...data, voip_extraData: str(vendor.voip_extraData) ?? '' };
    if (int(vendor.honor_push_type) !== undefined) data.honor_push_type = vendor.honor_push_type!;
  }
  for (const field of ['channel_id', 'sound', 'urgency', 'category'] as const) {
    if (vendor[field] !== undefined) notes.push(`third_party_channel.honor.${field}: not carried by Honor`);
  }
  if (push.options.raw.test_message === true || int(vendor.target_user_type) === 1) android.targetUserType = 1;
  const body: JsonObject = { data: JSON.stringify(data), android };

  let bytes = jsonBytes(body);
  const n = obj(android.notification);
  if (bytes > HONOR_MAX_BODY_BYTES && push.options.raw.auto_truncation === true && n && str(n.body)) {
    const shorter = shorten(n.body as string, bytes - HONOR_MAX_BODY_BYTES + 16);
    if (shorter !== undefined) {
      n.body = shorter;
      notes.push(`body: shortened to fit Honor's ${HONOR_MAX_BODY_BYTES}-byte limit (auto_truncation)`);
      bytes = jsonBytes(body);
    }
  }
  if (bytes > HONOR_MAX_BODY_BYTES) return { tooLarge: true, bytes };
  return { body, notes };
}
