import { nextChinaMidnight } from '../cn-vendors/android-view.js';
import type { VendorAnswer } from '../cn-vendors/http.js';
import type { TargetResult } from '../types.js';
import { parseJsonSafe, retryAfterMs } from '../vendor-http.js';

/**
 * OPPO PUSH answers (`{code, message, data}`), per OPPO's return-code table: 0 success; 11
 * the auth_token is invalid (the caller renews it once); -1 / -2 / -3 unavailable or
 * throttled and 13 too many calls (retry); 33 the app's daily quota is spent. A unicast batch
 * answers one `{messageId, registrationId, errorCode, errorMessage}` per target: errorCode
 * 10000 is an invalid regId (dead).
 */

export type OppoOutcome = { kind: 'authExpired' } | { kind: 'perTarget'; result: (token: string) => TargetResult };

const RETRY_CODES = new Set([-1, -2, -3, 13]);
const DEAD_TARGET_CODES = new Set([10000]);

interface OppoItem {
  messageId?: unknown;
  registrationId?: unknown;
  errorCode?: unknown;
  errorMessage?: unknown;
}

function codeResult(code: number, message: string, category: string): TargetResult {
  const reason = `OPPO ${code}${message ? `: ${message}` : ''}`;
  if (code === 33) return { kind: 'quotaExceeded', reason, resetAt: nextChinaMidnight(), category };
  if (RETRY_CODES.has(code)) return { kind: 'retry', reason };
  if (DEAD_TARGET_CODES.has(code)) return { kind: 'tokenDead', reason };
  return { kind: 'rejected', reason, code: String(code) };
}

export function classifyOppoAnswer(answer: VendorAnswer, notes: string[], category: string): OppoOutcome {
  if (answer.status === 429 || answer.status >= 500) {
    const afterMs = retryAfterMs(answer.headers.get('retry-after'));
    const r: TargetResult = afterMs === undefined ? { kind: 'retry', reason: `OPPO HTTP ${answer.status}` } : { kind: 'retry', afterMs, reason: `OPPO HTTP ${answer.status}` };
    return { kind: 'perTarget', result: () => r };
  }
  const body = parseJsonSafe(answer.text) as { code?: unknown; message?: unknown; data?: unknown } | undefined;
  if (answer.status !== 200 || typeof body !== 'object' || body === null || typeof body.code !== 'number') {
    const r: TargetResult = { kind: 'rejected', reason: `OPPO HTTP ${answer.status}: unreadable answer`, status: answer.status };
    return { kind: 'perTarget', result: () => r };
  }
  const message = typeof body.message === 'string' ? body.message.slice(0, 200) : '';
  if (body.code === 11) return { kind: 'authExpired' };
  if (body.code !== 0) {
    const r = codeResult(body.code, message, category);
    return { kind: 'perTarget', result: () => r };
  }
  const items = new Map<string, OppoItem>();
  if (Array.isArray(body.data)) {
    for (const item of body.data as unknown[]) {
      if (typeof item !== 'object' || item === null) continue;
      const reg = (item as OppoItem).registrationId;
      if (typeof reg === 'string') items.set(reg, item as OppoItem);
    }
  }
  return {
    kind: 'perTarget',
    result: (token) => {
      const item = items.get(token);
      if (!item) return { kind: 'retry', reason: 'OPPO gave no result for this regId' };
      const err = typeof item.errorCode === 'number' ? item.errorCode : item.errorCode === undefined || item.errorCode === null ? 0 : Number(item.errorCode);
      if (err !== 0 && Number.isFinite(err)) return codeResult(err, typeof item.errorMessage === 'string' ? item.errorMessage.slice(0, 200) : '', category);
      const id = typeof item.messageId === 'string' ? item.messageId.slice(0, 128) : undefined;
      return { kind: 'delivered', ...(id ? { vendorMessageId: id } : {}), ...(notes.length ? { notes } : {}) };
    },
  };
}
