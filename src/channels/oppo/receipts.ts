import { field } from '../cn-vendors/credentials.js';
import { MAX_RECEIPTS, REFUSED, badReceipt, msgIdFrom, receiptTokenValid, timeFrom, tokenList } from '../cn-vendors/receipt-link.js';
import type { ChannelCredentials, ReceiptAnswer, ReceiptRequest, VendorReceipt } from '../types.js';
import { parseJsonSafe } from '../vendor-http.js';

/**
 * OPPO PUSH receipts: a JSON array POSTed to the message's `call_back_url`, one event per
 * element: `{messageId, appId, taskId, registrationIds, eventTime, param, eventType}`.
 * `param` is the msg_id the send put in `call_back_parameter`. `push_arrive` is a delivery;
 * `regid_invalid` names regIds OPPO does not know (dead). Other events change nothing.
 */

const KINDS: Record<string, VendorReceipt['kind']> = { push_arrive: 'received', regid_invalid: 'tokenDead' };

export function readOppoReceipts(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer {
  const secret = field(credentials, 'masterSecret');
  if (!secret || !receiptTokenValid(request.query.t, secret, 'oppo', request.appKey)) return REFUSED;
  const events = parseJsonSafe(request.rawBody.toString('utf8'));
  if (!Array.isArray(events)) return badReceipt('expected a JSON array of events');
  const receipts: VendorReceipt[] = [];
  const now = Date.now();
  for (const ev of events as unknown[]) {
    if (typeof ev !== 'object' || ev === null) continue;
    const e = ev as { param?: unknown; eventType?: unknown; registrationIds?: unknown; eventTime?: unknown };
    const msgId = msgIdFrom(e.param);
    const kind = typeof e.eventType === 'string' ? KINDS[e.eventType] : undefined;
    if (!msgId || !kind) continue;
    const at = timeFrom(e.eventTime, now);
    for (const token of tokenList(e.registrationIds)) {
      receipts.push({ msgId, token, kind, at });
      if (receipts.length >= MAX_RECEIPTS) break;
    }
    if (receipts.length >= MAX_RECEIPTS) break;
  }
  return { accepted: true, receipts, status: 200, body: { code: 0, message: 'success' } };
}
