import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import http2, { type Http2Server, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';

/**
 * A fake FCM on loopback: HTTP v1 `messages:send` over HTTP/2 without TLS (as FCM serves it over
 * HTTP/2), answering with Google's documented error bodies on demand, per device token; and on
 * a port of its own, as Google's is a host of its own, the OAuth2 token endpoint over HTTP/1.1
 * (JWT-bearer grant, assertion signature checked against the service account's public key).
 */

/** The part of a request (HTTP/1.1 or HTTP/2 compatibility API) the fake reads. */
interface Incoming extends AsyncIterable<unknown> {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
}

/** The part of a response the fake writes. */
interface Outgoing {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string): unknown;
  end(body: string): unknown;
}

export type FcmTokenMode =
  | { kind: 'ok' }
  | { kind: 'unregistered' }
  | { kind: 'invalidToken' }
  | { kind: 'senderMismatch' }
  /** 429 QUOTA_EXCEEDED with Retry-After, the first `times` requests; then ok. */
  | { kind: 'quota'; retryAfter: string; times: number }
  /** 503 UNAVAILABLE the first `times` requests; then ok. */
  | { kind: 'unavailable'; times: number }
  | { kind: 'internal' }
  /** 500 with a body that is not JSON at all. */
  | { kind: 'garbage' }
  /** Never answers. */
  | { kind: 'hang' }
  /** 200, then a body that never ends. */
  | { kind: 'endless' };

export type ServiceAccountJson = {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  token_uri: string;
};

export interface RecordedSend {
  projectId: string;
  headers: IncomingHttpHeaders;
  /** The parsed request body: `{ message: {...} }`. */
  body: { message: Record<string, unknown> & { token: string } };
  status: number;
}

interface Account {
  publicKey: KeyObject;
  projectId: string;
}

const FCM_ERROR = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';

export class FakeFcm {
  readonly sends: RecordedSend[] = [];
  readonly tokenRequests: { assertionClaims: Record<string, unknown> }[] = [];
  readonly tokenModes = new Map<string, FcmTokenMode>();
  /** Lifetime of issued access tokens, seconds (Google gives 3599). */
  tokenLifetime = 3599;
  /** Answer the token endpoint with this status instead (e.g. 400 invalid_grant, 503). */
  tokenEndpointFailure: number | null = null;
  private readonly accounts = new Map<string, Account>();
  private readonly accessTokens = new Map<string, { projectId: string; expiresAt: number }>();
  private readonly attempts = new Map<string, number>();

  private readonly sessions = new Set<Http2Session>();

  private constructor(
    private readonly server: Http2Server,
    private readonly oauth: Server,
    /** Origin of the HTTP/2 messages API. */
    readonly url: string,
    /** The OAuth2 token endpoint (HTTP/1.1). */
    readonly tokenUri: string,
  ) {}

  static async start(): Promise<FakeFcm> {
    const server = http2.createServer();
    const oauth = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => oauth.listen(0, '127.0.0.1', resolve));
    const port = (s: Http2Server | Server) => (s.address() as AddressInfo).port;
    const fake = new FakeFcm(server, oauth, `http://127.0.0.1:${port(server)}`, `http://127.0.0.1:${port(oauth)}/token`);
    server.on('session', (s) => {
      fake.sessions.add(s);
      s.on('close', () => fake.sessions.delete(s));
    });
    server.on('request', (req, res) => void fake.handle(req, res));
    oauth.on('request', (req, res) => void fake.handle(req, res));
    return fake;
  }

  /** A new service account whose public key this fake trusts. */
  createServiceAccount(projectId = 'demo-project'): ServiceAccountJson {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const email = `relay-${randomBytes(4).toString('hex')}@${projectId}.iam.gserviceaccount.com`;
    this.accounts.set(email, { publicKey, projectId });
    return {
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(8).toString('hex'),
      private_key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      client_email: email,
      token_uri: this.tokenUri,
    };
  }

  /** Makes every access token issued so far unknown, as if Google revoked them. */
  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    this.oauth.closeAllConnections();
    await new Promise<void>((resolve) => this.oauth.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: Incoming, res: Outgoing): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '';
    if (req.method === 'POST' && path === '/token') return this.token(raw, res);
    const m = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(path);
    if (req.method === 'POST' && m) return this.send(decodeURIComponent(m[1]!), req.headers, raw, res);
    json(res, 404, error(404, 'NOT_FOUND', 'no such method'));
  }

  private async token(raw: string, res: Outgoing): Promise<void> {
    if (this.tokenEndpointFailure !== null) {
      return json(res, this.tokenEndpointFailure, { error: this.tokenEndpointFailure < 500 ? 'invalid_grant' : 'backend_error' });
    }
    const form = new URLSearchParams(raw);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return json(res, 400, { error: 'unsupported_grant_type' });
    const assertion = form.get('assertion') ?? '';
    const unverified = decodePayload(assertion);
    const account = typeof unverified?.iss === 'string' ? this.accounts.get(unverified.iss) : undefined;
    if (!account) return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT: unknown issuer' });
    try {
      const { payload } = await jwtVerify(assertion, account.publicKey, {
        algorithms: ['RS256'],
        audience: this.tokenUri,
        issuer: unverified!.iss as string,
        maxTokenAge: '1h',
      });
      if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number' || payload.exp - payload.iat > 3600) throw new Error('lifetime over an hour');
      if (typeof payload.scope !== 'string' || !payload.scope.split(' ').includes('https://www.googleapis.com/auth/firebase.messaging')) {
        throw new Error('missing firebase.messaging scope');
      }
      this.tokenRequests.push({ assertionClaims: payload as Record<string, unknown> });
    } catch (err) {
      return json(res, 400, { error: 'invalid_grant', error_description: `Invalid JWT Signature or claims: ${(err as Error).message}` });
    }
    const accessToken = `ya29.fake-${randomBytes(16).toString('hex')}`;
    this.accessTokens.set(accessToken, { projectId: account.projectId, expiresAt: Date.now() + this.tokenLifetime * 1000 });
    json(res, 200, { access_token: accessToken, expires_in: this.tokenLifetime, token_type: 'Bearer' });
  }

  private send(projectId: string, headers: IncomingHttpHeaders, raw: string, res: Outgoing): void {
    const bearer = /^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1];
    const grant = bearer ? this.accessTokens.get(bearer) : undefined;
    if (!grant || grant.expiresAt < Date.now()) {
      return json(res, 401, error(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'));
    }
    if (grant.projectId !== projectId) return json(res, 403, error(403, 'PERMISSION_DENIED', 'Permission denied on project'));
    let body: RecordedSend['body'];
    try {
      body = JSON.parse(raw) as RecordedSend['body'];
    } catch {
      return json(res, 400, error(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'));
    }
    const message = body?.message;
    const problem = validateMessage(message);
    if (problem) return json(res, 400, error(400, 'INVALID_ARGUMENT', problem, [{ '@type': FCM_ERROR, errorCode: 'INVALID_ARGUMENT' }]));
    const token = message.token;
    const mode = this.tokenModes.get(token) ?? { kind: 'ok' };
    const attempt = (this.attempts.get(token) ?? 0) + 1;
    this.attempts.set(token, attempt);
    const answer = (status: number, payload: unknown, extra: Record<string, string> = {}): void => {
      this.sends.push({ projectId, headers, body, status });
      json(res, status, payload, extra);
    };
    switch (mode.kind) {
      case 'unregistered':
        return answer(404, error(404, 'NOT_FOUND', 'Requested entity was not found.', [{ '@type': FCM_ERROR, errorCode: 'UNREGISTERED' }]));
      case 'invalidToken':
        return answer(
          400,
          error(400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token', [
            { '@type': FCM_ERROR, errorCode: 'INVALID_ARGUMENT' },
            { '@type': BAD_REQUEST, fieldViolations: [{ field: 'message.token', description: 'Invalid registration token' }] },
          ]),
        );
      case 'senderMismatch':
        return answer(403, error(403, 'PERMISSION_DENIED', 'SenderId mismatch', [{ '@type': FCM_ERROR, errorCode: 'SENDER_ID_MISMATCH' }]));
      case 'quota':
        if (attempt <= mode.times) {
          return answer(429, error(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', [{ '@type': FCM_ERROR, errorCode: 'QUOTA_EXCEEDED' }]), {
            'retry-after': mode.retryAfter,
          });
        }
        break;
      case 'unavailable':
        if (attempt <= mode.times) return answer(503, error(503, 'UNAVAILABLE', 'The service is currently unavailable.', [{ '@type': FCM_ERROR, errorCode: 'UNAVAILABLE' }]));
        break;
      case 'internal':
        return answer(500, error(500, 'INTERNAL', 'Internal error encountered.', [{ '@type': FCM_ERROR, errorCode: 'INTERNAL' }]));
      case 'garbage':
        this.sends.push({ projectId, headers, body, status: 500 });
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end('<html>oops</html>');
        return;
      case 'hang':
        this.sends.push({ projectId, headers, body, status: 0 });
        return;
      case 'endless':
        this.sends.push({ projectId, headers, body, status: 200 });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"name":');
        return;
      case 'ok':
        break;
    }
    answer(200, { name: `projects/${projectId}/messages/0:${Date.now()}%${randomBytes(6).toString('hex')}` });
  }
}

/** The checks FCM makes on a message that this fake can make too. */
function validateMessage(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return 'message is required';
  const m = message as Record<string, unknown>;
  if (typeof m.token !== 'string' || m.token.length === 0) return 'message.token is required';
  if (m.data !== undefined) {
    if (typeof m.data !== 'object' || m.data === null) return 'message.data must be a map';
    for (const [k, v] of Object.entries(m.data)) {
      if (typeof v !== 'string') return `Invalid value at 'message.data[${k}]' (TYPE_STRING)`;
      if (/^(from|notification|message_type)$|^(google|gcm)/i.test(k)) return `Invalid data key: ${k}`;
    }
  }
  const android = m.android as Record<string, unknown> | undefined;
  if (android?.ttl !== undefined && (typeof android.ttl !== 'string' || !/^\d+(\.\d+)?s$/.test(android.ttl))) return 'Invalid android.ttl';
  if (android?.priority !== undefined && android.priority !== 'HIGH' && android.priority !== 'NORMAL') return 'Invalid android.priority';
  if (Buffer.byteLength(JSON.stringify(m)) > 4096 + 200) return 'Message is too big';
  return undefined;
}

function decodePayload(jwt: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function error(code: number, status: string, message: string, details?: unknown[]): unknown {
  return { error: details ? { code, message, status, details } : { code, message, status } };
}

function json(res: Outgoing, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}
