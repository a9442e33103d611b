import { nextChinaMidnight } from '../cn-vendors/android-view.js';
import type { VendorAnswer } from '../cn-vendors/http.js';
import type { TargetResult } from '../types.js';
import { parseJsonSafe, retryAfterMs } from '../vendor-http.js';

/**
 * Mi Push answers, per Xiaomi's server API and error-code pages: `result:"ok", code:0` with the
 * message id in `data.id`, and regIds Xiaomi does not know in `data.bad_regids` (dead, even in
 * a successful answer). 20301: no valid regId in the request. 200001 / 10034: the app's daily
 * quota is spent. 10001 / 10002 / 10003 / 10027 / 10037: busy or too frequent, retry.
 * Anything else (bad secret 21301, bad package 22022, parameter errors) is a refusal.
 */

const RETRY_CODES = new Set([10001, 10002, 10003, 10027, 10037]);
const QUOTA_CODES = new Set([200001, 10034]);

interface XiaomiBody {
  result?: unknown;
  code?: unknown;
  reason?: unknown;
  description?: unknown;
  data?: { id?: unknown; bad_regids?: unknown };
}

export function classifyXiaomiAnswer(answer: VendorAnswer, notes: string[], category: string): (token: string) => TargetResult {
  if (answer.status === 429 || answer.status >= 500) {
    const afterMs = retryAfterMs(answer.headers.get('retry-after'));
    const r: TargetResult = afterMs === undefined ? { kind: 'retry', reason: `Xiaomi HTTP ${answer.status}` } : { kind: 'retry', afterMs, reason: `Xiaomi HTTP ${answer.status}` };
    return () => r;
  }
  const body = parseJsonSafe(answer.text) as XiaomiBody | undefined;
  if (answer.status !== 200 || typeof body !== 'object' || body === null) {
    const r: TargetResult = { kind: 'rejected', reason: `Xiaomi HTTP ${answer.status}: unreadable answer`, status: answer.status };
    return () => r;
  }
  const code = typeof body.code === 'number' ? body.code : Number(body.code);
  const text = String(body.reason ?? body.description ?? '').slice(0, 200);
  if (body.result === 'ok' && code === 0) {
    const bad = new Set(typeof body.data?.bad_regids === 'string' ? body.data.bad_regids.split(',').map((s) => s.trim()) : []);
    const id = typeof body.data?.id === 'string' ? body.data.id.slice(0, 128) : undefined;
    const delivered: TargetResult = { kind: 'delivered', ...(id ? { vendorMessageId: id } : {}), ...(notes.length ? { notes } : {}) };
    return (token) => (bad.has(token) ? { kind: 'tokenDead', reason: 'Xiaomi bad_regids' } : delivered);
  }
  const reason = `Xiaomi ${code}${text ? `: ${text}` : ''}`;
  if (code === 20301) return () => ({ kind: 'tokenDead', reason });
  if (QUOTA_CODES.has(code)) {
    const r: TargetResult = { kind: 'quotaExceeded', reason, category, resetAt: nextChinaMidnight() };
    return () => r;
  }
  if (RETRY_CODES.has(code)) return () => ({ kind: 'retry', reason });
  return () => ({ kind: 'rejected', reason, code: String(code) });
}
