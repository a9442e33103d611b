import { renderFor } from '../../delivery/render.js';
import type { AcceptedPush, JsonObject } from '../../domain/push.js';

/**
 * The decrypted Web Push payload: the same push object a browser gets over Borealis's own
 * WebSocket (`docs/protocol.md`, the `push` frame without its type), so one service worker
 * handles both and drops duplicates by `msg_id`.
 */
export function renderWebPushPayload(push: AcceptedPush): Buffer {
  const r = renderFor(push, 'web');
  const out: JsonObject = { msg_id: push.msgId, sent_at: push.createdAt };
  if (r.notification) out.notification = r.notification;
  if (r.message) out.message = r.message;
  if (push.options.overrideMsgId !== undefined) out.override_msg_id = push.options.overrideMsgId;
  return Buffer.from(JSON.stringify(out));
}
