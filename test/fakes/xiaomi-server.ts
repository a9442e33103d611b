import type { IncomingMessage, ServerResponse } from 'node:http';
import { CnVendorFake, json, postReceipt, randomId } from './cn-vendor-base.js';

/**
 * A fake Mi Push: `POST /v3/message/regid` with `Authorization: key=<AppSecret>`, form body,
 * answering as Xiaomi documents: ok with `data.id` and dead regIds in `data.bad_regids`; 20301
 * when no regId is valid; 21301 for a wrong secret; 22022 for another app's package; 200001
 * when the daily quota is spent; 10027 when called too often. It can post receipts (form field
 * `data`) to the callback URL a send carried.
 */

export interface XiaomiSend {
  form: Record<string, string>;
  regIds: string[];
  messageId: string;
}

export class FakeXiaomi extends CnVendorFake {
  readonly sends: XiaomiSend[] = [];
  /** App secret → package names it may send to. */
  readonly apps = new Map<string, string>();

  static async start(): Promise<FakeXiaomi> {
    const fake = new FakeXiaomi();
    await fake.listen();
    return fake;
  }

  addApp(secret: string, pkg: string): void {
    this.apps.set(secret, pkg);
  }

  override reset(): void {
    super.reset();
    this.sends.length = 0;
  }

  protected handle(path: string, req: IncomingMessage, raw: string, res: ServerResponse): void {
    if (req.method !== 'POST' || path !== '/v3/message/regid') return json(res, 404, { result: 'error', code: 404, reason: 'no such API' });
    const auth = String(req.headers.authorization ?? '');
    const secret = auth.startsWith('key=') ? auth.slice(4) : '';
    const pkg = this.apps.get(secret);
    if (!pkg) return json(res, 200, { result: 'error', code: 21301, reason: 'Authentication failed', description: '认证失败' });
    const form = Object.fromEntries(new URLSearchParams(raw));
    if (!form.restricted_package_name || !form.restricted_package_name.split(',').every((p) => pkg.split(',').includes(p))) {
      return json(res, 200, { result: 'error', code: 22022, reason: 'Invalid package name' });
    }
    if (this.rateLimited > 0) {
      this.rateLimited--;
      return json(res, 200, { result: 'error', code: 10027, reason: 'API calls too frequent' });
    }
    if (this.quotaExhausted) return json(res, 200, { result: 'error', code: 200001, reason: 'daily push quota exceeded' });
    const regIds = (form.registration_id ?? '').split(',').filter(Boolean);
    if (regIds.length === 0 || regIds.length > 1000) return json(res, 200, { result: 'error', code: 10017, reason: 'registration_id count out of range' });
    if (form.pass_through === '0' && (!form.title || !form.description || [...form.title].length >= 50 || [...form.description].length >= 128)) {
      return json(res, 200, { result: 'error', code: 10017, reason: 'title or description length' });
    }
    const bad = regIds.filter((r) => this.tokenModes.get(r) === 'dead');
    if (bad.length === regIds.length) return json(res, 200, { result: 'error', code: 20301, reason: 'No valid targets' });
    const messageId = randomId('sdm');
    this.sends.push({ form, regIds, messageId });
    const data: Record<string, string> = { id: messageId };
    if (bad.length > 0) data.bad_regids = bad.join(',');
    json(res, 200, { result: 'ok', code: 0, data, description: '成功', info: `Received push messages for ${regIds.length} REGID`, trace_id: randomId('Xcm') });
  }

  /** Posts Xiaomi receipts of `type` (1 delivered, 2 clicked, 16 invalid) for a recorded send. */
  sendReceipts(send: XiaomiSend, type: number, regIds = send.regIds): Promise<{ status: number; text: string }> {
    const url = send.form['extra.callback'];
    if (!url) throw new Error('the send asked for no receipts');
    const data = { [send.messageId]: { param: send.form['extra.callback.param'], type, targets: regIds.join(','), jobkey: '', barStatus: 'Enable', timestamp: Date.now() } };
    return postReceipt(url, new URLSearchParams({ data: JSON.stringify(data) }).toString(), 'application/x-www-form-urlencoded');
  }
}
