import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CnVendorFake, json, postReceipt, randomId } from './cn-vendor-base.js';

/**
 * A fake Flyme push (Meizu): `/garcia/api/server/push/{varnished,unvarnished}/pushByPushId`
 * with appId, pushIds (1 to 1,000), messageJson and sign = MD5 of the sorted `k=v` parameters
 * followed by the app secret. Answers as Meizu documents: code "200" with failed pushIds by
 * code in `value` (110002 unsubscribed, 110003 illegal), "1006" for a bad signature, "110000"
 * for an unknown appId, "110010" when called too fast. It can post receipts (form field `cb`)
 * to the callback a notification carried.
 */

export interface MeizuSend {
  kind: 'varnished' | 'unvarnished';
  message: Record<string, unknown>;
  pushIds: string[];
  msgId: string;
}

export class FakeMeizu extends CnVendorFake {
  readonly sends: MeizuSend[] = [];
  /** appId → appSecret. */
  readonly apps = new Map<string, string>();

  static async start(): Promise<FakeMeizu> {
    const fake = new FakeMeizu();
    await fake.listen();
    return fake;
  }

  addApp(appId: string, appSecret: string): void {
    this.apps.set(appId, appSecret);
  }

  override reset(): void {
    super.reset();
    this.sends.length = 0;
  }

  protected handle(path: string, req: IncomingMessage, raw: string, res: ServerResponse): void {
    const m = /^\/garcia\/api\/server\/push\/(varnished|unvarnished)\/pushByPushId$/.exec(path);
    if (req.method !== 'POST' || !m) return json(res, 404, { code: '500', message: 'no such API', value: '', redirect: '' });
    const params = Object.fromEntries(new URLSearchParams(raw));
    const secret = params.appId ? this.apps.get(params.appId) : undefined;
    if (!secret) return json(res, 200, { code: '110000', message: 'appId不合法', value: '', redirect: '' });
    const { sign, ...signed } = params;
    const base = Object.keys(signed)
      .sort()
      .map((k) => `${k}=${signed[k]}`)
      .join('');
    if (sign !== createHash('md5').update(base + secret, 'utf8').digest('hex')) return json(res, 200, { code: '1006', message: '签名认证失败', value: '', redirect: '' });
    if (this.rateLimited > 0) {
      this.rateLimited--;
      return json(res, 200, { code: '110010', message: '应用请求频率超过限制', value: '', redirect: '' });
    }
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(params.messageJson ?? '') as Record<string, unknown>;
    } catch {
      return json(res, 200, { code: '1005', message: '参数错误', value: '', redirect: '' });
    }
    const pushIds = (params.pushIds ?? '').split(',').filter(Boolean);
    if (pushIds.length === 0 || pushIds.length > 1000) return json(res, 200, { code: '1005', message: 'pushIds', value: '', redirect: '' });
    if (m[1] === 'varnished') {
      const bar = message.noticeBarInfo as { title?: unknown; content?: unknown } | undefined;
      if (typeof bar?.title !== 'string' || typeof bar.content !== 'string' || [...bar.title].length > 32 || [...bar.content].length > 100) {
        return json(res, 200, { code: '1005', message: 'noticeBarInfo', value: '', redirect: '' });
      }
    }
    const value: Record<string, string[]> = {};
    for (const id of pushIds) {
      if (this.tokenModes.get(id) === 'dead') (value['110003'] ??= []).push(id);
      else if (this.tokenModes.get(id) === 'disabled') (value['110002'] ??= []).push(id);
    }
    const msgId = randomId('mz');
    this.sends.push({ kind: m[1] as MeizuSend['kind'], message, pushIds, msgId });
    json(res, 200, { code: '200', message: '', value, redirect: '', msgId });
  }

  /** Posts Meizu receipts of `type` (1 delivered, 2 clicked) for a recorded send. */
  sendReceipts(send: MeizuSend, type: number): Promise<{ status: number; text: string }> {
    const extra = send.message.extra as Record<string, string> | undefined;
    if (!extra?.callback) throw new Error('the send asked for no receipts');
    const cb = { [`${send.msgId}-${type}`]: { param: extra['callback.param'], type, targets: send.pushIds } };
    return postReceipt(extra.callback, new URLSearchParams({ cb: JSON.stringify(cb), access_token: 'meizu-receipt-token' }).toString(), 'application/x-www-form-urlencoded');
  }
}
