import type { AcceptedPush } from '../../domain/push.js';
import { quotaCategory } from '../cn-vendors/android-view.js';
import { answerRemaining } from '../cn-vendors/batch-answer.js';
import { field } from '../cn-vendors/credentials.js';
import { postForm } from '../cn-vendors/http.js';
import { receiptUrl } from '../cn-vendors/receipt-link.js';
import { AuthTokenCache } from '../cn-vendors/token-cache.js';
import type { Channel, ChannelCredentials, ReceiptAnswer, ReceiptRequest, RelayTarget, TargetResult } from '../types.js';
import { fetchOppoToken } from './auth.js';
import { classifyOppoAnswer } from './classify.js';
import { readOppoReceipts } from './receipts.js';
import { OPPO_CALLBACK_URL_MAX, renderOppo } from './render.js';

/**
 * OPPO PUSH: an auth_token from app key + master secret (SHA-256 signed, cached), then
 * `/server/v1/message/notification/unicast_batch` with up to 1,000 single messages, one per
 * regId, each answered on its own. `app_message_id` is the msg_id, so a retried batch is not
 * shown twice.
 */

export const OPPO_ENDPOINT = 'https://api.push.oppomobile.com';
export const OPPO_MAX_BATCH = 1000;
/** An auth_token is valid 24 h; reused for at most an hour. */
const TOKEN_REUSE_MS = 3_600_000;

export interface OppoChannelOptions {
  endpoint?: string;
  timeoutMs?: number;
  receiptBaseUrl?: string;
}

export function createOppoChannel(opts: OppoChannelOptions = {}): Channel {
  const endpoint = (opts.endpoint ?? OPPO_ENDPOINT).replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const receiptBase = opts.receiptBaseUrl ?? '';
  // one token per credential: the cache key is app key and secret, split again to fetch
  const tokens = new AuthTokenCache((key) => {
    const [appKey, secret] = key.split('\0') as [string, string];
    return fetchOppoToken(endpoint, appKey, secret, timeoutMs);
  }, TOKEN_REUSE_MS);
  const cacheKey = (appKey: string, secret: string) => `${appKey}\0${secret}`;
  const token = (appKey: string, secret: string) => tokens.get(cacheKey(appKey, secret));

  return {
    id: 'oppo',
    maxBatch: OPPO_MAX_BATCH,
    async send(push: AcceptedPush, targets: readonly RelayTarget[], credentials: ChannelCredentials): Promise<TargetResult[]> {
      const appKey = field(credentials, 'appKey');
      const secret = field(credentials, 'masterSecret');
      const all = (r: TargetResult) => targets.map(() => r);
      if (!appKey || !secret) return all({ kind: 'rejected', reason: 'OPPO credentials need appKey and masterSecret', code: 'bad_credentials' });
      const callback = receiptUrl(receiptBase, 'oppo', push.appKey, secret, OPPO_CALLBACK_URL_MAX);
      const rendered = renderOppo(push, callback);
      if ('refused' in rendered) return all({ kind: 'rejected', reason: rendered.refused, code: 'unsupported' });
      const results = new Array<TargetResult>(targets.length);
      const regIds: string[] = [];
      targets.forEach((t, i) => {
        if (typeof t.token === 'string' && /^[\w-]{1,256}$/.test(t.token)) regIds.push(t.token);
        else results[i] = { kind: 'tokenDead', reason: 'not an OPPO regId' };
      });
      if (regIds.length === 0) return results;
      const messages = [...new Set(regIds)].map((reg) => ({ target_type: 2, target_value: reg, notification: rendered.notification }));
      const form = { messages: JSON.stringify(messages) };
      const category = quotaCategory(push);
      const url = `${endpoint}/server/v1/message/notification/unicast_batch`;
      return answerRemaining(targets, results, async () => {
        const key = cacheKey(appKey, secret);
        let auth = await token(appKey, secret);
        let outcome = classifyOppoAnswer(await postForm(url, form, { auth_token: auth }, timeoutMs), rendered.notes, category);
        if (outcome.kind === 'authExpired') {
          // OPPO revoked the token early: fetch a new one and send once more
          tokens.invalidate(key, auth);
          auth = await token(appKey, secret);
          outcome = classifyOppoAnswer(await postForm(url, form, { auth_token: auth }, timeoutMs), rendered.notes, category);
        }
        return outcome.kind === 'perTarget' ? outcome.result : () => ({ kind: 'retry', reason: 'OPPO refused a fresh auth_token' });
      });
    },
    receipts(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer {
      return readOppoReceipts(request, credentials);
    },
    close() {
      return Promise.resolve();
    },
  };
}

