import { field } from '../cn-vendors/credentials.js';
import { MAX_RECEIPTS, REFUSED, badReceipt, msgIdFrom, receiptTokenValid, tokenList } from '../cn-vendors/receipt-link.js';
import type { ChannelCredentials, ReceiptAnswer, ReceiptRequest, VendorReceipt } from '../types.js';
import { parseJsonSafe } from '../vendor-http.js';

/**
 * Flyme push receipts: Meizu batches them every second into a form POST whose `cb` field is a
 * JSON map of `"<meizu msgId>-<type>"` to `{param, type, targets}`: type 1 delivered, 2
 * clicked; `param` the msg_id the send put in `extra.callback.param`; `targets` the pushIds.
 */

export function readMeizuReceipts(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer {
  const secret = field(credentials, 'appSecret');
  if (!secret || !receiptTokenValid(request.query.t, secret, 'meizu', request.appKey)) return REFUSED;
  const cb = new URLSearchParams(request.rawBody.toString('utf8')).get('cb');
  const map = cb ? parseJsonSafe(cb) : undefined;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return badReceipt('expected a form field cb with a JSON object');
  const receipts: VendorReceipt[] = [];
  const at = Date.now();
  for (const entry of Object.values(map as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const e = entry as { param?: unknown; type?: unknown; targets?: unknown };
    const msgId = msgIdFrom(e.param);
    const type = Number(e.type);
    const kind = type === 1 ? 'received' : type === 2 ? 'clicked' : undefined;
    if (!msgId || !kind) continue;
    for (const token of tokenList(e.targets)) {
      receipts.push({ msgId, token, kind, at });
      if (receipts.length >= MAX_RECEIPTS) break;
    }
    if (receipts.length >= MAX_RECEIPTS) break;
  }
  return { accepted: true, receipts, status: 200, body: { code: '200', message: '' } };
}
