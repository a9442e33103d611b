import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CnVendorFake, json, postReceipt, randomId } from './cn-vendor-base.js';

/**
 * A fake OPPO PUSH: `/server/v1/auth` checks sign = SHA-256(app_key + timestamp +
 * master_secret) and issues an auth_token; `/server/v1/message/notification/unicast_batch`
 * takes the `auth_token` header and a `messages` JSON array, answering one result per message
 * (errorCode 10000 for an unknown regId), code 11 for an unknown token, 33 for a spent daily
 * quota and 13 for too many calls. It can post receipts (a JSON array of events) to a
 * message's `call_back_url`.
 */

export interface OppoMessage {
  target_type: number;
  target_value: string;
  notification: Record<string, unknown>;
}

export interface OppoSend {
  appKey: string;
  messages: OppoMessage[];
  /** OPPO's messageId per regId. */
  ids: Map<string, string>;
}

export class FakeOppo extends CnVendorFake {
  readonly sends: OppoSend[] = [];
  readonly authRequests: Record<string, string>[] = [];
  /** app key → master secret. */
  readonly apps = new Map<string, string>();
  private readonly tokens = new Map<string, string>();

  static async start(): Promise<FakeOppo> {
    const fake = new FakeOppo();
    await fake.listen();
    return fake;
  }

  addApp(appKey: string, masterSecret: string): void {
    this.apps.set(appKey, masterSecret);
  }

  /** Makes every issued auth_token unknown, as if OPPO expired them early. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  override reset(): void {
    super.reset();
    this.sends.length = 0;
    this.authRequests.length = 0;
  }

  protected handle(path: string, req: IncomingMessage, raw: string, res: ServerResponse): void {
    const form = Object.fromEntries(new URLSearchParams(raw));
    if (req.method === 'POST' && path === '/server/v1/auth') return this.auth(form, res);
    if (req.method === 'POST' && path === '/server/v1/message/notification/unicast_batch') return this.unicastBatch(String(req.headers.auth_token ?? form.auth_token ?? ''), form, res);
    json(res, 404, { code: 12, message: 'Http Action Not Allowed' });
  }

  private auth(form: Record<string, string>, res: ServerResponse): void {
    this.authRequests.push(form);
    const secret = form.app_key ? this.apps.get(form.app_key) : undefined;
    if (!secret) return json(res, 200, { code: 14, message: 'Invalid App Key' });
    if (!/^\d{13}$/.test(form.timestamp ?? '') || Math.abs(Number(form.timestamp) - Date.now()) > 600_000) return json(res, 200, { code: 28, message: 'Invalid Timestamp' });
    const expected = createHash('sha256').update(form.app_key! + form.timestamp + secret).digest('hex');
    if (form.sign !== expected) return json(res, 200, { code: 16, message: 'Invalid Signature' });
    const token = randomId('oppo-token-');
    this.tokens.set(token, form.app_key!);
    json(res, 200, { code: 0, message: 'Success', data: { auth_token: token, create_time: Date.now() } });
  }

  private unicastBatch(token: string, form: Record<string, string>, res: ServerResponse): void {
    const appKey = this.tokens.get(token);
    if (!appKey) return json(res, 200, { code: 11, message: 'Invalid AuthToken' });
    if (this.rateLimited > 0) {
      this.rateLimited--;
      return json(res, 200, { code: 13, message: 'App Call Limited' });
    }
    if (this.quotaExhausted) return json(res, 200, { code: 33, message: 'The number of messages exceeds the daily limit' });
    let messages: OppoMessage[];
    try {
      messages = JSON.parse(form.messages ?? '') as OppoMessage[];
    } catch {
      return json(res, 200, { code: 40, message: 'Invalid messages' });
    }
    if (!Array.isArray(messages) || messages.length === 0 || messages.length > 1000) return json(res, 200, { code: 40, message: 'messages must hold 1 to 1000 items' });
    for (const m of messages) {
      const n = m.notification;
      if (m.target_type !== 2 || typeof n?.title !== 'string' || typeof n.content !== 'string' || [...n.title].length > 50 || [...n.content].length > 200) {
        return json(res, 200, { code: 40, message: 'Invalid notification' });
      }
    }
    const ids = new Map<string, string>();
    const data = messages.map((m) => {
      if (this.tokenModes.get(m.target_value) === 'dead') return { registrationId: m.target_value, errorCode: 10000, errorMessage: 'Invalid RegistrationId' };
      const messageId = randomId('opm');
      ids.set(m.target_value, messageId);
      return { messageId, registrationId: m.target_value };
    });
    this.sends.push({ appKey, messages, ids });
    json(res, 200, { code: 0, message: 'Success', data });
  }

  /** Posts OPPO receipt events (`push_arrive`, `regid_invalid`) for regIds of a recorded send. */
  sendReceipts(send: OppoSend, eventType: string, regIds = [...send.ids.keys()]): Promise<{ status: number; text: string }> {
    const first = send.messages[0]!.notification;
    const url = first.call_back_url as string | undefined;
    if (!url) throw new Error('the send asked for no receipts');
    const events = regIds.map((r) => ({
      messageId: send.ids.get(r) ?? randomId('opm'),
      appId: send.appKey,
      taskId: send.ids.get(r) ?? '',
      registrationIds: r,
      eventTime: String(Date.now()),
      param: first.call_back_parameter,
      eventType,
    }));
    return postReceipt(url, JSON.stringify(events), 'application/json');
  }
}
