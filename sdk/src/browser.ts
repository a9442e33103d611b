/**
 * The SDK in a web page: the core client (the browser's own WebSocket and fetch), state kept
 * in localStorage, Web Push subscription through a service worker, and clicks on Web Push
 * notifications reported back through the page's connection.
 *
 * Only structural types are used for the browser APIs, so this file compiles without the DOM
 * library and can be tested with stand-ins.
 */
import { BorealisClient, type ClientOptions } from './client.js';
import { normalizeState, type ClientState } from './state.js';
import { BorealisError, type FetchLike, type WebPushSubscription } from './types.js';

export * from './index.js';

/** What the helper needs of a browser PushSubscription. */
export interface PushSubscriptionLike {
  toJSON(): { endpoint?: string; keys?: Record<string, string> };
  options?: { applicationServerKey?: ArrayBuffer | null };
  unsubscribe(): Promise<boolean>;
}

/** What the helper needs of a ServiceWorkerRegistration. */
export interface PushRegistrationLike {
  pushManager: {
    getSubscription(): Promise<PushSubscriptionLike | null>;
    subscribe(options: { userVisibleOnly: boolean; applicationServerKey: Uint8Array }): Promise<PushSubscriptionLike>;
  };
}

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Message a service worker posts to its pages when a notification was clicked. */
export const CLICK_MESSAGE_TYPE = 'borealis-click';
/** Query parameter a service worker adds to the page it opens for a click. */
export const CLICK_URL_PARAM = 'borealis_click';

/**
 * Options that load the client's state from localStorage and save every change back:
 * `new BrowserClient({ server, appKey, platform: 'web', ...storageState() })`.
 */
export function storageState(key = 'borealis', storage?: StorageLike): Pick<ClientOptions, 'state' | 'onStateChange'> {
  const store = storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
  if (!store) throw new TypeError('no localStorage: pass a storage');
  let state: ClientState | undefined;
  try {
    state = normalizeState(JSON.parse(store.getItem(key) ?? 'null'));
  } catch {
    state = undefined; // unreadable: start as a new device
  }
  return { state, onStateChange: (s) => store.setItem(key, JSON.stringify(s)) };
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function sameBytes(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a) return false;
  const x = new Uint8Array(a);
  return x.length === b.length && x.every((v, i) => v === b[i]);
}

export class BrowserClient extends BorealisClient {
  /** The app's VAPID public key (base64url), as the server publishes it. */
  async fetchVapidKey(): Promise<string> {
    const url = `${this.base}/v1/webpush/vapid?app_key=${encodeURIComponent(this.options.appKey)}`;
    // a GET has no body; FetchLike's `body` is typed for the POSTs of the core client
    const res = await this.fetchImpl(url, { method: 'GET', headers: {} } as Parameters<FetchLike>[1]);
    let body: { public_key?: unknown; error?: { code?: unknown; message?: unknown } } = {};
    try {
      body = JSON.parse(await res.text()) as typeof body;
    } catch {
      // not JSON: reported below
    }
    if (!res.ok || typeof body.public_key !== 'string') {
      const code = typeof body.error?.code === 'number' ? body.error.code : res.status;
      throw new BorealisError(code, typeof body.error?.message === 'string' ? body.error.message : `no VAPID key (HTTP ${res.status})`);
    }
    return body.public_key;
  }

  /**
   * Subscribes this browser to Web Push through `registration` (a ServiceWorkerRegistration)
   * and registers the subscription as the device's `webpush` token. A subscription made under
   * another key (the app's key was replaced) is dropped and made anew. Resolves with what was
   * registered. Needs notification permission, which the browser asks for on subscribe.
   */
  async subscribeWebPush(registration: PushRegistrationLike, options: { vapidKey?: string } = {}): Promise<WebPushSubscription> {
    const key = fromBase64Url(options.vapidKey ?? (await this.fetchVapidKey()));
    let sub = await registration.pushManager.getSubscription();
    if (sub && !sameBytes(sub.options?.applicationServerKey, key)) {
      await sub.unsubscribe();
      sub = null;
    }
    sub ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    const json = sub.toJSON();
    const p256dh = json.keys?.p256dh;
    const auth = json.keys?.auth;
    if (typeof json.endpoint !== 'string' || typeof p256dh !== 'string' || typeof auth !== 'string') {
      throw new BorealisError(1003, 'the browser gave a subscription without endpoint and keys');
    }
    const subscription: WebPushSubscription = { endpoint: json.endpoint, keys: { p256dh, auth } };
    await this.updateTokens({ webpush: subscription });
    return subscription;
  }

  /**
   * Reports clicks on Web Push notifications: those the service worker posts to this page
   * (`{ type: 'borealis-click', msg_id }`) and the one named in this page's URL when the
   * worker opened it for a click. Returns a function that stops listening.
   */
  reportServiceWorkerClicks(): () => void {
    const g = globalThis as {
      location?: { href: string };
      history?: { replaceState(data: unknown, unused: string, url: string): void };
      navigator?: { serviceWorker?: { addEventListener(t: string, l: (e: { data: unknown }) => void): void; removeEventListener(t: string, l: (e: { data: unknown }) => void): void } };
    };
    if (g.location) {
      const url = new URL(g.location.href);
      const fromUrl = url.searchParams.get(CLICK_URL_PARAM);
      if (fromUrl && /^\d{1,20}$/.test(fromUrl)) {
        this.click(fromUrl);
        url.searchParams.delete(CLICK_URL_PARAM);
        g.history?.replaceState(null, '', url.toString());
      }
    }
    const listener = (event: { data: unknown }): void => {
      const data = event.data as { type?: unknown; msg_id?: unknown } | null;
      if (data?.type === CLICK_MESSAGE_TYPE && typeof data.msg_id === 'string' && /^\d{1,20}$/.test(data.msg_id)) this.click(data.msg_id);
    };
    const sw = g.navigator?.serviceWorker;
    sw?.addEventListener('message', listener);
    return () => sw?.removeEventListener('message', listener);
  }
}
