import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { signCallbackId, type CallbackAuth } from '../../src/channels/huawei/receipts.js';
import { ClientCredentialsFake, ClientCredentialsIssuer, json, type RawRequest } from './huawei-family-fake.js';

/**
 * A fake HMS Push Kit on a loopback port: the OAuth2 client-credentials token endpoint
 * (`/oauth2/v3/token`) and `POST /v1/{appId}/messages:send`, with Huawei's answer codes on
 * demand per device token (dead tokens inside a successful answer, all tokens invalid, flow
 * control, the test-message allowance used up, expired access tokens), and the receipt
 * callback: it POSTs signed `{"statuses":[..]}` to a receipt URL.
 */

export type HmsTokenMode =
  | { kind: 'ok' }
  /** Reported in `illegal_tokens` of an 80100000 partial success. */
  | { kind: 'illegal' }
  /** The whole request fails with HTTP 503 (flow control) the first `times` requests holding it. */
  | { kind: 'flowControl'; times: number; retryAfter?: string }
  /** The whole request answers 80300030: the daily test-message allowance is used up. */
  | { kind: 'quota' }
  /** The whole request fails with 81000001. */
  | { kind: 'internal' }
  /** Never answers. */
  | { kind: 'hang' };

export interface HmsSend {
  appId: string;
  headers: IncomingHttpHeaders;
  body: { validate_only?: boolean; message: Record<string, unknown> & { token: string[]; android?: Record<string, unknown>; data?: string } };
  code: string;
}

export class FakeHms extends ClientCredentialsFake {
  readonly sends: HmsSend[] = [];
  readonly tokenModes = new Map<string, HmsTokenMode>();
  // Huawei answers a wrong id or secret with HTTP 400 and an OAuth error number
  protected readonly issuer = new ClientCredentialsIssuer({
    unsupportedGrant: { error: 1102, error_description: 'unsupported grant type' },
    refused: { status: 400, body: { error: 1101, error_description: 'invalid client' } },
    newToken: () => `CV${randomBytes(24).toString('base64url')}`,
  });
  private readonly attempts = new Map<string, number>();

  static async start(): Promise<FakeHms> {
    const fake = new FakeHms();
    await fake.listen();
    return fake;
  }

  get tokenEndpoint(): string {
    return `${this.url}/oauth2/v3/token`;
  }

  /** A new app this fake knows: its App ID and App Secret. */
  createApp(): { appId: string; appSecret: string } {
    const appId = String(100_000_000 + Math.floor(Math.random() * 800_000_000));
    const appSecret = randomBytes(32).toString('hex');
    this.issuer.addClient(appId, appSecret, appId);
    return { appId, appSecret };
  }

  /**
   * Sends receipts the way Push Kit does: POST `{"statuses":[..]}` (V2 form) to `url`, signed
   * with the app's callback user and key when given. Returns the receiver's status and body.
   */
  async postReceipts(
    url: string,
    statuses: { token: string; biTag: string; result: number; timestamp?: number }[],
    auth?: CallbackAuth,
    opts: { headerName?: string; version?: 1 | 2; appPackageName?: string } = {},
  ): Promise<{ status: number; body: string }> {
    const body = {
      statuses: statuses.map((s) =>
        opts.version === 1
          ? { biTag: s.biTag, appid: 'fake', token: s.token, status: s.result, timestamp: s.timestamp ?? Date.now(), requestId: randomBytes(6).toString('hex') }
          : {
              token: s.token,
              pushType: 0,
              appPackageName: opts.appPackageName ?? 'com.example.app',
              biTag: s.biTag,
              requestId: randomBytes(6).toString('hex'),
              deliveryStatus: { result: s.result, timestamp: s.timestamp ?? Date.now() },
            },
      ),
    };
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth) headers[opts.headerName ?? 'x-huawei-callback-id'] = signCallbackId(auth, Date.now(), randomUUID());
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: res.status, body: await res.text() };
  }

  protected handle(req: RawRequest, res: ServerResponse): void {
    if (req.method === 'POST' && req.path === '/oauth2/v3/token') return this.issuer.issue(req.body, res);
    const m = /^\/v1\/([^/]+)\/messages:send$/.exec(req.path);
    if (req.method === 'POST' && m) return this.send(decodeURIComponent(m[1]!), req.headers, req.body, res);
    json(res, 404, { code: '80100001', msg: 'no such path' });
  }

  private send(appId: string, headers: IncomingHttpHeaders, raw: string, res: ServerResponse): void {
    const requestId = `${Date.now()}${randomBytes(4).toString('hex')}`;
    const grant = this.issuer.grantOf(headers);
    if (!grant) return json(res, 401, { code: '80200001', msg: 'Oauth authentication error', requestId });
    if (grant.expiresAt < Date.now()) return json(res, 401, { code: '80200003', msg: 'Oauth Token expired.', requestId });
    // an access token of another app: the same authentication error
    if (grant.appId !== appId) return json(res, 401, { code: '80200001', msg: 'Oauth authentication error', requestId });
    let body: HmsSend['body'];
    try {
      body = JSON.parse(raw) as HmsSend['body'];
    } catch {
      return json(res, 400, { code: '80100003', msg: 'Incorrect message structure', requestId });
    }
    const message = body?.message;
    if (typeof message !== 'object' || message === null) return json(res, 400, { code: '80100003', msg: 'Incorrect message structure', requestId });
    const tokens = message.token;
    if (!Array.isArray(tokens) || tokens.length < 1 || tokens.length > 1000 || tokens.some((t) => typeof t !== 'string')) {
      return json(res, 400, { code: '80300010', msg: 'The number of tokens in the message body exceeds the default value', requestId });
    }
    const { token: _tokens, ...rest } = message;
    if (Buffer.byteLength(JSON.stringify({ message: rest })) > 4096 + 64) {
      return json(res, 400, { code: '80300008', msg: 'The message body size exceeds the default value', requestId });
    }
    const problem = checkMessage(message);
    if (problem) return json(res, 400, { code: '80100001', msg: problem, requestId });

    const record = (code: string): void => void this.sends.push({ appId, headers, body, code });
    const modes = tokens.map((t) => this.tokenModes.get(t) ?? { kind: 'ok' as const });
    const attemptKey = tokens.join(',');
    const attempt = (this.attempts.get(attemptKey) ?? 0) + 1;
    this.attempts.set(attemptKey, attempt);
    if (modes.some((m) => m.kind === 'hang')) return record('hang');
    const flow = modes.find((m): m is Extract<HmsTokenMode, { kind: 'flowControl' }> => m.kind === 'flowControl');
    if (flow && attempt <= flow.times) {
      record('503');
      res.writeHead(503, { 'content-type': 'text/plain', ...(flow.retryAfter ? { 'retry-after': flow.retryAfter } : {}) }).end('Service Unavailable');
      return;
    }
    if (modes.some((m) => m.kind === 'internal')) {
      record('81000001');
      return json(res, 500, { code: '81000001', msg: 'System inner error', requestId });
    }
    if (modes.some((m) => m.kind === 'quota')) {
      record('80300030');
      return json(res, 200, { code: '80300030', msg: 'The number of test messages sent today exceeds the limit', requestId });
    }
    const illegal = tokens.filter((_, i) => modes[i]!.kind === 'illegal');
    if (illegal.length === tokens.length) {
      record('80300007');
      return json(res, 200, { code: '80300007', msg: 'All the tokens are invalid', requestId });
    }
    if (illegal.length > 0) {
      record('80100000');
      const msg = JSON.stringify({ success: tokens.length - illegal.length, failure: illegal.length, illegal_tokens: illegal });
      return json(res, 200, { code: '80100000', msg, requestId });
    }
    record('80000000');
    json(res, 200, { code: '80000000', msg: 'Success', requestId });
  }
}

/** Checks HMS makes on a v1 message that this fake makes too. */
function checkMessage(m: Record<string, unknown>): string | undefined {
  if (m.data !== undefined && typeof m.data !== 'string') return 'data must be a string';
  const android = m.android as Record<string, unknown> | undefined;
  if (android === undefined) return undefined;
  if (android.ttl !== undefined && (typeof android.ttl !== 'string' || !/^\d+(\.\d+)?s$/.test(android.ttl))) return 'Invalid ttl';
  if (android.urgency !== undefined && android.urgency !== 'HIGH' && android.urgency !== 'NORMAL') return 'Invalid urgency';
  const n = android.notification as Record<string, unknown> | undefined;
  if (n) {
    const click = n.click_action as Record<string, unknown> | undefined;
    if (!click || ![1, 2, 3].includes(click.type as number)) return 'click_action.type must be 1, 2 or 3';
    if (click.type === 1 && !click.intent && !click.action) return 'click_action type 1 needs intent or action';
    if (click.type === 2 && typeof click.url !== 'string') return 'click_action type 2 needs url';
    if (n.image !== undefined && !/^https:\/\//.test(String(n.image))) return 'image must be https';
    if (n.importance !== undefined && !['LOW', 'NORMAL', 'HIGH'].includes(n.importance as string)) return 'Invalid importance';
    if (n.badge !== undefined && typeof (n.badge as Record<string, unknown>).class !== 'string') return 'badge.class is required';
    if (Array.isArray(n.inbox_content) && n.inbox_content.length > 5) return 'inbox_content has more than 5 lines';
    if (Array.isArray(n.buttons) && n.buttons.length > 3) return 'more than 3 buttons';
  }
  return undefined;
}
