import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChannelCredentials, ReceiptAnswer, ReceiptRequest, VendorReceipt } from '../types.js';
import { parseJsonSafe } from '../vendor-http.js';

/**
 * Push Kit delivery receipts (HMS and HarmonyOS). The vendor POSTs `{"statuses":[...]}` to the
 * receipt URL configured in AppGallery Connect, signed in the `X-HUAWEI-CALLBACK-ID` header:
 * `timestamp=..;nonce=..;value=Base64(HMAC-SHA256(callback key, timestamp + nonce + callback user))`.
 * Borealis accepts receipts only from vendors whose callback user and key the app stored, so
 * nobody else can mark the app's tokens dead. Both body versions are read: V1
 * (`biTag, token, status, timestamp`) and V2 (`biTag, token, deliveryStatus{result, timestamp}`
 * or `formStatus` for card refreshes). `biTag` carries the push's msg_id.
 */

/** A signed receipt older or newer than this is refused (replay window), in ms. */
export const RECEIPT_MAX_SKEW_MS = 15 * 60_000;
/** Push Kit sends at most 100 statuses per request (1,000 in the oldest API); more is hostile. */
const MAX_STATUSES = 1000;
const MSG_ID = /^[1-9][0-9]{0,19}$/;

/** Receipt status codes after which the token will never reach the app again: 2 uninstalled, 5 token unknown on the phone. */
const DEAD_STATUSES = new Set([2, 5]);
const DELIVERED = 0;

export interface CallbackAuth {
  user: string;
  key: string;
}

/** The callback user and key stored with the app's credentials, if any. */
export function callbackAuthOf(credentials: ChannelCredentials): CallbackAuth | undefined {
  const { callbackUser, callbackKey } = credentials;
  return typeof callbackUser === 'string' && callbackUser !== '' && typeof callbackKey === 'string' && callbackKey !== ''
    ? { user: callbackUser, key: callbackKey }
    : undefined;
}

/** The header value a vendor computes for `auth` (used by the fakes, and by tests). */
export function signCallbackId(auth: CallbackAuth, timestamp: number, nonce: string): string {
  const value = createHmac('sha256', auth.key).update(`${timestamp}${nonce}${auth.user}`).digest('base64');
  return `timestamp=${timestamp};nonce=${nonce};value=${value}`;
}

/** Checks a signed header in constant time; a string says why it is refused. */
export function verifyCallbackId(header: string | undefined, auth: CallbackAuth, now = Date.now()): true | string {
  if (!header || header.length > 1024) return 'missing callback signature';
  const parts = new Map<string, string>();
  for (const piece of header.split(';')) {
    const eq = piece.indexOf('=');
    if (eq > 0) parts.set(piece.slice(0, eq).trim().toLowerCase(), piece.slice(eq + 1).trim());
  }
  const timestamp = parts.get('timestamp');
  const nonce = parts.get('nonce');
  const value = parts.get('value');
  if (!timestamp || !/^\d{9,13}$/.test(timestamp) || !nonce || !value) return 'malformed callback signature';
  // the older API sends seconds, the current one milliseconds
  const ms = timestamp.length <= 10 ? Number(timestamp) * 1000 : Number(timestamp);
  if (Math.abs(now - ms) > RECEIPT_MAX_SKEW_MS) return 'callback signature timestamp out of range';
  const expected = createHmac('sha256', auth.key).update(`${timestamp}${nonce}${auth.user}`).digest();
  const given = Buffer.from(value, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'callback signature mismatch';
  return true;
}

function statusOf(s: Record<string, unknown>): { code: number; at: number } | undefined {
  const nested = (s.deliveryStatus ?? s.formStatus) as Record<string, unknown> | undefined;
  const code = typeof nested === 'object' && nested !== null ? nested.result : s.status;
  const at = typeof nested === 'object' && nested !== null ? nested.timestamp : s.timestamp;
  if (typeof code !== 'number' || !Number.isSafeInteger(code)) return undefined;
  let when = typeof at === 'number' && Number.isFinite(at) && at > 0 ? at : Date.now();
  if (when < 1e12) when *= 1000;
  return { code, at: when };
}

/** Reads `{"statuses":[...]}` into receipts; statuses without a msg_id of ours are skipped. */
export function parseStatuses(rawBody: Buffer): VendorReceipt[] | undefined {
  const body = parseJsonSafe(rawBody.toString('utf8')) as { statuses?: unknown } | undefined;
  if (typeof body !== 'object' || body === null || !Array.isArray(body.statuses) || body.statuses.length > MAX_STATUSES) return undefined;
  const out: VendorReceipt[] = [];
  for (const item of body.statuses as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const s = item as Record<string, unknown>;
    const msgId = typeof s.biTag === 'string' ? s.biTag : typeof s.bizTag === 'string' ? s.bizTag : undefined;
    const token = s.token;
    const status = statusOf(s);
    if (!msgId || !MSG_ID.test(msgId) || typeof token !== 'string' || token === '' || token.length > 4096 || !status) continue;
    if (status.code === DELIVERED) out.push({ msgId, token, kind: 'received', at: status.at });
    else if (DEAD_STATUSES.has(status.code)) out.push({ msgId, token, kind: 'tokenDead', at: status.at });
    // other codes (notifications off, inactive device, frequency control...) change nothing here
  }
  return out;
}

/**
 * The receipt endpoint's work for a Push Kit vendor: authenticate with `header`, read the
 * statuses, answer in the vendor's `{errno, errmsg}` form.
 */
export function pushKitReceipts(request: ReceiptRequest, credentials: ChannelCredentials, headerName: string): ReceiptAnswer {
  const auth = callbackAuthOf(credentials);
  if (!auth) return { accepted: false, status: 403, body: { errno: '403', errmsg: 'no callback user and key are configured for this app' } };
  const verdict = verifyCallbackId(request.headers[headerName], auth);
  if (verdict !== true) return { accepted: false, status: 401, body: { errno: '401', errmsg: verdict } };
  const receipts = parseStatuses(request.rawBody);
  if (!receipts) return { accepted: false, status: 400, body: { errno: '400', errmsg: 'body must be {"statuses":[...]}' } };
  return { accepted: true, receipts, status: 200, body: { errno: '0', errmsg: 'success' } };
}
