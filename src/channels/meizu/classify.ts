import type { VendorAnswer } from '../cn-vendors/http.js';
import type { TargetResult } from '../types.js';
import { parseJsonSafe, retryAfterMs } from '../vendor-http.js';

/**
 * Flyme push answers (`{code, message, value, msgId}`, code a string), per Meizu's HTTP API:
 * "200" with `value` mapping a code to the pushIds it applies to (only the failed ones are
 * listed): 110002 unsubscribed or notifications off and 110003 illegal pushId are dead; 501 /
 * 513 / 519 failed or overloaded and 520 collapsed (too many to one device within a minute) are
 * retried. Whole-request codes: 1001 / 1003 / 500 / 518 / 519 / 110010 busy or too fast
 * (retry); 110053 the pass-through allowance is spent; 1005 / 1006 / 110000 / 110001 / 110004 /
 * 110009 refusals (bad parameters, signature, appId, blacklisted app).
 */

const RETRY = new Set(['500', '501', '513', '518', '519', '1001', '1003', '110010']);
const DEAD = new Set(['110002', '110003']);

function codeResult(code: string, message: string): TargetResult {
  const reason = `Meizu ${code}${message ? `: ${message}` : ''}`;
  if (DEAD.has(code)) return { kind: 'tokenDead', reason };
  if (code === '520') return { kind: 'retry', afterMs: 60_000, reason };
  if (RETRY.has(code)) return { kind: 'retry', reason };
  if (code === '110053') return { kind: 'quotaExceeded', reason, category: 'pass-through' };
  return { kind: 'rejected', reason, code };
}

export function classifyMeizuAnswer(answer: VendorAnswer, notes: string[]): (token: string) => TargetResult {
  if (answer.status === 429 || answer.status >= 500) {
    const afterMs = retryAfterMs(answer.headers.get('retry-after'));
    const r: TargetResult = afterMs === undefined ? { kind: 'retry', reason: `Meizu HTTP ${answer.status}` } : { kind: 'retry', afterMs, reason: `Meizu HTTP ${answer.status}` };
    return () => r;
  }
  const body = parseJsonSafe(answer.text) as { code?: unknown; message?: unknown; value?: unknown; msgId?: unknown } | undefined;
  const code = typeof body?.code === 'string' || typeof body?.code === 'number' ? String(body.code) : undefined;
  if (answer.status !== 200 || !code) {
    const r: TargetResult = { kind: 'rejected', reason: `Meizu HTTP ${answer.status}: unreadable answer`, status: answer.status };
    return () => r;
  }
  const message = typeof body?.message === 'string' ? body.message.slice(0, 200) : '';
  if (code !== '200') {
    const r = codeResult(code, message);
    return () => r;
  }
  const failed = new Map<string, string>();
  if (typeof body?.value === 'object' && body.value !== null && !Array.isArray(body.value)) {
    for (const [c, ids] of Object.entries(body.value as Record<string, unknown>)) {
      if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string') failed.set(id, c);
    }
  }
  const id = typeof body?.msgId === 'string' ? body.msgId.slice(0, 128) : undefined;
  const delivered: TargetResult = { kind: 'delivered', ...(id ? { vendorMessageId: id } : {}), ...(notes.length ? { notes } : {}) };
  return (token) => {
    const c = failed.get(token);
    return c ? codeResult(c, '') : delivered;
  };
}
