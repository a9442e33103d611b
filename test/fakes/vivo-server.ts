import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CnVendorFake, json, postReceipt, randomId } from './cn-vendor-base.js';

/**
 * A fake vivo push: `/message/auth` checks sign = MD5(appId + appKey + timestamp + appSecret)
 * and a timestamp within 10 minutes; `/message/send` (one regId), `/message/saveListPayload`
 * (→ taskId) and `/message/pushToList` (2 to 1,000 regIds) take the `authToken` header.
 * Answers as vivo documents: 10000 unknown authToken, 10302 an invalid regId on a single
 * send, `invalidUsers` with a status on a list push, 10070 the daily total spent, 10072 too
 * many calls, 10094 an appId that is not the token's. It can post receipts (JSON keyed by
 * taskId) to a single send's `extra.callback`.
 */

export interface VivoSend {
  path: string;
  body: Record<string, unknown>;
  regIds: string[];
  taskId: string;
}

interface App {
  appKey: string;
  appSecret: string;
}

export class FakeVivo extends CnVendorFake {
  readonly sends: VivoSend[] = [];
  readonly authRequests: Record<string, unknown>[] = [];
  readonly payloads = new Map<string, Record<string, unknown>>();
  /** appId → keys. */
  readonly apps = new Map<string, App>();
  private readonly tokens = new Map<string, string>();

  static async start(): Promise<FakeVivo> {
    const fake = new FakeVivo();
    await fake.listen();
    return fake;
  }

  addApp(appId: string, appKey: string, appSecret: string): void {
    this.apps.set(appId, { appKey, appSecret });
  }

  revokeTokens(): void {
    this.tokens.clear();
  }

  override reset(): void {
    super.reset();
    this.sends.length = 0;
    this.authRequests.length = 0;
  }

  protected handle(path: string, req: IncomingMessage, raw: string, res: ServerResponse): void {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return json(res, 200, { result: 10055, desc: '参数不合法' });
    }
    if (req.method !== 'POST') return json(res, 404, { result: 404, desc: 'no such API' });
    if (path === '/message/auth') return this.auth(body, res);
    const appId = this.tokens.get(String(req.headers.authtoken ?? ''));
    if (!appId) return json(res, 200, { result: 10000, desc: 'authToken无效' });
    if (String(body.appId) !== appId) return json(res, 200, { result: 10094, desc: 'appId不一致' });
    if (this.rateLimited > 0) {
      this.rateLimited--;
      return json(res, 200, { result: 10072, desc: '调用频率超过限制' });
    }
    if (path === '/message/send') return this.single(body, res);
    if (path === '/message/saveListPayload') return this.save(body, res);
    if (path === '/message/pushToList') return this.toList(body, res);
    json(res, 404, { result: 404, desc: 'no such API' });
  }

  private auth(body: Record<string, unknown>, res: ServerResponse): void {
    this.authRequests.push(body);
    const app = this.apps.get(String(body.appId));
    if (!app || app.appKey !== body.appKey) return json(res, 200, { result: 10200, desc: 'appId或appKey不合法' });
    const ts = Number(body.timestamp);
    if (!Number.isFinite(ts) || Math.abs(ts - Date.now()) > 600_000) return json(res, 200, { result: 10201, desc: 'timestamp不合法' });
    const expected = createHash('md5').update(String(body.appId) + app.appKey + String(body.timestamp) + app.appSecret).digest('hex');
    if (body.sign !== expected) return json(res, 200, { result: 10202, desc: 'sign不合法' });
    const token = randomId('vivo-token-');
    this.tokens.set(token, String(body.appId));
    json(res, 200, { result: 0, desc: '请求成功', authToken: token });
  }

  private checkMessage(body: Record<string, unknown>): string | undefined {
    const wide = (s: string) => [...s].reduce((n, ch) => n + (/[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]/u.test(ch) ? 2 : 1), 0);
    if (typeof body.title !== 'string' || wide(body.title) > 40) return 'title不合法';
    if (typeof body.content !== 'string' || wide(body.content) > 100) return 'content不合法';
    if (typeof body.requestId !== 'string' || body.requestId.length > 64) return 'requestId不合法';
    const ttl = Number(body.timeToLive);
    if (!(ttl >= 900 && ttl <= 604_800)) return 'timeToLive不合法';
    return undefined;
  }

  private single(body: Record<string, unknown>, res: ServerResponse): void {
    const bad = this.checkMessage(body);
    if (bad) return json(res, 200, { result: 10055, desc: bad });
    if (this.quotaExhausted) return json(res, 200, { result: 10070, desc: '发送总量超出限制' });
    const regId = String(body.regId ?? '');
    if (this.tokenModes.get(regId) === 'dead') return json(res, 200, { result: 10302, desc: 'regId不合法' });
    const taskId = randomId('').slice(0, 12).replace(/[a-f]/g, '7');
    this.sends.push({ path: '/message/send', body, regIds: [regId], taskId });
    json(res, 200, { result: 0, desc: '请求成功', taskId });
  }

  private save(body: Record<string, unknown>, res: ServerResponse): void {
    const bad = this.checkMessage(body);
    if (bad) return json(res, 200, { result: 10055, desc: bad });
    if (this.quotaExhausted) return json(res, 200, { result: 10070, desc: '发送总量超出限制' });
    const taskId = randomId('').slice(0, 12).replace(/[a-f]/g, '3');
    this.payloads.set(taskId, body);
    json(res, 200, { result: 0, desc: '请求成功', taskId });
  }

  private toList(body: Record<string, unknown>, res: ServerResponse): void {
    const taskId = String(body.taskId ?? '');
    const payload = this.payloads.get(taskId);
    if (!payload) return json(res, 200, { result: 10101, desc: 'taskId不合法' });
    const regIds = Array.isArray(body.regIds) ? (body.regIds as unknown[]).map(String) : [];
    if (regIds.length < 2 || regIds.length > 1000) return json(res, 200, { result: 10103, desc: 'regIds个数不合法' });
    const invalidUsers: { status: number; userid: string }[] = [];
    for (const r of regIds) {
      const mode = this.tokenModes.get(r);
      if (mode === 'dead') invalidUsers.push({ status: 1, userid: r });
      else if (mode === 'disabled') invalidUsers.push({ status: 3, userid: r });
      else if (mode === 'deviceLimit') invalidUsers.push({ status: 4, userid: r });
    }
    this.sends.push({ path: '/message/pushToList', body: { ...payload, ...body }, regIds, taskId });
    json(res, 200, { result: 0, desc: '请求成功', taskId, ...(invalidUsers.length ? { invalidUsers } : {}) });
  }

  /** Posts a vivo delivery receipt for a recorded single send. */
  sendReceipt(send: VivoSend): Promise<{ status: number; text: string }> {
    const extra = send.body.extra as Record<string, string> | undefined;
    if (!extra?.callback) throw new Error('the send asked for no receipts');
    const body = { [send.taskId]: { param: extra['callback.param'], targets: send.regIds.join(','), ackTime: Date.now() } };
    return postReceipt(extra.callback, JSON.stringify(body), 'application/json');
  }
}
