import type { AcceptedPush } from '../../domain/push.js';
import { answerRemaining } from '../cn-vendors/batch-answer.js';
import { field } from '../cn-vendors/credentials.js';
import { postForm } from '../cn-vendors/http.js';
import { receiptUrl } from '../cn-vendors/receipt-link.js';
import type { Channel, ChannelCredentials, ReceiptAnswer, ReceiptRequest, RelayTarget, TargetResult } from '../types.js';
import { classifyMeizuAnswer } from './classify.js';
import { readMeizuReceipts } from './receipts.js';
import { MEIZU_CALLBACK_URL_MAX, meizuSign, renderMeizu } from './render.js';

/**
 * Flyme push (Meizu): `POST /garcia/api/server/push/{varnished|unvarnished}/pushByPushId` with
 * appId, up to 1,000 comma-separated pushIds and the messageJson, signed by an MD5 over the
 * sorted parameters and the app secret. No token exchange. Failed pushIds are listed by code
 * inside a successful answer.
 */

export const MEIZU_ENDPOINT = 'https://server-api-push.meizu.com';
export const MEIZU_MAX_BATCH = 1000;

export interface MeizuChannelOptions {
  endpoint?: string;
  timeoutMs?: number;
  receiptBaseUrl?: string;
}

export function createMeizuChannel(opts: MeizuChannelOptions = {}): Channel {
  const endpoint = (opts.endpoint ?? MEIZU_ENDPOINT).replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const receiptBase = opts.receiptBaseUrl ?? '';

  return {
    id: 'meizu',
    maxBatch: MEIZU_MAX_BATCH,
    async send(push: AcceptedPush, targets: readonly RelayTarget[], credentials: ChannelCredentials): Promise<TargetResult[]> {
      const appId = field(credentials, 'appId');
      const secret = field(credentials, 'appSecret');
      const all = (r: TargetResult) => targets.map(() => r);
      if (!appId || !secret) return all({ kind: 'rejected', reason: 'Meizu credentials need appId and appSecret', code: 'bad_credentials' });
      const callback = receiptUrl(receiptBase, 'meizu', push.appKey, secret, MEIZU_CALLBACK_URL_MAX);
      const rendered = renderMeizu(push, callback);
      if ('refused' in rendered) return all({ kind: 'rejected', reason: rendered.refused, code: 'too_long' });
      const results = new Array<TargetResult>(targets.length);
      const pushIds: string[] = [];
      targets.forEach((t, i) => {
        if (typeof t.token === 'string' && /^[\w-]{1,256}$/.test(t.token)) pushIds.push(t.token);
        else results[i] = { kind: 'tokenDead', reason: 'not a Meizu pushId' };
      });
      if (pushIds.length === 0) return results;
      const params = { appId, pushIds: [...new Set(pushIds)].join(','), messageJson: rendered.messageJson };
      const url = `${endpoint}/garcia/api/server/push/${rendered.kind}/pushByPushId`;
      return answerRemaining(targets, results, async () =>
        classifyMeizuAnswer(await postForm(url, { ...params, sign: meizuSign(params, secret) }, {}, timeoutMs), rendered.notes),
      );
    },
    receipts(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer {
      return readMeizuReceipts(request, credentials);
    },
    close() {
      return Promise.resolve();
    },
  };
}
