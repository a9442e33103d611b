import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { signCallbackId, type CallbackAuth } from '../../src/channels/huawei/receipts.js';
import { ClientCredentialsFake, ClientCredentialsIssuer, json, type RawRequest } from './huawei-family-fake.js';

/**
 * A fake Honor push service on a loopback port: Honor IAM's client-credentials token endpoint
 * (`/auth/token`) and `POST /api/v1/{appId}/sendMessage` (Bearer token plus a `timestamp`
 * header), answering `{code:200, data:{sendResult, requestId, failTokens, expireTokens}}` with
 * the tokens each mode names, or the whole-request errors on demand; and signed receipts.
 */

export type HonorTokenMode =
  | { kind: 'ok' }
  /** Listed in `expireTokens` of a successful answer. */
  | { kind: 'expired' }
  /** Listed in `failTokens` of a successful answer. */
  | { kind: 'failed' }
  /** The request answers 80300007 (all tokens invalid) when every token has this mode. */
  | { kind: 'invalid' }
  | { kind: 'flowControl'; times: number; retryAfter?: string }
  | { kind: 'quota' };

export interface HonorSend {
  appId: string;
  headers: IncomingHttpHeaders;
  body: { data?: string; android?: Record<string, unknown> & { notification?: Record<string, unknown> }; token: string[] };
  code: number;
}

export class FakeHonor extends ClientCredentialsFake {
  readonly sends: HonorSend[] = [];
  readonly tokenModes = new Map<string, HonorTokenMode>();
  protected readonly issuer = new ClientCredentialsIssuer({
    unsupportedGrant: { error: 'unsupported_grant_type' },
    refused: { status: 401, body: { error: 'invalid_client', error_description: 'Invalid client credentials' } },
    newToken: () => randomBytes(32).toString('base64'),
  });
  private readonly attempts = new Map<string, number>();

  static async start(): Promise<FakeHonor> {
    const fake = new FakeHonor();
    await fake.listen();
    return fake;
  }

  get tokenEndpoint(): string {
    return `${this.url}/auth/token`;
  }

  createApp(): { appId: string; clientId: string; clientSecret: string } {
    const appId = String(104_000_000 + Math.floor(Math.random() * 800_000));
    const clientId = randomBytes(12).toString('hex');
    const clientSecret = randomBytes(24).toString('hex');
    this.issuer.addClient(clientId, clientSecret, appId);
    return { appId, clientId, clientSecret };
  }

  async postReceipts(url: string, statuses: { token: string; biTag: string; result: number }[], auth?: CallbackAuth): Promise<{ status: number; body: string }> {
    const body = { statuses: statuses.map((s) => ({ token: s.token, biTag: s.biTag, status: s.result, timestamp: Date.now(), requestId: randomBytes(6).toString('hex') })) };
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth) headers['x-honor-callback-id'] = signCallbackId(auth, Date.now(), randomUUID());
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: res.status, body: await res.text() };
  }

  protected handle(req: RawRequest, res: ServerResponse): void {
    if (req.method === 'POST' && req.path === '/auth/token') return this.issuer.issue(req.body, res);
    const m = /^\/api\/v1\/([^/]+)\/sendMessage$/.exec(req.path);
    if (req.method === 'POST' && m) return this.send(decodeURIComponent(m[1]!), req.headers, req.body, res);
    json(res, 404, { code: 404, message: 'not found' });
  }

  private send(appId: string, headers: IncomingHttpHeaders, raw: string, res: ServerResponse): void {
    const grant = this.issuer.grantOf(headers);
    if (!grant || grant.appId !== appId) return json(res, 401, { code: 80200001, message: 'Oauth authentication error' });
    if (grant.expiresAt < Date.now()) return json(res, 401, { code: 80200003, message: 'Oauth Token expired' });
    if (!/^\d{13}$/.test(String(headers.timestamp ?? ''))) return json(res, 400, { code: 80100001, message: 'timestamp header is required' });
    let body: HonorSend['body'];
    try {
      body = JSON.parse(raw) as HonorSend['body'];
    } catch {
      return json(res, 400, { code: 80100003, message: 'Incorrect message structure' });
    }
    const tokens = body?.token;
    if (!Array.isArray(tokens) || tokens.length < 1 || tokens.length > 1000 || tokens.some((t) => typeof t !== 'string')) {
      return json(res, 400, { code: 80300010, message: 'The number of tokens must be 1 to 1000' });
    }
    const { token: _t, ...rest } = body;
    if (Buffer.byteLength(JSON.stringify(rest)) > 4096 + 64) return json(res, 400, { code: 80300008, message: 'The message body size exceeds the default value' });
    const n = body.android?.notification;
    if (n) {
      const click = n.clickAction as Record<string, unknown> | undefined;
      if (!click || ![1, 2, 3].includes(click.type as number)) return json(res, 400, { code: 80100001, message: 'clickAction.type must be 1, 2 or 3' });
      if (typeof n.title !== 'string' || typeof n.body !== 'string') return json(res, 400, { code: 80100001, message: 'title and body are required' });
    } else if (typeof body.data !== 'string') {
      return json(res, 400, { code: 80100001, message: 'a notification or data is required' });
    }

    const record = (code: number): void => void this.sends.push({ appId, headers, body, code });
    const modes = tokens.map((t) => this.tokenModes.get(t) ?? { kind: 'ok' as const });
    const key = tokens.join(',');
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const flow = modes.find((m): m is Extract<HonorTokenMode, { kind: 'flowControl' }> => m.kind === 'flowControl');
    if (flow && attempt <= flow.times) {
      record(503);
      res.writeHead(503, { 'content-type': 'text/plain', ...(flow.retryAfter ? { 'retry-after': flow.retryAfter } : {}) }).end('busy');
      return;
    }
    if (modes.some((m) => m.kind === 'quota')) {
      record(80300030);
      return json(res, 200, { code: 80300030, message: 'The number of test messages exceeds the daily limit' });
    }
    if (modes.every((m) => m.kind === 'invalid')) {
      record(80300007);
      return json(res, 200, { code: 80300007, message: 'All the tokens are invalid' });
    }
    record(200);
    const pick = (kind: string) => tokens.filter((_, i) => modes[i]!.kind === kind || (kind === 'expired' && modes[i]!.kind === 'invalid'));
    json(res, 200, { code: 200, message: 'success', data: { sendResult: true, requestId: `${Date.now()}${randomBytes(3).toString('hex')}`, failTokens: pick('failed'), expireTokens: pick('expired') } });
  }
}
