import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http2, { type Http2SecureServer, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';

/**
 * A fake APNs on a loopback port: HTTP/2 over TLS, checking what Apple checks (provider token
 * signature, issuer and age, or a client certificate; topic; token format; push type; payload
 * size) and answering with Apple's status codes and reasons. Tests can make it answer any
 * documented error for a token, and read everything it received.
 */

export interface ApnsKey {
  keyId: string;
  teamId: string;
  /** The public half of the .p8 key, SPKI PEM. */
  publicKey: string;
}

export interface ApnsReceived {
  token: string;
  headers: IncomingHttpHeaders;
  payload: string;
  /** Team of the provider token, or the SHA-256 of the client certificate. */
  auth: string;
  at: number;
}

/** A scripted answer: status and reason, for `times` requests (default every one). */
export interface ScriptedAnswer {
  status: number;
  reason: string;
  times?: number;
  retryAfter?: number;
}

const PUSH_TYPES = new Set(['alert', 'background', 'voip', 'liveactivity', 'location', 'complication', 'fileprovider', 'mdm', 'pushtotalk', 'widgets']);
const HOUR_S = 3600;

export class FakeApns {
  readonly received: ApnsReceived[] = [];
  /** Every request's answer, in order: status and reason. */
  readonly answers: { token: string; status: number; reason?: string }[] = [];
  /** Tokens that were uninstalled: 410 Unregistered. */
  readonly unregistered = new Set<string>();
  /** Scripted answers per device token. */
  readonly scripted = new Map<string, ScriptedAnswer>();
  /** Provider tokens the fake calls expired (ExpiredProviderToken), as Apple does after an hour. */
  readonly expiredJwts = new Set<string>();
  /** JWTs seen, in order (to observe refreshes). */
  readonly jwts: string[] = [];
  private readonly keys = new Map<string, { teamId: string; key: Promise<CryptoKey> }>();
  /** Client certificate fingerprint -> bundle id it may push to. */
  private readonly certificates = new Map<string, string>();
  private readonly server: Http2SecureServer;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  /** Provider tokens already verified, with their issue time (Apple too checks a token once). */
  private readonly verified = new Map<string, number>();
  /** Keep only counts, not every request (benchmarks send hundreds of thousands). */
  recordBodies = true;
  accepted = 0;
  port = 0;

  constructor(
    tls: { cert: string; key: string },
    /** Bundle ids this fake knows; other topics get 400 TopicDisallowed. */
    readonly topics: Set<string>,
  ) {
    this.server = http2.createSecureServer({
      cert: readFileSync(tls.cert),
      key: readFileSync(tls.key),
      requestCert: true,
      rejectUnauthorized: false,
      // many streams per connection, as APNs allows
      settings: { maxConcurrentStreams: 1000 },
    });
    this.server.on('session', (s) => {
      this.sessions.add(s);
      s.on('close', () => this.sessions.delete(s));
    });
    this.server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => void this.handle(stream, headers, Buffer.concat(chunks)).catch(() => this.answer(stream, '', 500, 'InternalServerError')));
      stream.on('error', () => undefined);
    });
  }

  static async start(tls: { cert: string; key: string }, topics: string[]): Promise<FakeApns> {
    const fake = new FakeApns(tls, new Set(topics));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.port = (fake.server.address() as { port: number }).port;
    return fake;
  }

  get origin(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  addKey(k: ApnsKey): void {
    this.keys.set(k.keyId, { teamId: k.teamId, key: importSPKI(k.publicKey, 'ES256') as Promise<CryptoKey> });
  }

  addCertificate(certPem: string, topic: string): void {
    this.certificates.set(new X509Certificate(certPem).fingerprint256, topic);
  }

  /** Received requests to one device token. */
  to(token: string): ApnsReceived[] {
    return this.received.filter((r) => r.token === token);
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Drops every open connection (as a GOAWAY-and-close from Apple would). */
  dropConnections(): void {
    // closing the server alone keeps existing sessions; this walks them
    for (const s of this.sessions) s.goaway(http2.constants.NGHTTP2_NO_ERROR);
  }


  private answer(stream: ServerHttp2Stream, token: string, status: number, reason?: string, extra: Record<string, string> = {}): void {
    this.answers.push({ token, status, reason });
    if (stream.destroyed) return;
    const headers: Record<string, string | number> = { ':status': status, ...extra };
    if (reason === undefined) {
      stream.respond(headers);
      stream.end();
      return;
    }
    const body: Record<string, unknown> = { reason };
    if (status === 410) body.timestamp = Date.now();
    stream.respond({ ...headers, 'content-type': 'application/json' });
    stream.end(JSON.stringify(body));
  }

  private async handle(stream: ServerHttp2Stream, h: IncomingHttpHeaders, body: Buffer): Promise<void> {
    const path = String(h[':path'] ?? '');
    const m = /^\/3\/device\/(.*)$/.exec(path);
    if (h[':method'] !== 'POST') return this.answer(stream, '', 405, 'MethodNotAllowed');
    if (!m) return this.answer(stream, '', 404, 'BadPath');
    const token = m[1]!;
    const id = h['apns-id'];
    const echo: Record<string, string> = { 'apns-id': typeof id === 'string' ? id : '00000000-0000-0000-0000-000000000000' };
    if (id !== undefined && !/^[0-9a-fA-F-]{36}$/.test(String(id))) return this.answer(stream, token, 400, 'BadMessageId');
    // authentication: a provider token, else a known client certificate
    let auth: string;
    let certTopic: string | undefined;
    const authorization = h.authorization;
    if (typeof authorization === 'string') {
      const jwt = authorization.replace(/^bearer /i, '');
      const checked = await this.checkJwt(jwt);
      if (checked !== 'ok') return this.answer(stream, token, checked === 'ExpiredProviderToken' ? 403 : 403, checked, echo);
      if (this.recordBodies) this.jwts.push(jwt);
      auth = decodeProtectedHeader(jwt).kid!;
    } else {
      const cert = (stream.session?.socket as TLSSocket | undefined)?.getPeerX509Certificate?.();
      certTopic = cert ? this.certificates.get(cert.fingerprint256) : undefined;
      if (!cert || certTopic === undefined) return this.answer(stream, token, 403, 'MissingProviderToken', echo);
      auth = createHash('sha256').update(cert.raw).digest('hex');
    }
    const topic = h['apns-topic'];
    const pushType = String(h['apns-push-type'] ?? '');
    if (typeof topic !== 'string' || topic === '') return this.answer(stream, token, 400, 'MissingTopic', echo);
    if (!PUSH_TYPES.has(pushType)) return this.answer(stream, token, 400, 'InvalidPushType', echo);
    const bundle = topic.replace(/\.voip$|\.push-type\.liveactivity$/, '');
    const suffixOk = pushType === 'voip' ? topic.endsWith('.voip') : pushType === 'liveactivity' ? topic.endsWith('.push-type.liveactivity') : bundle === topic;
    if (!this.topics.has(bundle) || !suffixOk || (certTopic !== undefined && certTopic !== bundle)) {
      return this.answer(stream, token, 400, 'TopicDisallowed', echo);
    }
    if (pushType === 'liveactivity' && certTopic !== undefined) return this.answer(stream, token, 400, 'InvalidProviderToken', echo);
    const priority = h['apns-priority'];
    if (priority !== undefined && !['10', '5', '1'].includes(String(priority))) return this.answer(stream, token, 400, 'BadPriority', echo);
    const expiration = h['apns-expiration'];
    if (expiration !== undefined && !/^\d+$/.test(String(expiration))) return this.answer(stream, token, 400, 'BadExpirationDate', echo);
    const collapse = h['apns-collapse-id'];
    if (collapse !== undefined && Buffer.byteLength(String(collapse)) > 64) return this.answer(stream, token, 400, 'BadCollapseId', echo);
    if (!/^[0-9a-fA-F]{64,200}$/.test(token)) return this.answer(stream, token, 400, 'BadDeviceToken', echo);
    if (body.length === 0) return this.answer(stream, token, 400, 'PayloadEmpty', echo);
    if (body.length > (pushType === 'voip' ? 5120 : 4096)) return this.answer(stream, token, 413, 'PayloadTooLarge', echo);
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { aps?: unknown };
      if (typeof parsed.aps !== 'object' || parsed.aps === null) return this.answer(stream, token, 400, 'BadPayload', echo);
    } catch {
      return this.answer(stream, token, 400, 'BadPayload', echo);
    }
    const script = this.scripted.get(token);
    if (script) {
      if (script.times !== undefined && --script.times <= 0) this.scripted.delete(token);
      const extra = script.retryAfter !== undefined ? { ...echo, 'retry-after': String(script.retryAfter) } : echo;
      return this.answer(stream, token, script.status, script.reason, extra);
    }
    if (this.unregistered.has(token)) return this.answer(stream, token, 410, 'Unregistered', echo);
    this.accepted++;
    if (this.recordBodies) this.received.push({ token, headers: h, payload: body.toString('utf8'), auth, at: Date.now() });
    this.answer(stream, token, 200, undefined, echo);
  }

  private async checkJwt(jwt: string): Promise<'ok' | 'InvalidProviderToken' | 'ExpiredProviderToken'> {
    const iat = this.verified.get(jwt);
    if (iat !== undefined) return Date.now() / 1000 - iat > HOUR_S || this.expiredJwts.has(jwt) ? 'ExpiredProviderToken' : 'ok';
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(jwt);
      if (header.alg !== 'ES256') return 'InvalidProviderToken';
      kid = header.kid;
    } catch {
      return 'InvalidProviderToken';
    }
    const known = kid === undefined ? undefined : this.keys.get(kid);
    if (!known) return 'InvalidProviderToken';
    try {
      const { payload } = await jwtVerify(jwt, await known.key, { issuer: known.teamId, algorithms: ['ES256'] });
      if (typeof payload.iat !== 'number') return 'InvalidProviderToken';
      if (Date.now() / 1000 - payload.iat > HOUR_S || this.expiredJwts.has(jwt)) return 'ExpiredProviderToken';
      if (this.verified.size > 1000) this.verified.clear();
      this.verified.set(jwt, payload.iat);
    } catch {
      return 'InvalidProviderToken';
    }
    return 'ok';
  }
}
