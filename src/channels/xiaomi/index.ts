import type { AcceptedPush } from '../../domain/push.js';
import { quotaCategory } from '../cn-vendors/android-view.js';
import { answerRemaining } from '../cn-vendors/batch-answer.js';
import { field } from '../cn-vendors/credentials.js';
import { postForm } from '../cn-vendors/http.js';
import type { Channel, ChannelCredentials, ReceiptAnswer, ReceiptRequest, RelayTarget, TargetResult } from '../types.js';
import { classifyXiaomiAnswer } from './classify.js';
import { readXiaomiReceipts } from './receipts.js';
import { renderXiaomi, XIAOMI_CALLBACK_URL_MAX } from './render.js';
import { receiptUrl } from '../cn-vendors/receipt-link.js';

/**
 * Mi Push (Xiaomi): `POST /v3/message/regid` with `Authorization: key=<AppSecret>` (a static
 * secret, no token exchange), up to 1,000 regIds per request. Dead regIds come back inside a
 * successful answer (`data.bad_regids`) and through receipts (type 16).
 */

export const XIAOMI_ENDPOINT = 'https://api.xmpush.xiaomi.com';
export const XIAOMI_MAX_BATCH = 1000;

export interface XiaomiChannelOptions {
  endpoint?: string;
  timeoutMs?: number;
  /** Public origin vendors reach Borealis at, for receipts; empty: no receipts asked for. */
  receiptBaseUrl?: string;
}

export function createXiaomiChannel(opts: XiaomiChannelOptions = {}): Channel {
  const endpoint = (opts.endpoint ?? XIAOMI_ENDPOINT).replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const receiptBase = opts.receiptBaseUrl ?? '';

  return {
    id: 'xiaomi',
    maxBatch: XIAOMI_MAX_BATCH,
    async send(push: AcceptedPush, targets: readonly RelayTarget[], credentials: ChannelCredentials): Promise<TargetResult[]> {
      const secret = field(credentials, 'appSecret');
      const pkg = field(credentials, 'package');
      if (!secret || !pkg) return targets.map(() => ({ kind: 'rejected', reason: 'Xiaomi credentials need appSecret and package', code: 'bad_credentials' }));
      const tokens = targets.map((t) => (typeof t.token === 'string' ? t.token : ''));
      const callback = receiptUrl(receiptBase, 'xiaomi', push.appKey, secret, XIAOMI_CALLBACK_URL_MAX);
      const rendered = renderXiaomi(push, pkg, callback);
      if ('refused' in rendered) return targets.map(() => ({ kind: 'rejected', reason: rendered.refused, code: 'too_long' }));
      const notes = [...rendered.notes];
      if (receiptBase && !callback) notes.push('receipt URL longer than Xiaomi\'s 128 bytes: no receipts asked for');
      const results = new Array<TargetResult>(targets.length);
      const valid = new Set<string>();
      tokens.forEach((t, i) => {
        if (/^[\w+/=.:-]{1,256}$/.test(t)) valid.add(t);
        else results[i] = { kind: 'tokenDead', reason: 'not a Xiaomi regId' };
      });
      if (valid.size === 0) return results;
      const form = { ...rendered.form, registration_id: [...valid].join(',') };
      return answerRemaining(targets, results, async () =>
        classifyXiaomiAnswer(await postForm(`${endpoint}/v3/message/regid`, form, { authorization: `key=${secret}` }, timeoutMs), notes, quotaCategory(push)),
      );
    },
    receipts(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer {
      return readXiaomiReceipts(request, credentials);
    },
    close() {
      return Promise.resolve();
    },
  };
}

