import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createWebPushChannel, generateVapidKeys } from '../../src/channels/webpush/index.js';
import { FakeWebPush, type Subscription } from '../fakes/webpush-server.js';
import { acceptedPush } from '../helpers/pushes.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { CHROMIUM, CHROMIUM_FLAGS as FLAGS } from '../helpers/chromium.js';

/**
 * The SDK in a real headless Chromium, from a page on another origin than the server: CORS,
 * registration, the WebSocket, a push, a click that reaches the Report API, the sample service
 * worker, and the registration of a Web Push subscription.
 *
 * A real `pushManager.subscribe` needs the browser vendor's push service (Google's, for
 * Chromium), which is out of reach here: the subscription comes from the fake push service
 * instead, through a stand-in registration, and the rest of the path is real.
 */

const skip = existsSync(CHROMIUM) ? false : `Chromium is not installed at ${CHROMIUM} (apt-get install chromium); browser test skipped`;

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** The web site: a page, the SDK bundled for browsers, and the sample service worker. */
async function startSite(): Promise<{ server: Server; origin: string }> {
  const bundle = await build({ entryPoints: [root('sdk/src/browser.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'chrome110', write: false });
  const sdk = bundle.outputFiles[0]!.text;
  const worker = readFileSync(root('sdk/examples/service-worker.js'), 'utf8');
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/sdk.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
    if (path === '/sw.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(worker);
    if (path === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>shop</title><p>shop</p>');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // "localhost" and another port: a different origin from the API at 127.0.0.1, and still a secure context
  return { server, origin: `http://localhost:${(server.address() as AddressInfo).port}` };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the SDK in headless Chromium, from another origin', { skip }, () => {
  let site: { server: Server; origin: string };
  let api: TestServer;
  let browser: Browser;
  let page: Page;
  let pushService: FakeWebPush;
  let registrationId: string;

  before(async () => {
    site = await startSite();
    // only the site's origin is allowed, so the test also proves the allow-list
    api = await startTestServer({ cors: { origins: [site.origin] } });
    pushService = await FakeWebPush.start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 });
    const context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin: site.origin });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    // functions handed to page.evaluate are compiled by tsx, which may wrap them in __name()
    await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
    await page.goto(site.origin + '/');
  });
  after(async () => {
    await browser?.close();
    await pushService?.close();
    await api?.close();
    site?.server.close();
  });

  test('registers (a CORS preflight), connects over WebSocket, and keeps its state in localStorage', async () => {
    registrationId = await page.evaluate(
      async ({ server, appKey }) => {
        const bundle = '/sdk.js';
        const sdk = await import(bundle);
        const w = window as unknown as Record<string, unknown>;
        const client = new sdk.BrowserClient({ server, appKey, platform: 'web', ...sdk.storageState('borealis') });
        w.client = client;
        w.received = [];
        client.on('notification', (push: unknown) => (w.received as unknown[]).push(push));
        await client.connect();
        return client.registrationId as string;
      },
      { server: api.url, appKey: api.app.appKey },
    );
    assert.match(registrationId, /^[0-9a-z]{19}$/);
    const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('borealis') ?? 'null') as { registrationId: string });
    assert.equal(saved.registrationId, registrationId);
    const device = await api.node.ctx.registry.get(api.app.appKey, registrationId);
    assert.equal(device?.platform, 'web');
  });

  test('receives a push and reports the click, which the Report API counts', async () => {
    const res = await call(api, 'POST', '/v3/push', {
      body: { platform: 'all', audience: { registration_id: [registrationId] }, notification: { alert: 'Hello, browser' } },
    });
    assert.equal(res.status, 200, res.text);
    const msgId = (res.body as { msg_id: string }).msg_id;
    await page.waitForFunction(() => ((window as unknown as { received: unknown[] }).received.length ?? 0) > 0);
    const got = await page.evaluate(() => (window as unknown as { received: { msgId: string; notification: { alert: string } }[] }).received[0]!);
    assert.equal(got.msgId, msgId);
    assert.equal(got.notification.alert, 'Hello, browser');
    await page.evaluate((id) => (window as unknown as { client: { click(id: string): void } }).client.click(id), msgId);
    const clicks = await until('the click in the Report API', async () => {
      const detail = await call(api, 'GET', `/v3/messages/detail?msg_ids=${msgId}`);
      const d = (detail.body as { details: { notification?: { click?: number; received?: number } } }[])[0]?.details.notification;
      return d && d.click === 1 ? d : undefined;
    });
    assert.equal(clicks.received, 1);
  });

  test('the sample service worker installs on the site; its clicks reach the client', async () => {
    const state = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.register('/sw.js');
      await navigator.serviceWorker.ready;
      return reg.active?.state ?? reg.installing?.state ?? reg.waiting?.state ?? 'none';
    });
    assert.match(state, /activat/);
    // a click message as the worker posts it: the page's client reports it over its connection
    const res = await call(api, 'POST', '/v3/push', {
      body: { platform: 'all', audience: { registration_id: [registrationId] }, notification: { alert: 'second' } },
    });
    const msgId = (res.body as { msg_id: string }).msg_id;
    await page.waitForFunction(() => (window as unknown as { received: unknown[] }).received.length > 1);
    await page.evaluate((id) => {
      const client = (window as unknown as { client: { reportServiceWorkerClicks(): () => void } }).client;
      client.reportServiceWorkerClicks();
      // what the worker's postMessage delivers to the page
      navigator.serviceWorker.dispatchEvent(new MessageEvent('message', { data: { type: 'borealis-click', msg_id: id } }));
    }, msgId);
    await until('the worker-reported click', async () => {
      const detail = await call(api, 'GET', `/v3/messages/detail?msg_ids=${msgId}`);
      return (detail.body as { details: { notification?: { click?: number } } }[])[0]?.details.notification?.click === 1 ? true : undefined;
    });
  });

  test('a push delivered to the sample service worker is shown as a notification tagged with its msg_id', async () => {
    const cdp = await page.context().newCDPSession(page);
    const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
    await cdp.send('ServiceWorker.enable');
    const reg = await until('the worker registration', async () => registrations.find((r) => r.scopeURL.startsWith(site.origin) && !r.isDeleted));
    const payload = { msg_id: '1234567890', sent_at: Date.now(), notification: { alert: 'Sale starts now', title: 'Shop', extras: { url: '/sale' } } };
    // what the browser does once the push service hands it a decrypted message
    const notifications = () =>
      page.evaluate(async () => {
        const r = await navigator.serviceWorker.ready;
        return (await r.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as unknown }));
      });
    // A worker the browser stopped while idle is started by the delivery, and on a loaded machine
    // that start can swallow the event; the push service would deliver again, so does the test
    // (the tag makes a second copy replace the first).
    let shown: Awaited<ReturnType<typeof notifications>> | undefined;
    for (let attempt = 0; attempt < 4 && !shown; attempt++) {
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: site.origin, registrationId: reg.registrationId, data: JSON.stringify(payload) });
      shown = await until('the notification', async () => {
        const list = await notifications();
        return list.some((n) => n.tag === payload.msg_id) ? list : undefined;
      }, 8_000).catch(() => undefined);
    }
    assert.ok(shown, 'the worker never showed the notification');
    assert.deepEqual(shown.find((n) => n.tag === payload.msg_id), { title: 'Shop', body: 'Sale starts now', tag: '1234567890', data: { msg_id: '1234567890', url: '/sale' } });
    assert.equal(shown.filter((n) => n.tag === payload.msg_id).length, 1);
    await cdp.detach();
  });

  test('a page on an origin that is not allowed cannot register (CORS is what lets the allowed one)', async () => {
    const other = await page.context().newPage();
    try {
      await other.addInitScript({ content: 'globalThis.__name = (f) => f;' });
      // 127.0.0.1 instead of localhost: same site server, another origin
      await other.goto(site.origin.replace('localhost', '127.0.0.1') + '/');
      const error = await other.evaluate(async ({ server, appKey }) => {
        const bundle = '/sdk.js';
        const sdk = await import(bundle);
        const client = new sdk.BrowserClient({ server, appKey, platform: 'web' });
        try {
          await client.register();
          return 'registered';
        } catch (err) {
          return String((err as Error).message);
        }
      }, { server: api.url, appKey: api.app.appKey });
      assert.match(error, /Failed to fetch/);
    } finally {
      await other.close();
    }
  });

  test('subscribeWebPush registers the subscription as the device token; the push service decrypts a push to it', async () => {
    const vapid = { ...generateVapidKeys(), subject: 'mailto:ops@example.com' };
    const sub: Subscription = pushService.subscribe();
    pushService.expectedVapidKey = vapid.publicKey;
    const outcome = await page.evaluate(
      async ({ sub, vapidKey }) => {
        const client = (window as unknown as { client: { subscribeWebPush(r: unknown, o: unknown): Promise<unknown> } }).client;
        let askedKey: number[] = [];
        // stands in for ServiceWorkerRegistration: Chromium's own subscribe needs Google's push service
        const registration = {
          pushManager: {
            getSubscription: async () => null,
            subscribe: async (opts: { applicationServerKey: Uint8Array; userVisibleOnly: boolean }) => {
              askedKey = Array.from(opts.applicationServerKey);
              return { toJSON: () => sub, options: { applicationServerKey: opts.applicationServerKey.buffer }, unsubscribe: async () => true };
            },
          },
        };
        const registered = await client.subscribeWebPush(registration, { vapidKey });
        // the real one, for the record: without a reachable push service it cannot succeed
        let real = 'not tried';
        try {
          const reg = await navigator.serviceWorker.ready;
          await Promise.race([
            reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: new Uint8Array(askedKey) }),
            new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 10 s')), 10_000)),
          ]);
          real = 'subscribed';
        } catch (err) {
          real = String((err as Error).message ?? err);
        }
        return { registered, askedKey, real };
      },
      { sub, vapidKey: vapid.publicKey },
    );
    console.log(`# Chromium's own pushManager.subscribe here: ${outcome.real}`);
    assert.deepEqual(Buffer.from(outcome.askedKey).toString('base64url'), vapid.publicKey);
    assert.deepEqual(outcome.registered, sub);
    const device = await api.node.ctx.registry.get(api.app.appKey, registrationId);
    assert.deepEqual(device?.tokens.webpush, sub);
    // the same registration id kept: an update, not a new device
    assert.equal(device?.registrationId, registrationId);

    const push = acceptedPush({ notification: { alert: 'via Web Push' } });
    const channel = createWebPushChannel({ allowHttpEndpoints: true });
    const [result] = await channel.send(push, [{ appKey: api.app.appKey, num: device!.num, registrationId, platform: 'web', token: device!.tokens.webpush! }], vapid);
    assert.equal(result!.kind, 'delivered');
    assert.equal(JSON.parse(pushService.received.at(-1)!.plaintext).notification.alert, 'via Web Push');
  });
});
