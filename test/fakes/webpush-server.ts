import { createDecipheriv, createECDH, createHmac, randomBytes, type ECDH } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importJWK, jwtVerify } from 'jose';

/**
 * A fake Web Push service (RFC 8030) on a loopback port. It acts as the browser's push service
 * and the browser at once: it hands out subscriptions, checks the VAPID JWT of every request
 * (RFC 8292) and decrypts the aes128gcm body with the subscription's private key (RFC 8291).
 * Its decryption follows the RFC's HMAC steps by hand, independent of the server's HKDF code.
 */

export type WebPushMode =
  | { kind: 'ok' }
  | { kind: 'status'; status: 404 | 410 | 413 | 500 | 503 }
  /** 429 with Retry-After, the first `times` requests; then ok. */
  | { kind: 'rateLimited'; retryAfter: string; times: number }
  /** Never answers. */
  | { kind: 'hang' };

export interface Subscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  subscriptionId: string;
  headers: IncomingHttpHeaders;
  /** The decrypted payload. */
  plaintext: string;
  /** The VAPID JWT's claims and the `k` key it came with. */
  vapid: { claims: Record<string, unknown>; publicKey: string };
}

interface Holder {
  ecdh: ECDH;
  auth: Buffer;
  mode: WebPushMode;
  attempts: number;
}

export class FakeWebPush {
  readonly received: ReceivedPush[] = [];
  /** Requests refused before decryption, with why. */
  readonly refused: { subscriptionId: string; status: number; reason: string }[] = [];
  /** When set, only this VAPID public key is accepted (the one the subscription was made with). */
  expectedVapidKey: string | null = null;
  private readonly subs = new Map<string, Holder>();

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<FakeWebPush> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeWebPush(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => void fake.handle(req, res));
    return fake;
  }

  subscribe(mode: WebPushMode = { kind: 'ok' }): Subscription {
    const id = randomBytes(12).toString('base64url');
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    this.subs.set(id, { ecdh, auth, mode, attempts: 0 });
    return { endpoint: `${this.url}/push/${id}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } };
  }

  setMode(sub: Subscription, mode: WebPushMode): void {
    const holder = this.subs.get(sub.endpoint.split('/').pop()!);
    if (holder) holder.mode = mode;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size <= 8192) chunks.push(c as Buffer);
    }
    const id = /^\/push\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '')?.[1];
    const holder = id ? this.subs.get(id) : undefined;
    const refuse = (status: number, reason: string): void => {
      this.refused.push({ subscriptionId: id ?? '', status, reason });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(reason);
    };
    if (req.method !== 'POST' || !id || !holder) return refuse(404, 'no such subscription');
    if (size > 4096) return refuse(413, 'payload too large');
    const vapid = await this.checkVapid(req.headers.authorization);
    if (typeof vapid === 'string') return refuse(401, vapid);
    if (!/^\d+$/.test(String(req.headers.ttl ?? ''))) return refuse(400, 'TTL header required');
    if (req.headers['content-encoding'] !== 'aes128gcm') return refuse(415, 'content-encoding must be aes128gcm');
    const urgency = req.headers.urgency;
    if (urgency !== undefined && !['very-low', 'low', 'normal', 'high'].includes(String(urgency))) return refuse(400, 'bad Urgency');
    const topic = req.headers.topic;
    if (topic !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(String(topic))) return refuse(400, 'bad Topic');
    let plaintext: string;
    try {
      plaintext = decryptAes128gcm(Buffer.concat(chunks), holder.ecdh, holder.auth).toString('utf8');
    } catch (err) {
      return refuse(400, `cannot decrypt: ${(err as Error).message}`);
    }
    holder.attempts++;
    const mode = holder.mode;
    if (mode.kind === 'status') return refuse(mode.status, `mode ${mode.status}`);
    if (mode.kind === 'hang') return;
    if (mode.kind === 'rateLimited' && holder.attempts <= mode.times) {
      this.refused.push({ subscriptionId: id, status: 429, reason: 'rate limited' });
      res.writeHead(429, { 'retry-after': mode.retryAfter }).end('slow down');
      return;
    }
    this.received.push({ subscriptionId: id, headers: req.headers, plaintext, vapid });
    res.writeHead(201, { location: `${this.url}/message/${randomBytes(8).toString('hex')}` }).end();
  }

  private async checkVapid(header: string | undefined): Promise<ReceivedPush['vapid'] | string> {
    const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+),\s*k=([\w-]+)$/.exec(header ?? '');
    if (!m) return 'missing or malformed vapid authorization';
    const [, jwt, k] = m as unknown as [string, string, string];
    if (this.expectedVapidKey && k !== this.expectedVapidKey) return 'VAPID key differs from the subscription key';
    const pub = Buffer.from(k, 'base64url');
    if (pub.length !== 65 || pub[0] !== 4) return 'k is not an uncompressed P-256 key';
    try {
      const key = await importJWK({ kty: 'EC', crv: 'P-256', x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33).toString('base64url') }, 'ES256');
      const { payload, protectedHeader } = await jwtVerify(jwt, key, { algorithms: ['ES256'], audience: this.url });
      if (protectedHeader.typ !== 'JWT') throw new Error('typ must be JWT');
      const now = Math.floor(Date.now() / 1000);
      if (typeof payload.exp !== 'number' || payload.exp > now + 24 * 3600) throw new Error('exp missing or beyond 24 hours');
      if (typeof payload.sub !== 'string' || !/^(mailto:|https:)/.test(payload.sub)) throw new Error('sub must be mailto: or https:');
      return { claims: payload as Record<string, unknown>, publicKey: k };
    } catch (err) {
      return `VAPID JWT refused: ${(err as Error).message}`;
    }
  }
}

function hmac(key: Buffer, ...data: Buffer[]): Buffer {
  const h = createHmac('sha256', key);
  for (const d of data) h.update(d);
  return h.digest();
}

/** RFC 8291 section 3.4 and RFC 8188 decryption, as a browser does it. */
export function decryptAes128gcm(body: Buffer, receiver: ECDH, authSecret: Buffer): Buffer {
  if (body.length < 21) throw new Error('body shorter than the header');
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  if (idlen !== 65) throw new Error('keyid must be the 65-byte sender key');
  const asPublic = body.subarray(21, 86);
  const record = body.subarray(86);
  if (rs < 18 || record.length > rs) throw new Error('expected one record within rs');
  const uaPublic = receiver.getPublicKey();
  const ecdhSecret = receiver.computeSecret(asPublic);
  const prkKey = hmac(authSecret, ecdhSecret);
  const ikm = hmac(prkKey, Buffer.from('WebPush: info\0'), uaPublic, asPublic, Buffer.from([1]));
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0'), Buffer.from([1])).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0'), Buffer.from([1])).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 2) throw new Error('last record must end with the 0x02 delimiter');
  return padded.subarray(0, end);
}
