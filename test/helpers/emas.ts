import RPCClient from '@alicloud/pop-core';
import { createHmac, randomUUID } from 'node:crypto';
import { createAccessKey, type IssuedAccessKey } from '../../src/apps/access-keys.js';
import type { Credentials } from '../../src/apps/credentials.js';
import type { TestServer } from './server.js';

/** Alibaba Cloud's own RPC client pointed at Borealis, with an AccessKey of the app. */
export interface EmasTestClient {
  key: IssuedAccessKey;
  client: RPCClient;
  /** Calls an action with the app's EMAS AppKey added; POST (form) unless `get`. */
  call<T = Record<string, unknown>>(action: string, params?: Record<string, unknown>, get?: boolean): Promise<T>;
}

export async function emasClient(server: TestServer, app: Credentials = server.app, endpoint = server.url): Promise<EmasTestClient> {
  const key = (await createAccessKey(server.node.ctx.store, server.node.ctx.credentials, app.appKey))!;
  const client = new RPCClient({ endpoint, apiVersion: '2016-08-01', accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret });
  return {
    key,
    client,
    // formatParams: false, or the client capitalizes the first letter of every name (iOSBadge -> IOSBadge)
    call: (action, params = {}, get = false) =>
      client.request(action, { AppKey: key.emasAppKey, ...params }, { formatParams: false, timeout: 20_000, ...(get ? {} : { method: 'POST' }) }),
  };
}

/** POP's percent-encoding, written out independently of the server's, for hand-made requests. */
export function popEncode(s: string): string {
  return encodeURIComponent(s).replace(/!/g, '%21').replace(/'/g, '%27').replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/\*/g, '%2A');
}

export function popTimestamp(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A signed query string for `params` (common parameters filled in unless given). */
export function signedQuery(method: string, secret: string, params: Record<string, string>): string {
  const all: Record<string, string> = {
    Format: 'JSON',
    Version: '2016-08-01',
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: popTimestamp(),
    ...params,
  };
  const canonical = Object.keys(all)
    .sort()
    .map((k) => `${popEncode(k)}=${popEncode(all[k]!)}`)
    .join('&');
  const toSign = `${method}&${popEncode('/')}&${popEncode(canonical)}`;
  const signature = createHmac('sha1', secret + '&').update(toSign).digest('base64');
  return `${canonical}&Signature=${popEncode(signature)}`;
}

export interface EmasResponse {
  status: number;
  body: Record<string, unknown>;
  text: string;
  contentType: string;
}

export async function emasFetch(url: string, init: RequestInit = {}): Promise<EmasResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // XML or empty
  }
  return { status: res.status, body, text, contentType: res.headers.get('content-type') ?? '' };
}
