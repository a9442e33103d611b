import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ReceiptAnswer } from '../types.js';

/**
 * Xiaomi, OPPO, vivo and Meizu post receipts to a URL given in each send request and sign
 * nothing. So the URL itself carries the proof: `?t=` is an HMAC of the app and channel under
 * the app's vendor secret, which only Borealis and the vendor (who received the URL over its
 * authenticated API) know. A receipt whose `t` does not verify is refused.
 */

const TOKEN_CHARS = 22; // 128 bits of the MAC, base64url

export function receiptToken(secret: string, channel: string, appKey: string): string {
  return createHmac('sha256', secret).update(`borealis-receipts\0${channel}\0${appKey}`).digest('base64url').slice(0, TOKEN_CHARS);
}

/**
 * The receipt URL for one app, or undefined when no public base URL is configured or the URL
 * would exceed the vendor's length limit.
 */
export function receiptUrl(baseUrl: string, channel: string, appKey: string, secret: string, maxLength: number): string | undefined {
  if (!baseUrl) return undefined;
  const url = `${baseUrl.replace(/\/+$/, '')}/v1/vendors/${channel}/receipts/${encodeURIComponent(appKey)}?t=${receiptToken(secret, channel, appKey)}`;
  return url.length <= maxLength ? url : undefined;
}

/** Constant-time check of the `t` query parameter. */
export function receiptTokenValid(given: string | undefined, secret: string, channel: string, appKey: string): boolean {
  if (typeof given !== 'string' || given.length !== TOKEN_CHARS) return false;
  const expected = Buffer.from(receiptToken(secret, channel, appKey));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export const REFUSED: ReceiptAnswer = { accepted: false, status: 401, body: { error: 'receipt authentication failed' } };

export function badReceipt(reason: string): ReceiptAnswer {
  return { accepted: false, status: 400, body: { error: reason } };
}

/** Most receipts read from one request; a vendor batches far fewer. */
export const MAX_RECEIPTS = 10_000;

/** Our msg_ids are decimal numbers: anything else in a callback parameter is not ours. */
export function msgIdFrom(param: unknown): string | undefined {
  return typeof param === 'string' && /^\d{1,20}$/.test(param) ? param : undefined;
}

/** Tokens from a comma-separated list (or an array), trimmed, bounded. */
export function tokenList(v: unknown): string[] {
  const raw = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [];
  const out: string[] = [];
  for (const t of raw) {
    if (typeof t !== 'string') continue;
    const s = t.trim();
    if (s.length > 0 && s.length <= 512) out.push(s);
    if (out.length >= MAX_RECEIPTS) break;
  }
  return out;
}

/** An epoch-ms time from a vendor field (ms or s, number or numeric string), else `now`. */
export function timeFrom(v: unknown, now = Date.now()): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{9,13}$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) return now;
  return n < 1e12 ? n * 1000 : n;
}
