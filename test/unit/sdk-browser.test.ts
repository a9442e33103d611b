import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BorealisError, BrowserClient, storageState, type FetchLike, type PushSubscriptionLike, type WebSocketConstructor } from '../../sdk/src/browser.js';

const unusedSocket = class {
  constructor() {
    throw new Error('no connection expected');
  }
} as unknown as WebSocketConstructor;

const VAPID = 'BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8';
const SUB = { endpoint: 'https://push.example.net/send/abc', keys: { p256dh: 'BCVx', auth: 'BTBZ' } };

/** A fetch playing the server: the VAPID key route and the registration route. */
function server(vapid: { status: number; body: string } = { status: 200, body: JSON.stringify({ public_key: VAPID }) }) {
  const calls: { url: string; method: string; body?: unknown }[] = [];
  const fn = async (url: string, init: { method: string; body?: string }) => {
    calls.push({ url, method: init.method, body: init.body === undefined ? undefined : JSON.parse(init.body) });
    if (url.includes('/v1/webpush/vapid')) return { status: vapid.status, ok: vapid.status === 200, text: async () => vapid.body };
    return { status: 200, ok: true, text: async () => JSON.stringify({ registration_id: 'rid1', device_secret: 'sec1' }) };
  };
  return Object.assign(fn as unknown as FetchLike, { calls });
}

function subscription(key: Uint8Array, onUnsubscribe = () => {}): PushSubscriptionLike {
  return { toJSON: () => SUB, options: { applicationServerKey: key.slice().buffer }, unsubscribe: async () => (onUnsubscribe(), true) };
}

function fromB64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

describe('SDK browser helper', () => {
  test('subscribeWebPush fetches the key, subscribes with it and registers the subscription as an update', async () => {
    const fetch = server();
    const client = new BrowserClient({ server: 'https://push.example.com/', appKey: 'k'.repeat(24), platform: 'web', WebSocket: unusedSocket, fetch, state: { registrationId: 'rid1', deviceSecret: 'sec1' } });
    let asked: Uint8Array | undefined;
    const registration = {
      pushManager: {
        getSubscription: async () => null,
        subscribe: async (o: { userVisibleOnly: boolean; applicationServerKey: Uint8Array }) => {
          assert.equal(o.userVisibleOnly, true);
          asked = o.applicationServerKey;
          return subscription(o.applicationServerKey);
        },
      },
    };
    assert.deepEqual(await client.subscribeWebPush(registration), SUB);
    assert.deepEqual(asked, fromB64(VAPID));
    assert.equal(fetch.calls[0]!.url, `https://push.example.com/v1/webpush/vapid?app_key=${'k'.repeat(24)}`);
    assert.equal(fetch.calls[0]!.method, 'GET');
    assert.deepEqual(fetch.calls[1]!.body, { app_key: 'k'.repeat(24), platform: 'web', tokens: { webpush: SUB }, registration_id: 'rid1', device_secret: 'sec1' });
  });

  test('an existing subscription under the same key is reused; under another key it is replaced', async () => {
    const fetch = server();
    const client = new BrowserClient({ server: 'https://p.example', appKey: 'k'.repeat(24), platform: 'web', WebSocket: unusedSocket, fetch });
    let subscribed = 0;
    let unsubscribed = 0;
    const make = (existingKey: Uint8Array) => ({
      pushManager: {
        getSubscription: async () => subscription(existingKey, () => unsubscribed++),
        subscribe: async (o: { applicationServerKey: Uint8Array }) => (subscribed++, subscription(o.applicationServerKey)),
      },
    });
    await client.subscribeWebPush(make(fromB64(VAPID)), { vapidKey: VAPID });
    assert.deepEqual([subscribed, unsubscribed], [0, 0]);
    await client.subscribeWebPush(make(new Uint8Array(65)), { vapidKey: VAPID });
    assert.deepEqual([subscribed, unsubscribed], [1, 1]);
    // the key was given: the server was asked only to register
    assert.ok(fetch.calls.every((c) => c.url.endsWith('/v1/devices/register')));
  });

  test('no VAPID key from the server, or a subscription without keys: a BorealisError', async () => {
    const missing = new BrowserClient({
      server: 'https://p.example',
      appKey: 'k'.repeat(24),
      platform: 'web',
      WebSocket: unusedSocket,
      fetch: server({ status: 404, body: JSON.stringify({ error: { code: 1011, message: 'no Web Push credentials for this app' } }) }),
    });
    await assert.rejects(missing.fetchVapidKey(), (err: BorealisError) => err.code === 1011 && /Web Push/.test(err.message));
    const garbled = new BrowserClient({ server: 'https://p.example', appKey: 'k'.repeat(24), platform: 'web', WebSocket: unusedSocket, fetch: server({ status: 502, body: '<html>' }) });
    await assert.rejects(garbled.fetchVapidKey(), (err: BorealisError) => err.code === 502);
    const client = new BrowserClient({ server: 'https://p.example', appKey: 'k'.repeat(24), platform: 'web', WebSocket: unusedSocket, fetch: server() });
    const keyless = { pushManager: { getSubscription: async () => null, subscribe: async () => ({ toJSON: () => ({ endpoint: 'https://x' }), unsubscribe: async () => true }) } };
    await assert.rejects(client.subscribeWebPush(keyless, { vapidKey: VAPID }), BorealisError);
  });

  test('storageState loads and saves through a Storage; unreadable state starts afresh', () => {
    const map = new Map<string, string>([['s', '{"registrationId":"r","deviceSecret":"d","seen":["1"]}'], ['bad', '{']]);
    const storage = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v) };
    const opts = storageState('s', storage);
    assert.deepEqual(opts.state, { registrationId: 'r', deviceSecret: 'd', seen: ['1'] });
    opts.onStateChange!({ registrationId: 'r2', deviceSecret: 'd2', seen: [] });
    assert.equal(map.get('s'), '{"registrationId":"r2","deviceSecret":"d2","seen":[]}');
    assert.equal(storageState('bad', storage).state, undefined);
    assert.throws(() => storageState('x'), /localStorage/);
  });
});
