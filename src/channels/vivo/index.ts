import { createHash } from 'node:crypto';
import type { AcceptedPush } from '../../domain/push.js';
import { answerRemaining } from '../cn-vendors/batch-answer.js';
import { field } from '../cn-vendors/credentials.js';
import { postJson } from '../cn-vendors/http.js';
import { receiptUrl } from '../cn-vendors/receipt-link.js';
import { AuthTokenCache } from '../cn-vendors/token-cache.js';
import type { Channel, ChannelCredentials, ReceiptAnswer, ReceiptRequest, RelayTarget, TargetResult } from '../types.js';
import { fetchVivoToken } from './auth.js';
import { classifyVivoAnswer, type VivoOutcome } from './classify.js';
import { readVivoReceipts } from './receipts.js';
import { renderVivo, VIVO_CALLBACK_URL_MAX } from './render.js';

/**
 * vivo push: an authToken from appId + appKey + appSecret (MD5 signed, cached), then one
 * device through `/message/send`, or several by saving the message once
 * (`/message/saveListPayload` → taskId) and pushing it to up to 1,000 regIds
 * (`/message/pushToList`). vivo sends receipts for single sends only.
 */

export const VIVO_ENDPOINT = 'https://api-push.vivo.com.cn';
export const VIVO_MAX_BATCH = 1000;
const TOKEN_REUSE_MS = 3_600_000;

export interface VivoChannelOptions {
  endpoint?: string;
  timeoutMs?: number;
  receiptBaseUrl?: string;
}

/** vivo wants a request id unique per request (≤ 64 characters); the same one on a retry lets it drop the duplicate. */
function requestId(msgId: string, what: string, regIds: readonly string[]): string {
  return `${msgId}-${what}-${createHash('sha256').update(regIds.join(',')).digest('hex').slice(0, 16)}`;
}

export function createVivoChannel(opts: VivoChannelOptions = {}): Channel {
  const endpoint = (opts.endpoint ?? VIVO_ENDPOINT).replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const receiptBase = opts.receiptBaseUrl ?? '';
  const tokens = new AuthTokenCache((key) => {
    const [appId, appKey, secret] = key.split('\0') as [string, string, string];
    return fetchVivoToken(endpoint, appId, appKey, secret, timeoutMs);
  }, TOKEN_REUSE_MS);

  /** One call with the cached authToken; on 10000 the token is renewed and the call made once more. */
  async function call(key: string, path: string, body: object, notes: string[], classification: number): Promise<VivoOutcome> {
    const post = async (auth: string) => classifyVivoAnswer(await postJson(`${endpoint}${path}`, body, { authToken: auth }, timeoutMs), notes, classification);
    let auth = await tokens.get(key);
    let outcome = await post(auth);
    if (outcome.kind === 'authExpired') {
      tokens.invalidate(key, auth);
      auth = await tokens.get(key);
      outcome = await post(auth);
    }
    return outcome;
  }

  return {
    id: 'vivo',
    maxBatch: VIVO_MAX_BATCH,
    async send(push: AcceptedPush, targets: readonly RelayTarget[], credentials: ChannelCredentials): Promise<TargetResult[]> {
      const appId = field(credentials, 'appId');
      const appKey = field(credentials, 'appKey');
      const secret = field(credentials, 'appSecret');
      const all = (r: TargetResult) => targets.map(() => r);
      if (!appId || !appKey || !secret) return all({ kind: 'rejected', reason: 'vivo credentials need appId, appKey and appSecret', code: 'bad_credentials' });
      const results = new Array<TargetResult>(targets.length);
      const regIds: string[] = [];
      targets.forEach((t, i) => {
        if (typeof t.token === 'string' && /^[\w-]{1,256}$/.test(t.token)) regIds.push(t.token);
        else results[i] = { kind: 'tokenDead', reason: 'not a vivo regId' };
      });
      const unique = [...new Set(regIds)];
      if (unique.length === 0) return results;
      const single = unique.length === 1;
      // receipts exist for single sends only
      const callback = single ? receiptUrl(receiptBase, 'vivo', push.appKey, secret, VIVO_CALLBACK_URL_MAX) : undefined;
      const rendered = renderVivo(push, appId, callback);
      if ('refused' in rendered) return all({ kind: 'rejected', reason: rendered.refused, code: 'unsupported' });
      const classification = rendered.body.classification as number;
      const key = `${appId}\0${appKey}\0${secret}`;
      return answerRemaining(targets, results, async () => {
        let outcome: VivoOutcome;
        if (single) {
          outcome = await call(key, '/message/send', { ...rendered.body, regId: unique[0], requestId: requestId(push.msgId, 's', unique) }, rendered.notes, classification);
        } else {
          const saved = await call(key, '/message/saveListPayload', { ...rendered.body, requestId: requestId(push.msgId, 'p', unique) }, rendered.notes, classification);
          if (saved.kind === 'ok' && saved.taskId) {
            const pushBody = { appId, regIds: unique, taskId: saved.taskId, requestId: requestId(push.msgId, 'l', unique), pushMode: rendered.body.pushMode };
            outcome = await call(key, '/message/pushToList', pushBody, rendered.notes, classification);
          } else if (saved.kind === 'ok') {
            outcome = { kind: 'failed', result: { kind: 'retry', reason: 'vivo saved the message without a taskId' } };
          } else outcome = saved;
        }
        const done = outcome;
        return done.kind === 'ok' ? done.result : done.kind === 'failed' ? () => done.result : () => ({ kind: 'retry', reason: 'vivo refused a fresh authToken' });
      });
    },
    receipts(request: ReceiptRequest, credentials: ChannelCredentials): ReceiptAnswer {
      return readVivoReceipts(request, credentials);
    },
    close() {
      return Promise.resolve();
    },
  };
}
