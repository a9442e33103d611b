import type { AcceptedPush, Json, JsonObject } from '../../domain/push.js';

/**
 * Reading the normalized push for the Huawei family of channels (HMS, HarmonyOS, Honor): the
 * JSON helpers and the precedence rules the JPush specification sets between `options`,
 * `third_party_channel.<vendor>`, the platform notification and `notification_3rd`.
 */

export function obj(v: Json | undefined): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

export function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

export function int(v: Json | undefined): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

/** `options.third_party_channel.<vendor>`, or an empty object. */
export function rawVendorOptions(push: AcceptedPush, vendor: string): JsonObject {
  return obj(obj(push.options.raw.third_party_channel)?.[vendor]) ?? {};
}

/**
 * The platform block of `notification_3rd` that turns a custom message into a vendor
 * notification: v2 carries per-platform objects, v1 is the flat Android form.
 */
export function notification3rdFor(push: AcceptedPush, platform: 'android' | 'hmos'): JsonObject | undefined {
  const n3 = push.notification3rd;
  if (!n3 || !push.message) return undefined;
  if (push.options.raw.notification_3rd_ver === 'v2') return obj(n3[platform]);
  if (platform !== 'android') return undefined;
  // v1 names the body `content`; the rest matches the android notification's names
  const { content, ...rest } = n3;
  return typeof content === 'string' ? { ...rest, alert: content } : rest;
}

/** Seconds left of the push's time to live (0 for a push meant for online devices only). */
export function ttlSeconds(push: AcceptedPush, now: number): number {
  if (push.options.timeToLive === 0) return 0;
  return Math.max(0, Math.ceil((push.expiresAt - now) / 1000));
}

/** What a vendor's pass-through `data` string carries for a custom message (and the msg_id always). */
export function customMessageData(push: AcceptedPush): JsonObject {
  const data: JsonObject = { msg_id: push.msgId };
  const m = push.message;
  if (!m) return data;
  data.msg_content = m.msg_content ?? '';
  if (str(m.title)) data.title = m.title!;
  if (str(m.content_type)) data.content_type = m.content_type!;
  if (obj(m.extras)) data.extras = m.extras!;
  return data;
}

/** UTF-8 length of a JSON value as it goes on the wire. */
export function jsonBytes(v: unknown): number {
  return Buffer.byteLength(JSON.stringify(v));
}

/**
 * Shortens `text` so the message it sits in loses `excess` bytes (whole characters, never a
 * split surrogate pair). Returns the shorter text, or undefined when not enough is left.
 */
export function shorten(text: string, excess: number): string | undefined {
  const bytes = Buffer.byteLength(text);
  if (excess >= bytes) return undefined;
  let out = '';
  let used = 0;
  const budget = bytes - excess - 3; // room for the ellipsis
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (used + n > budget) break;
    out += ch;
    used += n;
  }
  return `${out}…`;
}
