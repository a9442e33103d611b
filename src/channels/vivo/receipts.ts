import { field } from '../cn-vendors/credentials.js';
import { MAX_RECEIPTS, REFUSED, badReceipt, msgIdFrom, receiptTokenValid, timeFrom, tokenList } from '../cn-vendors/receipt-link.js';
import type { ChannelCredentials, ReceiptAnswer, ReceiptRequest, VendorReceipt } from '../types.js';
import { parseJsonSafe } from '../vendor-http.js';

/**
 * vivo push receipts (delivery only, for single sends of production messages): a JSON object
 * keyed by vivo's taskId, each `{param, targets, ackTime?}`: `param` the msg_id the send put in
 * `extra.callback.param`, `targets` the regIds the message reached, comma-separated.
 */

export function readVivoReceipts(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer {
  const secret = field(credentials, 'appSecret');
  if (!secret || !receiptTokenValid(request.query.t, secret, 'vivo', request.appKey)) return REFUSED;
  const map = parseJsonSafe(request.rawBody.toString('utf8'));
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return badReceipt('expected a JSON object keyed by taskId');
  const receipts: VendorReceipt[] = [];
  const now = Date.now();
  for (const entry of Object.values(map as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const e = entry as { param?: unknown; targets?: unknown; ackTime?: unknown };
    const msgId = msgIdFrom(e.param);
    if (!msgId) continue;
    const at = timeFrom(e.ackTime, now);
    for (const token of tokenList(e.targets)) {
      receipts.push({ msgId, token, kind: 'received', at });
      if (receipts.length >= MAX_RECEIPTS) break;
    }
    if (receipts.length >= MAX_RECEIPTS) break;
  }
  return { accepted: true, receipts, status: 200, body: { result: 0, desc: 'success' } };
}
