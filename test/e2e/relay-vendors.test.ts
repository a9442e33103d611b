import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { generateVapidKeys } from '../../src/channels/webpush/vapid.js';
import { FakeFcm } from '../fakes/fcm-server.js';
import { FakeWebPush } from '../fakes/webpush-server.js';
import { until } from '../helpers/apns.js';
import { startClient } from '../helpers/devices.js';
import { pushOk, registerWithTokens } from '../helpers/relay-e2e.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

/** Routing through FCM and Web Push end to end: accept -> relay queue -> router -> channel -> fake. */
describe('relay to FCM and Web Push, routed per device', () => {
  let server: TestServer;
  let fcm: FakeFcm;
  let webpush: FakeWebPush;

  const device = (platform: string, tokens: Record<string, unknown>) => registerWithTokens(server, platform, tokens);

  const push = (body: Record<string, unknown>) => pushOk(server, body);

  const sentTo = (token: string) => fcm.sends.filter((s) => s.body.message.token === token && s.status === 200);

  before(async () => {
    fcm = await FakeFcm.start();
    webpush = await FakeWebPush.start();
    server = await startTestServer({
      channels: {
        ...DEFAULT_CONFIG.channels,
        fcm: { ...DEFAULT_CONFIG.channels.fcm, endpoint: fcm.url },
        webpush: { ...DEFAULT_CONFIG.channels.webpush, allowHttpEndpoints: true },
        relay: { ...DEFAULT_CONFIG.channels.relay, pollMs: 50, retryBaseMs: 100, retryMaxMs: 400 },
      },
    });
    await server.node.ctx.credentials.set(server.app.appKey, 'fcm', fcm.createServiceAccount('proj-relay'));
    await server.node.ctx.credentials.set(server.app.appKey, 'webpush', { ...generateVapidKeys(), subject: 'mailto:ops@example.com' });
  });

  after(async () => {
    await server.close();
    await fcm.close();
    await webpush.close();
  });

  test('an offline Android device gets the notification through FCM; a dead token is dropped', async () => {
    const rid = await device('android', { fcm: 'fcm-token-offline' });
    await push({ audience: { registration_id: [rid] }, notification: { android: { alert: 'via FCM', title: 'T' } } });
    await until(() => sentTo('fcm-token-offline').length === 1, 'the FCM send');
    const msg = sentTo('fcm-token-offline')[0]!.body.message as { notification?: { body?: string } };
    assert.equal(msg.notification?.body, 'via FCM');

    const gone = await device('android', { fcm: 'fcm-token-gone' });
    fcm.tokenModes.set('fcm-token-gone', { kind: 'unregistered' });
    await push({ audience: { registration_id: [gone] }, notification: { alert: 'x' } });
    await until(async () => (await server.node.ctx.registry.get(server.app.appKey, gone))?.tokens.fcm === undefined, 'the FCM token removed');
  });

  test('online Android devices: secondary_push keeps to the connection, ospush also uses FCM', async () => {
    const client = await startClient(server, server.app, { platform: 'android' });
    try {
      const update = await call(server, 'POST', '/v1/devices/register', {
        body: { app_key: server.app.appKey, platform: 'android', registration_id: client.registrationId, device_secret: client.client.state.deviceSecret, tokens: { fcm: 'fcm-token-online' } },
        auth: null,
      });
      assert.equal(update.status, 200, update.text);
      const audience = { registration_id: [client.registrationId] };
      await push({ audience, notification: { alert: 'default strategy' } });
      await client.waitForPushes(1, 10_000);
      await push({ audience, notification: { alert: 'ospush' }, options: { third_party_channel: { fcm: { distribution: 'ospush' } } } });
      await client.waitForPushes(2, 10_000);
      await until(() => sentTo('fcm-token-online').length === 1, 'the ospush FCM send');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(sentTo('fcm-token-online').length, 1, 'secondary_push sent nothing to FCM for an online device');
      // a custom message with notification_3rd reaches vendors only for offline devices
      await push({ audience, message: { msg_content: 'm' }, notification_3rd: { android: { alert: 'n3' } }, options: { notification_3rd_ver: 'v2' } });
      await client.waitForPushes(3, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(sentTo('fcm-token-online').length, 1);
    } finally {
      await client.close();
    }
  });

  test('a closed browser gets the notification through Web Push, encrypted for its subscription', async () => {
    const sub = webpush.subscribe();
    const rid = await device('web', { webpush: sub });
    await push({ audience: { registration_id: [rid] }, notification: { alert: 'to the browser' } });
    await until(() => webpush.received.length === 1, 'the Web Push delivery');
    assert.match(webpush.received[0]!.plaintext, /to the browser/);

    const dead = webpush.subscribe({ kind: 'status', status: 410 });
    const rid2 = await device('web', { webpush: dead });
    await push({ audience: { registration_id: [rid2] }, notification: { alert: 'gone' } });
    await until(async () => (await server.node.ctx.registry.get(server.app.appKey, rid2))?.tokens.webpush === undefined, 'the subscription removed');
  });
});
