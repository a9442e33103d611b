import type { AcceptedPush } from '../../domain/push.js';
import { ClientCredentialsTokens } from '../client-credentials.js';
import { PUSH_KIT_QUOTA_CODES, nextChinaMidnight } from '../huawei/classify.js';
import { parseHonorCredentials } from '../huawei/credentials.js';
import { callbackAuthOf, parseStatuses, verifyCallbackId } from '../huawei/receipts.js';
import type { Channel, ChannelCredentials, ReceiptAnswer, ReceiptRequest, RelayTarget, TargetResult } from '../types.js';
import { postWithBearer, sendInChunks, sendWithBearer, type BearerAnswer, type ChunkOutcome } from '../token-batches.js';
import { parseJsonSafe, retryAfterMs } from '../vendor-http.js';
import { HONOR_MAX_BODY_BYTES, renderHonorMessage } from './render.js';

/**
 * Honor push (Honor phones, Magic UI): an OAuth2 client-credentials access token from Honor's
 * IAM (client id and secret), `POST /api/v1/{appId}/sendMessage` with up to 1,000 tokens and a
 * `timestamp` header. A successful answer `{code:200, data:{sendResult, requestId, failTokens,
 * expireTokens}}` still names tokens that failed or expired.
 */

export const HONOR_ENDPOINT = 'https://push-api.cloud.hihonor.com';
export const HONOR_TOKEN_ENDPOINT = 'https://iam.developer.hihonor.com/auth/token';
export const HONOR_MAX_TOKENS = 1000;
const AUTH_CODES = new Set(['80200001', '80200003']);
const ALL_TOKENS_INVALID = '80300007';
const INTERNAL = '81000001';

export interface HonorChannelOptions {
  endpoint?: string;
  tokenEndpoint?: string;
  timeoutMs?: number;
}


function stringList(v: unknown): Set<string> {
  return new Set(Array.isArray(v) ? (v as unknown[]).filter((t): t is string => typeof t === 'string') : []);
}

/** Maps an Honor answer to one result per token. */
export function classifyHonorAnswer(answer: BearerAnswer, tokens: readonly string[]): ChunkOutcome {
  const body = parseJsonSafe(answer.text) as { code?: unknown; message?: unknown; data?: unknown } | undefined;
  const code = typeof body?.code === 'number' || typeof body?.code === 'string' ? String(body.code) : undefined;
  const message = typeof body?.message === 'string' ? `: ${body.message.slice(0, 200)}` : '';
  const reason = `Honor ${answer.status}${code ? ` ${code}` : ''}${message}`;
  const all = (r: TargetResult): ChunkOutcome => ({ kind: 'results', results: tokens.map(() => r) });
  if (answer.status === 200 && code === '200') {
    const data = (typeof body?.data === 'object' && body.data !== null ? body.data : {}) as Record<string, unknown>;
    const expired = stringList(data.expireTokens);
    const failed = stringList(data.failTokens);
    const requestId = typeof data.requestId === 'string' ? data.requestId.slice(0, 100) : undefined;
    return {
      kind: 'results',
      results: tokens.map((t): TargetResult => {
        if (expired.has(t)) return { kind: 'tokenDead', reason: 'Honor: token expired (expireTokens)' };
        if (failed.has(t)) return { kind: 'rejected', reason: 'Honor: send failed for this token (failTokens)', code: 'failToken' };
        return requestId ? { kind: 'delivered', vendorMessageId: requestId } : { kind: 'delivered' };
      }),
    };
  }
  if (code === ALL_TOKENS_INVALID) return all({ kind: 'tokenDead', reason });
  if (answer.status === 401 || (code !== undefined && AUTH_CODES.has(code))) return { kind: 'renewAuth', reason };
  if (code !== undefined && PUSH_KIT_QUOTA_CODES[code]) return all({ kind: 'quotaExceeded', reason, category: PUSH_KIT_QUOTA_CODES[code], resetAt: nextChinaMidnight() });
  if (code === INTERNAL || answer.status === 429 || answer.status >= 500) {
    const afterMs = retryAfterMs(answer.headers.get('retry-after'));
    return all(afterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', afterMs, reason });
  }
  return all(code ? { kind: 'rejected', reason, status: answer.status, code } : { kind: 'rejected', reason, status: answer.status });
}

export function createHonorChannel(opts: HonorChannelOptions = {}): Channel & { readonly tokens: ClientCredentialsTokens } {
  const endpoint = (opts.endpoint ?? HONOR_ENDPOINT).replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const tokens = new ClientCredentialsTokens(opts.tokenEndpoint ?? HONOR_TOKEN_ENDPOINT);

  return {
    id: 'honor',
    maxBatch: HONOR_MAX_TOKENS,
    tokens,
    async send(push: AcceptedPush, targets: readonly RelayTarget[], credentials: ChannelCredentials): Promise<TargetResult[]> {
      const creds = parseHonorCredentials(credentials);
      if (typeof creds === 'string') return targets.map(() => ({ kind: 'rejected', reason: `Honor credentials: ${creds}`, code: 'bad_credentials' }));
      const rendered = renderHonorMessage(push);
      if ('tooLarge' in rendered) {
        const reason = `Honor message is ${rendered.bytes} bytes, over its ${HONOR_MAX_BODY_BYTES}-byte limit (set options.auto_truncation to shorten it)`;
        return targets.map(() => ({ kind: 'rejected', reason, code: 'payload_too_large' }));
      }
      const bearer = tokens.bearer({ clientId: creds.clientId, clientSecret: creds.clientSecret });
      const url = `${endpoint}/api/v1/${encodeURIComponent(creds.appId)}/sendMessage`;
      return sendInChunks(targets, { vendor: 'Honor', size: HONOR_MAX_TOKENS, notes: rendered.notes }, (chunk) => {
        const body = JSON.stringify({ ...rendered.body, token: chunk });
        return sendWithBearer(chunk, bearer, async (accessToken) =>
          classifyHonorAnswer(await postWithBearer(url, accessToken, body, timeoutMs, { timestamp: String(Date.now()) }), chunk),
        );
      });
    },
    receipts(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer {
      // Honor's console signs receipts like Push Kit does; its header name varies between its documents
      const auth = callbackAuthOf(credentials);
      if (!auth) return { accepted: false, status: 403, body: { code: 403, message: 'no callback user and key are configured for this app' } };
      const verdict = verifyCallbackId(request.headers['x-honor-callback-id'] ?? request.headers['x-huawei-callback-id'], auth);
      if (verdict !== true) return { accepted: false, status: 401, body: { code: 401, message: verdict } };
      const receipts = parseStatuses(request.rawBody);
      if (!receipts) return { accepted: false, status: 400, body: { code: 400, message: 'body must be {"statuses":[...]}' } };
      return { accepted: true, receipts, status: 200, body: { code: 200, message: 'success' } };
    },
    close() {
      return Promise.resolve();
    },
  };
}
