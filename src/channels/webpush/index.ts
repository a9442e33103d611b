import { createHash } from 'node:crypto';
import type { WebPushSubscription } from '../../devices/types.js';
import type { AcceptedPush } from '../../domain/push.js';
import type { Channel, ChannelCredentials, RelayTarget, TargetResult } from '../types.js';
import { mapBounded, networkReason, readCapped, retryAfterMs } from '../vendor-http.js';
import { SubscriptionKeyError, encryptPayload } from './encrypt.js';
import { renderWebPushPayload } from './render.js';
import { VapidSigner, parseVapidCredentials, type VapidKeys } from './vapid.js';

export { generateVapidKeys } from './vapid.js';

/**
 * Web Push (RFC 8030): one encrypted POST per browser subscription, to whatever push service
 * the browser chose (its `endpoint`). Requests are fanned out with bounded concurrency.
 */

const CONCURRENCY = 32;
const REQUEST_TIMEOUT_MS = 10_000;

export interface WebPushChannelOptions {
  /**
   * Also send to plain-http endpoints (local test services). Off by default: real push
   * services are https, and a device-supplied http URL is more likely aimed at something inside.
   */
  allowHttpEndpoints?: boolean;
  /** Time a push service has to answer one request, ms (10 s). */
  timeoutMs?: number;
}

function isSubscription(token: RelayTarget['token']): token is WebPushSubscription {
  return typeof token === 'object' && token !== null && typeof token.endpoint === 'string' && typeof token.keys === 'object' && token.keys !== null;
}

/** RFC 8030 Topic: at most 32 base64url characters; other collapse ids are hashed into that form. */
function topicFor(push: AcceptedPush): string | undefined {
  const id = push.options.apnsCollapseId;
  if (!id) return undefined;
  if (/^[A-Za-z0-9_-]{1,32}$/.test(id)) return id;
  return createHash('sha256').update(id).digest('base64url').slice(0, 32);
}

function ttlSeconds(push: AcceptedPush, now: number): number {
  if (push.options.timeToLive === 0) return 0;
  return Math.max(0, Math.ceil((push.expiresAt - now) / 1000));
}

export function classifyWebPushAnswer(status: number, headers: Headers, text: string): TargetResult {
  if (status === 200 || status === 201 || status === 202) {
    const location = headers.get('location');
    return location ? { kind: 'delivered', vendorMessageId: location.slice(0, 500) } : { kind: 'delivered' };
  }
  const detail = text.trim().slice(0, 200);
  const reason = `push service ${status}${detail ? `: ${detail}` : ''}`;
  // 404: expired; 410: unsubscribed. Either way this exact subscription is gone.
  if (status === 404 || status === 410) return { kind: 'tokenDead', reason };
  if (status === 429 || status >= 500) {
    const afterMs = retryAfterMs(headers.get('retry-after'));
    return afterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', afterMs, reason };
  }
  // 400/401/403: VAPID or encryption refused (configuration); 413: payload too large
  return { kind: 'rejected', reason, status };
}

export function createWebPushChannel(opts: WebPushChannelOptions = {}): Channel {
  const signer = new VapidSigner();
  const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;

  async function sendOne(keys: VapidKeys, push: AcceptedPush, payload: Buffer, urgency: string, target: RelayTarget): Promise<TargetResult> {
    if (!isSubscription(target.token)) return { kind: 'tokenDead', reason: 'not a Web Push subscription' };
    const { endpoint, keys: subKeys } = target.token;
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return { kind: 'tokenDead', reason: 'subscription endpoint is not a URL' };
    }
    if (url.protocol !== 'https:' && !(opts.allowHttpEndpoints && url.protocol === 'http:')) {
      return { kind: 'rejected', reason: `endpoint scheme ${url.protocol} not allowed`, code: 'endpoint_not_allowed' };
    }
    let body: Buffer;
    try {
      body = encryptPayload(payload, String(subKeys.p256dh), String(subKeys.auth));
    } catch (err) {
      if (err instanceof SubscriptionKeyError) return { kind: 'tokenDead', reason: err.message };
      return { kind: 'rejected', reason: (err as Error).message, status: 413, code: 'payload_too_large' };
    }
    const headers: Record<string, string> = {
      authorization: await signer.authorization(keys, url.origin),
      ttl: String(ttlSeconds(push, Date.now())),
      urgency,
      'content-encoding': 'aes128gcm',
      'content-type': 'application/octet-stream',
    };
    const topic = topicFor(push);
    if (topic) headers.topic = topic;
    try {
      const res = await fetch(url, { method: 'POST', headers, body: new Uint8Array(body), signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      return classifyWebPushAnswer(res.status, res.headers, await readCapped(res));
    } catch (err) {
      return { kind: 'retry', reason: networkReason(err) };
    }
  }

  return {
    id: 'webpush',
    maxBatch: 500,
    async send(push: AcceptedPush, targets: readonly RelayTarget[], credentials: ChannelCredentials): Promise<TargetResult[]> {
      const keys = parseVapidCredentials(credentials);
      if (typeof keys === 'string') {
        const result: TargetResult = { kind: 'rejected', reason: `Web Push credentials: ${keys}`, code: 'bad_credentials' };
        return targets.map(() => result);
      }
      const payload = renderWebPushPayload(push);
      // a notification is for a person now; a data-only message can wait for the browser's convenience
      const urgency = push.notification ? 'high' : 'normal';
      return mapBounded(targets, CONCURRENCY, (target) => sendOne(keys, push, payload, urgency, target));
    },
    close() {
      return Promise.resolve();
    },
  };
}
