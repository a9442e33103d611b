import type { AcceptedPush } from '../../domain/push.js';
import { ClientCredentialsTokens } from '../client-credentials.js';
import { postWithBearer, sendInChunks, sendWithBearer } from '../token-batches.js';
import type { Channel, ChannelCredentials, ReceiptAnswer, ReceiptRequest, RelayTarget, TargetResult } from '../types.js';
import { classifyPushKitAnswer, hmsPartial } from './classify.js';
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

export function createHuaweiChannel(opts: HuaweiChannelOptions = {}): Channel & { readonly tokens: ClientCredentialsTokens } {
  const endpoint = (opts.endpoint ?? HMS_ENDPOINT).replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const tokens = new ClientCredentialsTokens(opts.tokenEndpoint ?? HMS_TOKEN_ENDPOINT);

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
      const bearer = tokens.bearer({ clientId: creds.appId, clientSecret: creds.appSecret });
      const url = `${endpoint}/v1/${encodeURIComponent(creds.appId)}/messages:send`;
      return sendInChunks(targets, { vendor: 'HMS', size: HMS_MAX_TOKENS, notes: rendered.notes }, (chunk) => {
        const body = JSON.stringify({ validate_only: false, message: { ...rendered.message, token: chunk } });
        return sendWithBearer(chunk, bearer, async (accessToken) =>
          classifyPushKitAnswer('HMS', await postWithBearer(url, accessToken, body, timeoutMs), chunk, hmsPartial, AUTH_CODES),
        );
      });
    },
    receipts(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer {
      return pushKitReceipts(request, credentials, 'x-huawei-callback-id');
    },
    close() {
      return Promise.resolve();
    },
  };
}
