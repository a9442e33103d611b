/* global self, URL */
/**
 * A sample service worker for Borealis Web Push. Serve it from your site's origin (for example
 * as /sw.js), register it, then call `client.subscribeWebPush(registration)` in the page.
 *
 * - `push`: the payload is the same push object the page's WebSocket receives
 *   (`{ msg_id, sent_at, notification?, message?, override_msg_id? }`). A notification is shown,
 *   tagged with its msg_id, so the copy that may also arrive over the page's connection and is
 *   shown with the same tag replaces it instead of doubling it. A message without a
 *   notification is handed to the open pages.
 * - `notificationclick`: the click is handed to an open page of the site (whose SDK client
 *   reports it, `client.reportServiceWorkerClicks()`), or a page is opened with
 *   `?borealis_click=MSG_ID`, which the SDK reads and reports once connected.
 */
const CLICK_MESSAGE_TYPE = 'borealis-click';
const MESSAGE_TYPE = 'borealis-message';
const CLICK_URL_PARAM = 'borealis_click';
const DEFAULT_TITLE = 'Notification';

function readPush(event) {
  try {
    const push = event.data ? event.data.json() : null;
    return push && typeof push.msg_id === 'string' ? push : null;
  } catch {
    return null;
  }
}

async function windows() {
  return self.clients.matchAll({ type: 'window', includeUncontrolled: true });
}

self.addEventListener('push', (event) => {
  const push = readPush(event);
  if (!push) return;
  const n = push.notification;
  if (!n) {
    event.waitUntil(windows().then((pages) => pages.forEach((page) => page.postMessage({ type: MESSAGE_TYPE, push }))));
    return;
  }
  const body = typeof n.alert === 'string' ? n.alert : '';
  const title = typeof n.title === 'string' ? n.title : DEFAULT_TITLE;
  const extras = n.extras && typeof n.extras === 'object' ? n.extras : {};
  event.waitUntil(
    self.registration.showNotification(title, {
      body,
      // a replacing push takes the place of the one it overrides
      tag: push.override_msg_id || push.msg_id,
      data: { msg_id: push.msg_id, url: typeof extras.url === 'string' ? extras.url : null },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const msgId = event.notification.data && event.notification.data.msg_id;
  if (typeof msgId !== 'string') return;
  event.waitUntil(
    (async () => {
      const pages = await windows();
      const page = pages.find((p) => new URL(p.url).origin === self.location.origin);
      if (page) {
        page.postMessage({ type: CLICK_MESSAGE_TYPE, msg_id: msgId });
        await page.focus();
        return;
      }
      const url = new URL(self.registration.scope);
      url.searchParams.set(CLICK_URL_PARAM, msgId);
      await self.clients.openWindow(url.toString());
    })(),
  );
});

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
