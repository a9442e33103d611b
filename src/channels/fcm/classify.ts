import type { TargetResult } from '../types.js';
import { parseJsonSafe, retryAfterMs } from '../vendor-http.js';

/**
 * Maps one FCM HTTP v1 answer to a target result, per Google's error-code table:
 * UNREGISTERED (404) and an INVALID_ARGUMENT naming `message.token` mean the token is dead;
 * QUOTA_EXCEEDED (429), UNAVAILABLE (503) and INTERNAL (500) are retried after Retry-After;
 * anything else is a refusal that retrying or pruning cannot fix (payload, project setup).
 * 401 is handled by the caller (renew the access token once) before it lands here.
 */

interface FcmErrorBody {
  error?: {
    code?: unknown;
    status?: unknown;
    message?: unknown;
    details?: unknown;
  };
}

export interface FcmError {
  status?: string;
  /** `FcmError.errorCode` from the details, e.g. UNREGISTERED. */
  errorCode?: string;
  message?: string;
  /** A field violation names the token. */
  badToken: boolean;
}

export function parseFcmError(text: string): FcmError {
  const body = parseJsonSafe(text) as FcmErrorBody | undefined;
  const e = typeof body === 'object' && body !== null ? body.error : undefined;
  const out: FcmError = { badToken: false };
  if (typeof e !== 'object' || e === null) return out;
  if (typeof e.status === 'string') out.status = e.status;
  if (typeof e.message === 'string') out.message = e.message.slice(0, 200);
  if (Array.isArray(e.details)) {
    for (const d of e.details as unknown[]) {
      if (typeof d !== 'object' || d === null) continue;
      const detail = d as { errorCode?: unknown; fieldViolations?: unknown };
      if (typeof detail.errorCode === 'string') out.errorCode = detail.errorCode;
      if (Array.isArray(detail.fieldViolations)) {
        for (const v of detail.fieldViolations as unknown[]) {
          if (typeof v === 'object' && v !== null && (v as { field?: unknown }).field === 'message.token') out.badToken = true;
        }
      }
    }
  }
  return out;
}

/** `retryAfter` is the answer's Retry-After header, if any. */
export function classifyFcmAnswer(status: number, retryAfter: string | null, text: string): TargetResult {
  if (status === 200) {
    const name = (parseJsonSafe(text) as { name?: unknown } | undefined)?.name;
    return typeof name === 'string' ? { kind: 'delivered', vendorMessageId: name.slice(0, 300) } : { kind: 'delivered' };
  }
  const err = parseFcmError(text);
  const code = err.errorCode ?? err.status;
  const reason = `FCM ${status}${code ? ` ${code}` : ''}${err.message ? `: ${err.message}` : ''}`;
  if (status === 404 || err.errorCode === 'UNREGISTERED') return { kind: 'tokenDead', reason };
  if (status === 400 && (err.badToken || /registration token/i.test(err.message ?? ''))) return { kind: 'tokenDead', reason };
  if (status === 429 || status === 500 || status === 502 || status === 503 || status === 504) {
    const afterMs = retryAfterMs(retryAfter);
    return afterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', afterMs, reason };
  }
  return code ? { kind: 'rejected', reason, status, code } : { kind: 'rejected', reason, status };
}
