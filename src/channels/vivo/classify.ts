import { nextChinaMidnight } from '../cn-vendors/android-view.js';
import type { VendorAnswer } from '../cn-vendors/http.js';
import type { TargetResult } from '../types.js';
import { parseJsonSafe, retryAfterMs } from '../vendor-http.js';

/**
 * vivo push answers (`{result, desc, taskId, invalidUsers}`), per vivo's server API: 0 ok,
 * yet regIds vivo cannot deliver to are listed in `invalidUsers` (`invalidUser` for a single
 * send) with a status: 1 unknown regId and 2 app uninstalled are dead; 3 notifications off
 * is a refusal that leaves the token; 4 the device has had its daily operational messages (a
 * refusal for this device, not the app's quota).
 * 10000: the authToken is invalid (the caller renews it once). 10302: the regId is invalid.
 * 10070 / 10252 / 10254: the app's daily total is spent. 10072: too many calls (retry).
 */

export type VivoOutcome = { kind: 'authExpired' } | { kind: 'ok'; taskId?: string; result: (token: string) => TargetResult } | { kind: 'failed'; result: TargetResult };

const QUOTA_CODES = new Set([10070, 10252, 10254]);
const RETRY_CODES = new Set([10072]);

interface VivoBody {
  result?: unknown;
  desc?: unknown;
  taskId?: unknown;
  invalidUsers?: unknown;
  invalidUser?: unknown;
}

function invalidResult(status: number): TargetResult {
  if (status === 1 || status === 2) return { kind: 'tokenDead', reason: `vivo invalid user (status ${status})` };
  // the device's own daily limit, not the app's quota: this device only, nothing to fall back on for the app
  if (status === 4) return { kind: 'rejected', reason: 'vivo: the device has had its daily operational messages (status 4)', code: 'device_daily_limit' };
  return { kind: 'rejected', reason: `vivo invalid user (status ${status})`, code: `invalid_user_${status}` };
}

export function classifyVivoAnswer(answer: VendorAnswer, notes: string[], classification: number): VivoOutcome {
  if (answer.status === 429 || answer.status >= 500) {
    const afterMs = retryAfterMs(answer.headers.get('retry-after'));
    return { kind: 'failed', result: afterMs === undefined ? { kind: 'retry', reason: `vivo HTTP ${answer.status}` } : { kind: 'retry', afterMs, reason: `vivo HTTP ${answer.status}` } };
  }
  const body = parseJsonSafe(answer.text) as VivoBody | undefined;
  if (answer.status !== 200 || typeof body !== 'object' || body === null || typeof body.result !== 'number') {
    return { kind: 'failed', result: { kind: 'rejected', reason: `vivo HTTP ${answer.status}: unreadable answer`, status: answer.status } };
  }
  const desc = typeof body.desc === 'string' ? body.desc.slice(0, 200) : '';
  const reason = `vivo ${body.result}${desc ? `: ${desc}` : ''}`;
  if (body.result === 10000) return { kind: 'authExpired' };
  if (body.result !== 0) {
    if (body.result === 10302) return { kind: 'failed', result: { kind: 'tokenDead', reason } };
    if (QUOTA_CODES.has(body.result)) return { kind: 'failed', result: { kind: 'quotaExceeded', reason, category: classification === 1 ? 'system' : 'operation', resetAt: nextChinaMidnight() } };
    if (RETRY_CODES.has(body.result)) return { kind: 'failed', result: { kind: 'retry', reason } };
    return { kind: 'failed', result: { kind: 'rejected', reason, code: String(body.result) } };
  }
  const invalid = new Map<string, number>();
  const list = Array.isArray(body.invalidUsers) ? (body.invalidUsers as unknown[]) : body.invalidUser ? [body.invalidUser] : [];
  for (const u of list) {
    if (typeof u !== 'object' || u === null) continue;
    const { userid, status } = u as { userid?: unknown; status?: unknown };
    if (typeof userid === 'string') invalid.set(userid, typeof status === 'number' ? status : Number(status));
  }
  const taskId = typeof body.taskId === 'string' || typeof body.taskId === 'number' ? String(body.taskId).slice(0, 64) : undefined;
  const delivered: TargetResult = { kind: 'delivered', ...(taskId ? { vendorMessageId: taskId } : {}), ...(notes.length ? { notes } : {}) };
  return { kind: 'ok', taskId, result: (token) => (invalid.has(token) ? invalidResult(invalid.get(token)!) : delivered) };
}
