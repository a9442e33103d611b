import type { TargetResult } from '../types.js';
import { parseJsonSafe, retryAfterMs } from '../vendor-http.js';

/**
 * Maps a Push Kit answer (`{"code":"80000000","msg":..,"requestId":..}`, shared by HMS v1 and
 * HarmonyOS v3) to one result per token. Tokens can be dead inside a successful answer
 * (80100000, partial success: `msg` lists them), or all dead (80300007). Expired or refused
 * access is reported to the caller, which renews its token or JWT once and sends again.
 */

export const PUSH_KIT_SUCCESS = '80000000';
export const PUSH_KIT_PARTIAL = '80100000';
export const PUSH_KIT_ALL_TOKENS_INVALID = '80300007';
export const PUSH_KIT_INTERNAL = '81000001';
/**
 * Push Kit's answers for a used-up daily allowance of test messages (per project: 1,000 a day
 * on HarmonyOS, 500 per app on HMS): nothing was sent, and it resets the next day.
 */
export const PUSH_KIT_QUOTA_CODES: Readonly<Record<string, string>> = {
  '80300029': 'test',
  '80300030': 'test',
};

export interface PushKitAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** What a partial-success `msg` says about individual tokens. */
export interface PartialReport {
  dead: Set<string>;
  /** Tokens refused for a reason that is the app's setup, not the token (reason per token). */
  refused: Map<string, string>;
}

export type Classified =
  | { kind: 'results'; results: TargetResult[] }
  /** The access token or JWT was expired or refused: renew it and send once more. */
  | { kind: 'renewAuth'; reason: string };

interface Envelope {
  code?: string;
  msg?: string;
  requestId?: string;
}

export function readEnvelope(text: string): Envelope {
  const body = parseJsonSafe(text) as Record<string, unknown> | undefined;
  if (typeof body !== 'object' || body === null) return {};
  const code = typeof body.code === 'string' || typeof body.code === 'number' ? String(body.code) : undefined;
  return {
    code,
    msg: typeof body.msg === 'string' ? body.msg : undefined,
    requestId: typeof body.requestId === 'string' ? body.requestId.slice(0, 100) : undefined,
  };
}

/** Next local midnight in UTC+8, when the Chinese vendors reset daily allowances. */
export function nextChinaMidnight(now = Date.now()): number {
  const shifted = now + 8 * 3_600_000;
  return shifted - (shifted % 86_400_000) + 86_400_000 - 8 * 3_600_000;
}

export function classifyPushKitAnswer(
  vendor: string,
  answer: PushKitAnswer,
  tokens: readonly string[],
  partial: (msg: string) => PartialReport,
  authCodes: readonly string[],
): Classified {
  const env = readEnvelope(answer.text);
  const code = env.code;
  const detail = env.msg ? `: ${env.msg.slice(0, 200)}` : '';
  const reason = `${vendor} ${answer.status}${code ? ` ${code}` : ''}${detail}`;
  const all = (r: TargetResult): Classified => ({ kind: 'results', results: tokens.map(() => r) });

  if (answer.status === 200 && code === PUSH_KIT_SUCCESS) {
    return all(env.requestId ? { kind: 'delivered', vendorMessageId: env.requestId } : { kind: 'delivered' });
  }
  if (answer.status === 200 && code === PUSH_KIT_PARTIAL) {
    const report = partial(env.msg ?? '');
    return {
      kind: 'results',
      results: tokens.map((t): TargetResult => {
        if (report.dead.has(t)) return { kind: 'tokenDead', reason: `${vendor} ${code}: token refused as invalid` };
        const refused = report.refused.get(t);
        if (refused) return { kind: 'rejected', reason: `${vendor} ${code}: ${refused}`, code: refused };
        return env.requestId ? { kind: 'delivered', vendorMessageId: env.requestId } : { kind: 'delivered' };
      }),
    };
  }
  if (code === PUSH_KIT_ALL_TOKENS_INVALID) return all({ kind: 'tokenDead', reason });
  if (answer.status === 401 || (code !== undefined && authCodes.includes(code))) return { kind: 'renewAuth', reason };
  if (code !== undefined && PUSH_KIT_QUOTA_CODES[code]) {
    return all({ kind: 'quotaExceeded', reason, category: PUSH_KIT_QUOTA_CODES[code], resetAt: nextChinaMidnight() });
  }
  // 503 is Push Kit's flow control; 502 an unstable connection; 81000001 an internal error
  if (code === PUSH_KIT_INTERNAL || answer.status === 429 || answer.status >= 500) {
    const afterMs = retryAfterMs(answer.headers.get('retry-after'));
    return all(afterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', afterMs, reason });
  }
  return all(code ? { kind: 'rejected', reason, status: answer.status, code } : { kind: 'rejected', reason, status: answer.status });
}

/**
 * HMS v1's partial-success `msg`: a JSON string `{"success":n,"failure":m,"illegal_tokens":[..]}`.
 * The illegal tokens are dead; HMS gives no other per-token reason.
 */
export function hmsPartial(msg: string): PartialReport {
  const body = parseJsonSafe(msg) as { illegal_tokens?: unknown } | undefined;
  const dead = new Set<string>();
  if (body && Array.isArray(body.illegal_tokens)) for (const t of body.illegal_tokens as unknown[]) if (typeof t === 'string') dead.add(t);
  return { dead, refused: new Map() };
}
