import { field } from '../cn-vendors/credentials.js';
import { MAX_RECEIPTS, REFUSED, badReceipt, msgIdFrom, receiptTokenValid, timeFrom, tokenList } from '../cn-vendors/receipt-link.js';
import type { ChannelCredentials, ReceiptAnswer, ReceiptRequest, VendorReceipt } from '../types.js';
import { parseJsonSafe } from '../vendor-http.js';

/**
 * Mi Push receipts: a form POST whose `data` field is a JSON map of Xiaomi message id to
 * `{param, type, targets, timestamp, ...}`. `param` is the msg_id the send put in
 * `extra.callback.param`; `type` is a receipt bit (1 delivered, 2 clicked, 16 invalid target:
 * uninstalled, unknown regId or offline for 90 days); `targets` the regIds, comma-separated.
 * Other types (app disabled push, filtered, quota) change nothing here.
 */

export function readXiaomiReceipts(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer {
  const secret = field(credentials, 'appSecret');
  if (!secret || !receiptTokenValid(request.query.t, secret, 'xiaomi', request.appKey)) return REFUSED;
  const raw = request.rawBody.toString('utf8');
  const data = /^\s*\{/.test(raw) ? raw : new URLSearchParams(raw).get('data');
  const map = data ? parseJsonSafe(data) : undefined;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return badReceipt('expected a form field data with a JSON object');
  const receipts: VendorReceipt[] = [];
  const now = Date.now();
  for (const entry of Object.values(map as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const e = entry as { param?: unknown; type?: unknown; targets?: unknown; timestamp?: unknown };
    const msgId = msgIdFrom(e.param);
    const type = typeof e.type === 'number' ? e.type : Number(e.type);
    if (!msgId || !Number.isInteger(type)) continue;
    const kind = type === 1 ? 'received' : type === 2 ? 'clicked' : type === 16 ? 'tokenDead' : undefined;
    if (!kind) continue;
    const at = timeFrom(e.timestamp, now);
    for (const token of tokenList(e.targets)) {
      receipts.push({ msgId, token, kind, at });
      if (receipts.length >= MAX_RECEIPTS) break;
    }
    if (receipts.length >= MAX_RECEIPTS) break;
  }
  return { accepted: true, receipts, status: 200, body: { code: 0, result: 'ok' } };
}
