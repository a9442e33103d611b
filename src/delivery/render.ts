import type { DevicePlatform } from '../domain/device.js';
import type { AcceptedPush, JsonObject, Platform } from '../domain/push.js';

/**
 * What a device of one platform receives of a push: the platform's notification block merged
 * over the top-level alert, and the custom message. Pure functions; one frame per platform is
 * encoded once and shared by every device of that platform.
 */
export interface RenderedPush {
  notification?: JsonObject;
  message?: JsonObject;
}

export function renderFor(push: AcceptedPush, platform: DevicePlatform): RenderedPush {
  const out: RenderedPush = {};
  const n = push.notification;
  if (n) {
    const block = platform === 'web' ? undefined : (n[platform as Platform] as JsonObject | undefined);
    const alert = block?.alert ?? n.alert;
    if (block || alert !== undefined) {
      out.notification = { ...(block ?? {}) };
      if (alert !== undefined) out.notification.alert = alert;
    }
    // VoIP pushes coexist with the iOS notification and are passed through as sent.
    if (platform === 'ios' && n.voip !== undefined) out.notification = { ...out.notification, voip: n.voip };
  }
  if (push.message) out.message = push.message;
  return out;
}

/** Platforms a push has anything for (web only with all four push platforms, like "all"). */
export function effectivePlatforms(push: AcceptedPush | Omit<AcceptedPush, 'msgId' | 'createdAt' | 'expiresAt'>): DevicePlatform[] {
  const candidates: DevicePlatform[] = [...push.platforms];
  if (push.platforms.length === 4) candidates.push('web');
  return candidates.filter((p) => {
    if (push.message) return true;
    const n = push.notification;
    if (!n) return false;
    if (p === 'ios' && n.voip !== undefined) return true;
    return n.alert !== undefined || (p !== 'web' && n[p] !== undefined);
  });
}

export function encodePushFrame(push: AcceptedPush, platform: DevicePlatform): Buffer {
  const r = renderFor(push, platform);
  const frame: JsonObject = { t: 'push', msg_id: push.msgId, sent_at: push.createdAt };
  if (r.notification) frame.notification = r.notification;
  if (r.message) frame.message = r.message;
  if (push.options.overrideMsgId !== undefined) frame.override_msg_id = push.options.overrideMsgId;
  return Buffer.from(JSON.stringify(frame));
}

export function encodeWithdrawFrame(msgId: string): Buffer {
  return Buffer.from(JSON.stringify({ t: 'withdraw', msg_id: msgId }));
}

/**
 * Tells a device these receipts are durably recorded: it may forget them. `clicks` is always
 * there (version 1 clients read only it); `acks` only when there are some.
 */
export function encodeSavedFrame(clicks: readonly string[], acks: readonly string[] = []): Buffer {
  const frame: JsonObject = { t: 'saved', clicks: [...clicks] };
  if (acks.length > 0) frame.acks = [...acks];
  return Buffer.from(JSON.stringify(frame));
}
