import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { signCallbackId, type CallbackAuth } from '../../src/channels/huawei/receipts.js';
import { LoopbackFake, json, type RawRequest } from './huawei-family-fake.js';

/**
 * A fake HarmonyOS Push Kit (v3 scenario API) on a loopback port: `POST /v3/{projectId}/messages:send`
 * checks the service-account JWT (PS256, signed by a key it issued, `aud` Huawei's token URL,
 * at most a day long), the `push-type` header against the payload, and answers Huawei's codes
 * on demand per token: dead tokens inside an 80100000 partial success (by reason), all tokens
 * invalid, a setup refusal (noPushTypeRight), the test-message allowance used up, flow control.
 * It also sends signed V2 receipts.
 */

export type HmosTokenMode =
  | { kind: 'ok' }
  /** Listed in a partial success under `reason` (tokenFormatError, noRight, noPushTypeRight...). */
  | { kind: 'illegal'; reason: string }
  | { kind: 'flowControl'; times: number }
  | { kind: 'quota' };

export type HmosServiceAccountJson = {
  project_id: string;
  key_id: string;
  sub_account: string;
  private_key: string;
  token_uri: string;
};

export interface HmosSend {
  projectId: string;
  pushType: number;
  headers: IncomingHttpHeaders;
  body: { payload: Record<string, unknown>; target: { token: string[] }; pushOptions?: Record<string, unknown> };
  code: string;
}

const AUDIENCE = 'https://oauth-login.cloud.huawei.com/oauth2/v3/token';

export class FakeHmos extends LoopbackFake {
  readonly sends: HmosSend[] = [];
  readonly tokenModes = new Map<string, HmosTokenMode>();
  /** JWTs whose requests answer 80200005 (expired), as if their time had run out. */
  readonly expiredJwts = new Set<string>();
  readonly seenJwts = new Set<string>();
  private readonly keys = new Map<string, { publicKey: KeyObject; subAccount: string; projectId: string }>();
  private readonly attempts = new Map<string, number>();

  static async start(): Promise<FakeHmos> {
    const fake = new FakeHmos();
    await fake.listen();
    return fake;
  }

  /** A service-account key file as AppGallery Connect hands it out, trusted by this fake. */
  createServiceAccount(projectId = `1${Math.floor(Math.random() * 1e12)}`): HmosServiceAccountJson {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyId = randomBytes(16).toString('hex');
    const subAccount = String(Math.floor(Math.random() * 1e15));
    this.keys.set(keyId, { publicKey, subAccount, projectId });
    return { project_id: projectId, key_id: keyId, sub_account: subAccount, private_key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), token_uri: AUDIENCE };
  }

  /** Every JWT seen so far now counts as expired. */
  expireSeenJwts(): void {
    for (const j of this.seenJwts) this.expiredJwts.add(j);
  }

  async postReceipts(url: string, statuses: { token: string; biTag: string; result: number; pushType?: number }[], auth?: CallbackAuth): Promise<{ status: number; body: string }> {
    const body = {
      statuses: statuses.map((s) => ({
        token: s.token,
        pushType: s.pushType ?? 0,
        appPackageName: 'com.example.harmony',
        biTag: s.biTag,
        requestId: randomBytes(6).toString('hex'),
        ...(s.pushType === 1 ? { formStatus: { formId: 1, result: s.result, timestamp: Date.now() } } : { deliveryStatus: { result: s.result, timestamp: Date.now() } }),
      })),
    };
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth) headers['x-huawei-callback-id'] = signCallbackId(auth, Date.now(), randomUUID());
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: res.status, body: await res.text() };
  }

  protected async handle(req: RawRequest, res: ServerResponse): Promise<void> {
    const m = /^\/v3\/([^/]+)\/messages:send$/.exec(req.path);
    if (req.method !== 'POST' || !m) return json(res, 404, { code: '80100001', msg: 'no such path' });
    await this.send(decodeURIComponent(m[1]!), req.headers, req.body, res);
  }

  private async send(projectId: string, headers: IncomingHttpHeaders, raw: string, res: ServerResponse): Promise<void> {
    const requestId = `${Date.now()}${randomBytes(4).toString('hex')}`;
    const jwt = /^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1] ?? '';
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(jwt);
      if (header.alg !== 'PS256' || header.typ !== 'JWT') throw new Error('alg');
      kid = header.kid;
    } catch {
      return json(res, 401, { code: '80200001', msg: 'Authentication failed', requestId });
    }
    const key = kid ? this.keys.get(kid) : undefined;
    if (!key) return json(res, 401, { code: '80200001', msg: 'Authentication failed', requestId });
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(jwt, key.publicKey, { algorithms: ['PS256'], audience: AUDIENCE, issuer: key.subAccount }));
    } catch (err) {
      const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED';
      return json(res, 401, { code: expired ? '80200005' : '80200001', msg: expired ? 'JWT expired' : 'Authentication failed', requestId });
    }
    if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || claims.exp - claims.iat > 86_400) {
      return json(res, 401, { code: '80300036', msg: 'The JWT validity period exceeds one day', requestId });
    }
    this.seenJwts.add(jwt);
    if (this.expiredJwts.has(jwt)) return json(res, 401, { code: '80200005', msg: 'JWT expired', requestId });
    if (key.projectId !== projectId) return json(res, 403, { code: '80300002', msg: 'No permission to send to this project', requestId });

    const pushType = Number(headers['push-type']);
    if (![0, 1, 2, 6, 7, 10, 11].includes(pushType)) return json(res, 400, { code: '80100001', msg: 'Illegal push-type', requestId });
    let body: HmosSend['body'];
    try {
      body = JSON.parse(raw) as HmosSend['body'];
    } catch {
      return json(res, 400, { code: '80100003', msg: 'Illegal payload', requestId });
    }
    const tokens = body?.target?.token;
    const limit = pushType === 1 ? 1 : body?.pushOptions?.testMessage === true ? 10 : 1000;
    if (!Array.isArray(tokens) || tokens.length < 1 || tokens.length > limit || tokens.some((t) => typeof t !== 'string')) {
      return json(res, 400, { code: '80300010', msg: `The number of tokens must be 1 to ${limit}`, requestId });
    }
    const { target: _target, ...rest } = body;
    if (Buffer.byteLength(JSON.stringify(rest)) > 4096 + 64) return json(res, 400, { code: '80300008', msg: 'The message body size exceeds the default value', requestId });
    const problem = checkPayload(pushType, body.payload);
    if (problem) return json(res, 400, { code: '80100003', msg: `Illegal payload, ${problem}`, requestId });

    const record = (code: string): void => void this.sends.push({ projectId, pushType, headers, body, code });
    const modes = tokens.map((t) => this.tokenModes.get(t) ?? { kind: 'ok' as const });
    const attemptKey = tokens.join(',');
    const attempt = (this.attempts.get(attemptKey) ?? 0) + 1;
    this.attempts.set(attemptKey, attempt);
    const flow = modes.find((m): m is Extract<HmosTokenMode, { kind: 'flowControl' }> => m.kind === 'flowControl');
    if (flow && attempt <= flow.times) {
      record('503');
      return json(res, 503, { code: '80000503', msg: 'traffic control', requestId });
    }
    if (modes.some((m) => m.kind === 'quota')) {
      record('80300030');
      return json(res, 200, { code: '80300030', msg: 'The number of test messages exceeds the daily limit', requestId });
    }
    const illegal = new Map<string, string[]>();
    tokens.forEach((t, i) => {
      const mode = modes[i]!;
      if (mode.kind === 'illegal') illegal.set(mode.reason, [...(illegal.get(mode.reason) ?? []), t]);
    });
    const failures = [...illegal.values()].reduce((n, l) => n + l.length, 0);
    if (failures === tokens.length && illegal.size === 1 && illegal.has('tokenFormatError')) {
      record('80300007');
      return json(res, 200, { code: '80300007', msg: 'All the tokens are invalid', requestId });
    }
    if (failures > 0) {
      record('80100000');
      return json(res, 200, { code: '80100000', msg: JSON.stringify({ success: tokens.length - failures, failure: failures, illegalTokens: Object.fromEntries(illegal) }), requestId });
    }
    record('80000000');
    json(res, 200, { code: '80000000', msg: 'Success', requestId });
  }
}

/** The payload each push-type needs, as far as this fake checks it. */
function checkPayload(pushType: number, payload: Record<string, unknown> | undefined): string | undefined {
  if (typeof payload !== 'object' || payload === null) return 'payload is required';
  const n = payload.notification as Record<string, unknown> | undefined;
  if (pushType === 0 || pushType === 2) {
    if (!n) return 'notification is required';
    if (typeof n.category !== 'string') return 'notification.category is required';
    if (typeof n.title !== 'string' || typeof n.body !== 'string') return 'title and body are required';
    const click = n.clickAction as Record<string, unknown> | undefined;
    if (!click || (click.actionType !== 0 && click.actionType !== 1)) return 'clickAction.actionType must be 0 or 1';
    if (click.actionType === 1 && !click.action && !click.uri) return 'clickAction needs action or uri';
    const badge = n.badge as Record<string, unknown> | undefined;
    if (badge?.addNum !== undefined && ((badge.addNum as number) < 1 || (badge.addNum as number) > 99)) return 'badge addNum value ranges from 1 to 99';
    if (pushType === 2 && typeof payload.extraData !== 'string') return 'extraData is required';
  } else if (pushType === 1) {
    if (payload.formId === undefined || payload.formData === undefined) return 'formId and formData are required';
  } else if (pushType === 7) {
    if (payload.activityId === undefined || payload.event === undefined) return 'activityId and event are required';
  } else if (pushType === 6 || pushType === 10) {
    if (typeof payload.extraData !== 'string') return 'extraData is required';
  }
  return undefined;
}
