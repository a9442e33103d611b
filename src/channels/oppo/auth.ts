import { createHash } from 'node:crypto';
import { postForm } from '../cn-vendors/http.js';
import { AuthError } from '../cn-vendors/token-cache.js';
import { networkReason, parseJsonSafe, retryAfterMs } from '../vendor-http.js';

/**
 * OPPO PUSH auth: `POST /server/v1/auth` with app_key, timestamp (ms) and
 * sign = hex SHA-256 of app_key + timestamp + master_secret; the answer's `data.auth_token`
 * is valid for 24 hours (reused here for at most one hour).
 */

export function oppoSign(appKey: string, timestamp: string, masterSecret: string): string {
  return createHash('sha256').update(appKey + timestamp + masterSecret).digest('hex');
}

export async function fetchOppoToken(endpoint: string, appKey: string, masterSecret: string, timeoutMs: number): Promise<string> {
  const timestamp = String(Date.now());
  let answer;
  try {
    answer = await postForm(`${endpoint}/server/v1/auth`, { app_key: appKey, timestamp, sign: oppoSign(appKey, timestamp, masterSecret) }, {}, timeoutMs);
  } catch (err) {
    throw new AuthError(`OPPO auth: ${networkReason(err)}`, true);
  }
  if (answer.status === 429 || answer.status >= 500) throw new AuthError(`OPPO auth HTTP ${answer.status}`, true, retryAfterMs(answer.headers.get('retry-after')));
  const body = parseJsonSafe(answer.text) as { code?: unknown; message?: unknown; data?: { auth_token?: unknown } } | undefined;
  const token = body?.data?.auth_token;
  if (answer.status === 200 && body?.code === 0 && typeof token === 'string' && token.length > 0 && token.length <= 512) return token;
  const code = body?.code;
  const message = typeof body?.message === 'string' ? body.message.slice(0, 200) : `HTTP ${answer.status}`;
  // -1 / -2 / -3: OPPO unavailable or throttling; 13: too many calls
  const busy = code === -1 || code === -2 || code === -3 || code === 13;
  throw new AuthError(`OPPO auth ${String(code ?? answer.status)}: ${message}`, busy);
}
