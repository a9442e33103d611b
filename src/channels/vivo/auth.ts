import { createHash } from 'node:crypto';
import { postJson } from '../cn-vendors/http.js';
import { AuthError } from '../cn-vendors/token-cache.js';
import { networkReason, parseJsonSafe, retryAfterMs } from '../vendor-http.js';

/**
 * vivo push auth: `POST /message/auth` with appId, appKey, timestamp (ms, within 10 minutes
 * of vivo's clock) and sign = lower-case hex MD5 of appId + appKey + timestamp + appSecret.
 * The authToken lasts a day; vivo asks for a refresh every hour or two and allows 10 auth
 * calls a second.
 */

export function vivoSign(appId: string, appKey: string, timestamp: string, appSecret: string): string {
  return createHash('md5').update(appId + appKey + timestamp + appSecret).digest('hex');
}

export async function fetchVivoToken(endpoint: string, appId: string, appKey: string, appSecret: string, timeoutMs: number): Promise<string> {
  const timestamp = String(Date.now());
  let answer;
  try {
    answer = await postJson(`${endpoint}/message/auth`, { appId, appKey, timestamp: Number(timestamp), sign: vivoSign(appId, appKey, timestamp, appSecret) }, {}, timeoutMs);
  } catch (err) {
    throw new AuthError(`vivo auth: ${networkReason(err)}`, true);
  }
  if (answer.status === 429 || answer.status >= 500) throw new AuthError(`vivo auth HTTP ${answer.status}`, true, retryAfterMs(answer.headers.get('retry-after')));
  const body = parseJsonSafe(answer.text) as { result?: unknown; desc?: unknown; authToken?: unknown } | undefined;
  if (answer.status === 200 && body?.result === 0 && typeof body.authToken === 'string' && body.authToken.length > 0 && body.authToken.length <= 512) return body.authToken;
  const desc = typeof body?.desc === 'string' ? body.desc.slice(0, 200) : `HTTP ${answer.status}`;
  // 10072: too many calls (retry); anything else: the credentials or the clock are wrong
  throw new AuthError(`vivo auth ${String(body?.result ?? answer.status)}: ${desc}`, body?.result === 10072);
}
