import type { AcceptedPush } from '../../domain/push.js';
import { AccessTokenError, ClientCredentialsTokens, type ClientCredentials } from '../client-credentials.js';
import type { Channel, ChannelCredentials, ReceiptAnswer, ReceiptRequest, RelayTarget, TargetResult } from '../types.js';
import { networkReason, readCapped } from '../vendor-http.js';
import { classifyPushKitAnswer, hmsPartial, type PushKitAnswer } from './classify.js';
import { parseHmsCredentials } from './credentials.js';
import { pushKitReceipts } from './receipts.js';
import { HMS_MAX_MESSAGE_BYTES, renderHmsMessage } from './render.js';

/**
 * Huawei HMS Push Kit (Android phones with HMS): an OAuth2 client-credentials access token per
 * app (App ID and App Secret), cached and renewed, and `POST /v1/{appId}/messages:send` with up
 * to 1,000 tokens per request. Dead tokens come back inside successful answers (80100000) and
 * in delivery receipts.
 */

export const HMS_ENDPOINT = 'https://push-api.cloud.huawei.com';
export const HMS_TOKEN_ENDPOINT = 'https://oauth-login.cloud.huawei.com/oauth2/v3/token';
/** Most tokens one `messages:send` takes. */
export const HMS_MAX_TOKENS = 1000;
/** Answers that mean the access token expired (80200003) or was refused (80200001). */
const AUTH_CODES = ['80200001', '80200003'];

export interface HuaweiChannelOptions {
  /** Origin of the Push Kit API (default Huawei's). */
  endpoint?: string;
  /** OAuth2 token endpoint (default Huawei's). */
  tokenEndpoint?: string;
  /** Time Push Kit has to answer one request, ms (10 s). */
  timeoutMs?: number;
}

export function tokenFailure(err: AccessTokenError): TargetResult {
  if (!err.retryable) return { kind: 'rejected', reason: err.message, code: 'auth' };
  return err.afterMs === undefined ? { kind: 'retry', reason: err.message } : { kind: 'retry', afterMs: err.afterMs, reason: err.message };
}

export function createHuaweiChannel(opts: HuaweiChannelOptions = {}): Channel & { readonly tokens: ClientCredentialsTokens } {
  const endpoint = (opts.endpoint ?? HMS_ENDPOINT).replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const tokens = new ClientCredentialsTokens(opts.tokenEndpoint ?? HMS_TOKEN_ENDPOINT);

  async function post(url: string, accessToken: string, body: string): Promise<PushKitAnswer> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json; charset=UTF-8' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, headers: res.headers, text: await readCapped(res) };
  }

  async function sendChunk(client: ClientCredentials, url: string, message: object, chunk: string[]): Promise<TargetResult[]> {
    const body = JSON.stringify({ validate_only: false, message: { ...message, token: chunk } });
    const all = (r: TargetResult) => chunk.map(() => r);
    try {
      let accessToken = await tokens.get(client);
      for (let attempt = 0; ; attempt++) {
        const outcome = classifyPushKitAnswer('HMS', await post(url, accessToken, body), chunk, hmsPartial, AUTH_CODES);
        if (outcome.kind === 'results') return outcome.results;
        // expired or refused access token: renew it once and send again
        if (attempt > 0) return all({ kind: 'rejected', reason: outcome.reason, code: 'auth' });
        tokens.invalidate(client, accessToken);
        accessToken = await tokens.get(client);
      }
    } catch (err) {
      if (err instanceof AccessTokenError) return all(tokenFailure(err));
      return all({ kind: 'retry', reason: networkReason(err) });
    }
  }

  return {
    id: 'huawei',
    maxBatch: HMS_MAX_TOKENS,
    tokens,
    async send(push: AcceptedPush, targets: readonly RelayTarget[], credentials: ChannelCredentials): Promise<TargetResult[]> {
      const creds = parseHmsCredentials(credentials);
      if (typeof creds === 'string') return targets.map(() => ({ kind: 'rejected', reason: `HMS credentials: ${creds}`, code: 'bad_credentials' }));
      const rendered = renderHmsMessage(push);
      if ('tooLarge' in rendered) {
        const reason = `HMS message is ${rendered.bytes} bytes, over its ${HMS_MAX_MESSAGE_BYTES}-byte limit (set options.auto_truncation to shorten it)`;
        return targets.map(() => ({ kind: 'rejected', reason, code: 'payload_too_large' }));
      }
      const results = new Array<TargetResult>(targets.length);
      const valid: number[] = [];
      targets.forEach((t, i) => {
        if (typeof t.token === 'string' && t.token.length > 0 && t.token.length <= 4096) valid.push(i);
        else results[i] = { kind: 'tokenDead', reason: 'no HMS token string' };
      });
      const client = { clientId: creds.appId, clientSecret: creds.appSecret };
      const url = `${endpoint}/v1/${encodeURIComponent(creds.appId)}/messages:send`;
      for (let start = 0; start < valid.length; start += HMS_MAX_TOKENS) {
        const slice = valid.slice(start, start + HMS_MAX_TOKENS);
        const chunkResults = await sendChunk(client, url, rendered.message, slice.map((i) => targets[i]!.token as string));
        slice.forEach((i, k) => {
          const r = chunkResults[k]!;
          results[i] = r.kind === 'delivered' && rendered.notes.length > 0 ? { ...r, notes: rendered.notes } : r;
        });
      }
      return results;
    },
    receipts(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer {
      return pushKitReceipts(request, credentials, 'x-huawei-callback-id');
    },
    close() {
      return Promise.resolve();
    },
  };
}
