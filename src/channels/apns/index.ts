import { randomUUID } from 'node:crypto';
import type { VendorTokens } from '../../domain/device.js';
import type { AcceptedPush } from '../../domain/push.js';
import type { ApnsCredentials } from '../credential-shapes.js';
import type { Channel, ChannelCredentials, RelayTarget, TargetResult } from '../types.js';
import { Http2Pool, type Http2Answer } from '../http2-pool.js';
import { credentialId, ProviderTokens } from './provider-token.js';
import { payloadLimit, renderApns, type ApnsMessage } from './render.js';

export interface ApnsOptions {
  /** Production and sandbox origins (https://host[:port]). */
  endpoint: string;
  sandboxEndpoint: string;
  /** HTTP/2 sessions per origin and credential. */
  sessions: number;
  /** Requests in flight per origin and credential. */
  concurrency: number;
  timeoutMs: number;
  /** Extra trusted CA certificates (PEM), for private endpoints and test fakes. */
  ca?: string;
}

/**
 * Apple's answers and what they mean for the device token. BadDeviceToken is also what a
 * sandbox token sent to production gets; the endpoint follows the push's apns_production (or
 * the credential's pinned environment), so a mismatch there is the sender's choice.
 */
function classify(answer: Http2Answer): TargetResult | 'expiredToken' {
  if (answer.status === 200) {
    const id = answer.headers['apns-id'];
    return { kind: 'delivered', vendorMessageId: typeof id === 'string' ? id : undefined };
  }
  let reason = '';
  try {
    reason = String((JSON.parse(answer.body) as { reason?: unknown }).reason ?? '');
  } catch {
    reason = answer.body.slice(0, 100);
  }
  const text = `${answer.status} ${reason}`.trim();
  if (answer.status === 410 || reason === 'Unregistered' || reason === 'BadDeviceToken' || reason === 'DeviceTokenNotForTopic') {
    return { kind: 'tokenDead', reason: text };
  }
  if (answer.status === 403 && reason === 'ExpiredProviderToken') return 'expiredToken';
  if (answer.status === 429 || answer.status >= 500) {
    const after = Number(answer.headers['retry-after']);
    return { kind: 'retry', reason: text, afterMs: Number.isFinite(after) && after > 0 ? after * 1000 : undefined };
  }
  return { kind: 'rejected', reason: text, status: answer.status, code: reason || undefined };
}

export function createApnsChannel(options: ApnsOptions): Channel {
  const pools = new Map<string, Http2Pool>();
  const tokens = new ProviderTokens();

  function poolFor(origin: string, c: ApnsCredentials): Http2Pool {
    // Certificate credentials authenticate the connection; token ones each request, but each
    // team still gets its own connections.
    const id = `${origin}\0${credentialId(c)}`;
    let pool = pools.get(id);
    if (!pool) {
      const tls = c.auth === 'certificate' ? (c.pfx ? { pfx: Buffer.from(c.pfx, 'base64'), passphrase: c.passphrase } : { cert: c.cert, key: c.key }) : {};
      pool = new Http2Pool(origin, { ...tls, ...(options.ca ? { ca: options.ca } : {}) }, options.sessions, options.concurrency, options.timeoutMs);
      pools.set(id, pool);
    }
    return pool;
  }

  function originFor(push: AcceptedPush, c: ApnsCredentials): string {
    const production = c.environment === 'push' ? push.options.apnsProduction : c.environment === 'production';
    return production ? options.endpoint : options.sandboxEndpoint;
  }

  async function sendOne(push: AcceptedPush, m: ApnsMessage, token: string, c: ApnsCredentials): Promise<TargetResult> {
    // tokens are checked at registration; one stored before that check never reaches a URL path
    if (!/^[0-9a-fA-F]{32,400}$/.test(token)) return { kind: 'tokenDead', reason: 'not a hexadecimal APNs token' };
    if (Buffer.byteLength(m.payload) > payloadLimit(m.kind)) {
      return { kind: 'rejected', reason: `payload of ${Buffer.byteLength(m.payload)} bytes is over Apple's ${payloadLimit(m.kind)}`, code: 'PayloadTooLarge' };
    }
    if (m.kind === 'liveactivity' && c.auth !== 'token') {
      return { kind: 'rejected', reason: 'Live Activities need token (.p8) authentication', code: 'LiveActivityNeedsToken' };
    }
    const pool = poolFor(originFor(push, c), c);
    const headers: Record<string, string> = {
      ':method': 'POST',
      ':path': `/3/device/${token}`,
      'apns-push-type': m.pushType,
      'apns-topic': c.topic + m.topicSuffix,
      'apns-priority': String(m.priority),
      'apns-expiration': String(m.expiration),
      'apns-id': randomUUID(),
      'content-type': 'application/json',
    };
    if (m.collapseId !== undefined) headers['apns-collapse-id'] = m.collapseId;
    for (let attempt = 0; ; attempt++) {
      let jwt: string | undefined;
      if (c.auth === 'token') {
        jwt = await tokens.get(c);
        headers.authorization = `bearer ${jwt}`;
      }
      let answer: Http2Answer;
      try {
        answer = await pool.request(headers, m.payload);
      } catch (err) {
        // A session lost to GOAWAY or a reset is replaced; one immediate retry on a fresh one.
        if (attempt === 0) continue;
        return { kind: 'retry', reason: `network: ${(err as Error).message}` };
      }
      const result = classify(answer);
      if (result !== 'expiredToken') return result;
      if (jwt && c.auth === 'token') await tokens.expired(c, jwt);
      if (attempt > 0) return { kind: 'retry', reason: '403 ExpiredProviderToken' };
    }
  }

  return {
    id: 'apns',
    maxBatch: 1000,
    pickToken(push: AcceptedPush, t: VendorTokens) {
      const primary = renderApns(push, undefined)[0];
      const key = primary?.tokenKey ?? 'apns';
      const token = t[key];
      return token ? { key, token } : undefined;
    },
    async send(push: AcceptedPush, targets: readonly RelayTarget[], credentials: ChannelCredentials): Promise<TargetResult[]> {
      const c = credentials as unknown as ApnsCredentials;
      return Promise.all(
        targets.map(async (target) => {
          const messages = renderApns(push, target.badge);
          if (messages.length === 0) return { kind: 'rejected', reason: 'nothing in this push for APNs' } as TargetResult;
          const [primary, ...more] = messages;
          const all = { ...target.tokens, [primary!.tokenKey]: target.token } as VendorTokens;
          // A VoIP push travelling with a notification goes to the VoIP token too; the
          // device's result is the notification's.
          for (const m of more) {
            const t = all[m.tokenKey];
            if (typeof t === 'string') void sendOne(push, m, t, c).catch(() => undefined);
          }
          return sendOne(push, primary!, String(target.token), c).catch(
            (err: unknown): TargetResult => ({ kind: 'retry', reason: `error: ${(err as Error).message}` }),
          );
        }),
      );
    },
    async close() {
      for (const p of pools.values()) p.close();
      pools.clear();
    },
  };
}
