import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BorealisClient, BorealisError } from '../../sdk/src/node.js';
import type { Credentials } from '../../src/apps/credentials.js';
import type { FakeApns } from '../fakes/apns-server.js';
import { apnsToken, makeSigningKey, startFakeApns, until } from '../helpers/apns.js';
import { call, errorCode, startTestServer, type TestServer } from '../helpers/server.js';
import { hasOpenssl } from '../helpers/tls.js';

const TOPIC = 'com.example.live';

describe('Live Activity update and end through APNs', { skip: !hasOpenssl }, () => {
  let server: TestServer;
  let fake: FakeApns;
  const key = makeSigningKey();

  async function device(app: Credentials, platform: string, tokens: Record<string, string> = {}): Promise<{ rid: string; secret: string }> {
    const res = await call(server, 'POST', '/v1/devices/register', { body: { app_key: app.appKey, platform, tokens }, auth: null });
    assert.equal(res.status, 200, res.text);
    const b = res.body as { registration_id: string; device_secret: string };
    return { rid: b.registration_id, secret: b.device_secret };
  }

  function activity(d: { rid: string; secret: string }, id: unknown, token: unknown) {
    return call(server, 'POST', '/v1/devices/live-activity', {
      body: { registration_id: d.rid, device_secret: d.secret, live_activity_id: id, token },
      auth: null,
    });
  }

  function livePush(id: string, ios: Record<string, unknown>, app: Credentials = server.app) {
    return call(server, 'POST', '/v3/push', { body: { platform: ['ios'], audience: { live_activity_id: id }, live_activity: { ios }, options: { apns_production: false } }, auth: app });
  }

  before(async () => {
    const started = await startFakeApns([TOPIC]);
    fake = started.fake;
    fake.addKey({ keyId: 'KEYID00001', teamId: 'TEAM000001', publicKey: key.publicKey });
    server = await startTestServer({ channels: started.channels });
    await server.node.ctx.credentials.set(server.app.appKey, 'apns', { auth: 'token', key: key.p8, keyId: 'KEYID00001', teamId: 'TEAM000001', topic: TOPIC });
  });

  after(async () => {
    await server.close();
    await fake.close();
  });

  test("an update reaches every holder's activity token with the liveactivity type, topic and aps", async () => {
    const own = [apnsToken(), apnsToken(), apnsToken()];
    const live = [apnsToken(), apnsToken(), apnsToken()];
    const devices = await Promise.all(own.map((t) => device(server.app, 'ios', { apns: t })));
    for (const i of [0, 1]) assert.equal((await activity(devices[i]!, 'match-1', live[i])).status, 200);
    assert.equal((await activity(devices[2]!, 'match-2', live[2])).status, 200);

    const before = Math.floor(Date.now() / 1000);
    const ios = {
      event: 'update',
      'content-state': { home: 2, away: 1 },
      alert: { title: 'Goal', body: 'Home scores', sound: 'chime.aiff' },
      'stale-date': before + 600,
      'dismissal-date': before + 3600,
    };
    const res = await livePush('match-1', ios);
    assert.equal(res.status, 200, res.text);
    const msgId = (res.body as { msg_id: string }).msg_id;
    await until(() => fake.to(live[0]!).length === 1 && fake.to(live[1]!).length === 1, 'both activity tokens');
    for (const i of [0, 1]) {
      const got = fake.to(live[i]!)[0]!;
      assert.equal(got.headers['apns-push-type'], 'liveactivity');
      assert.equal(got.headers['apns-topic'], `${TOPIC}.push-type.liveactivity`);
      assert.equal(got.headers['apns-priority'], '10');
      const payload = JSON.parse(got.payload) as { aps: Record<string, unknown>; _j_msgid: number };
      const { timestamp, ...aps } = payload.aps;
      assert.ok(typeof timestamp === 'number' && Math.abs(timestamp - before) < 60, `timestamp ${String(timestamp)}`);
      assert.deepEqual(aps, ios);
      assert.equal(String(payload._j_msgid), msgId);
    }
    // nothing to the devices' own tokens, nor to an activity of another id
    assert.equal(own.reduce((n, t) => n + fake.to(t).length, 0), 0);
    assert.equal(fake.to(live[2]!).length, 0);
  });

  test('an end to a dead activity token removes it; a removed activity is no longer a target', async () => {
    const [a, b] = await Promise.all([device(server.app, 'ios'), device(server.app, 'ios')]);
    const [ta, tb] = [apnsToken(), apnsToken()];
    await activity(a, 'trip-9', ta);
    await activity(b, 'trip-9', tb);
    fake.unregistered.add(tb);
    const res = await livePush('trip-9', { event: 'end', 'content-state': { eta: 0 }, 'dismissal-date': 1 });
    assert.equal(res.status, 200, res.text);
    await until(() => fake.to(ta).length === 1, 'the end at the live token');
    assert.equal((JSON.parse(fake.to(ta)[0]!.payload) as { aps: { event: string } }).aps.event, 'end');
    const store = server.node.ctx.store.liveActivities;
    await until(async () => (await store.holders(server.app.appKey, 'trip-9')).length === 1, 'the dead activity token removed');

    // the device removes its activity: nobody holds trip-9 now, 1011 as JPush answers
    const removed = await activity(a, 'trip-9', null);
    assert.deepEqual(removed.body, { live_activity_id: 'trip-9', removed: true });
    const none = await livePush('trip-9', { event: 'update', 'content-state': { eta: 1 } });
    assert.equal(none.status, 400, none.text);
    assert.equal(errorCode(none), 1011);
  });

  test("another app's push never reaches an activity registered in this app", async () => {
    const d = await device(server.app, 'ios');
    const token = apnsToken();
    await activity(d, 'shared-id', token);
    const other = await server.createApp('other-live');
    const res = await livePush('shared-id', { event: 'update', 'content-state': {} }, other);
    assert.equal(errorCode(res), 1011, res.text);
    assert.equal(fake.to(token).length, 0);
  });

  test('a newer token for the same activity replaces the old one', async () => {
    const d = await device(server.app, 'ios');
    const [old, renewed] = [apnsToken(), apnsToken()];
    await activity(d, 'order-5', old);
    await activity(d, 'order-5', renewed);
    assert.equal((await livePush('order-5', { event: 'update', 'content-state': { step: 2 } })).status, 200);
    await until(() => fake.to(renewed).length === 1, 'the renewed token');
    assert.equal(fake.to(old).length, 0);
  });

  test("the SDK registers and removes an activity's token", async () => {
    const client = new BorealisClient({ server: server.url, appKey: server.app.appKey, platform: 'ios', reconnect: false });
    await assert.rejects(client.setLiveActivityToken('sdk-1', apnsToken()), (e: unknown) => e instanceof BorealisError && e.code === 1002);
    await client.register();
    const token = apnsToken();
    await client.setLiveActivityToken('sdk-1', token);
    assert.equal((await livePush('sdk-1', { event: 'update', 'content-state': { n: 1 } })).status, 200);
    await until(() => fake.to(token).length === 1, 'the update through the SDK-registered token');
    await assert.rejects(client.setLiveActivityToken('sdk-1', 'zz'), (e: unknown) => e instanceof BorealisError && e.code === 1003);
    await client.setLiveActivityToken('sdk-1', null);
    assert.equal(errorCode(await livePush('sdk-1', { event: 'end', 'content-state': {} })), 1011);
    await client.close();
  });

  test('the registration route answers bad input with documented codes', async () => {
    const ios = await device(server.app, 'ios');
    const android = await device(server.app, 'android');
    const cases: [unknown, number, number][] = [
      [{ registration_id: ios.rid, device_secret: 'wrong', live_activity_id: 'x', token: apnsToken() }, 401, 1004],
      [{ registration_id: 'nope', device_secret: ios.secret, live_activity_id: 'x', token: apnsToken() }, 401, 1004],
      [{ registration_id: android.rid, device_secret: android.secret, live_activity_id: 'x', token: apnsToken() }, 400, 1003],
      [{ registration_id: ios.rid, device_secret: ios.secret, live_activity_id: 'x', token: 'not hex' }, 400, 1003],
      [{ registration_id: ios.rid, device_secret: ios.secret, live_activity_id: 'x', token: 5 }, 400, 1003],
      [{ registration_id: ios.rid, device_secret: ios.secret, live_activity_id: 'a b', token: apnsToken() }, 400, 1003],
      [{ registration_id: ios.rid, device_secret: ios.secret, live_activity_id: 'x'.repeat(129), token: apnsToken() }, 400, 1003],
      [{ registration_id: ios.rid, device_secret: ios.secret, live_activity_id: ['x'], token: apnsToken() }, 400, 1003],
      [{ registration_id: ios.rid, device_secret: ios.secret, token: apnsToken() }, 400, 1002],
      [{ registration_id: ios.rid, device_secret: ios.secret, live_activity_id: 'x' }, 400, 1002],
      [{ registration_id: 7, device_secret: ios.secret, live_activity_id: 'x', token: null }, 400, 1003],
      [[], 400, 1003],
      ['x', 400, 1003],
    ];
    for (const [body, status, code] of cases) {
      const res = await call(server, 'POST', '/v1/devices/live-activity', { body, auth: null });
      assert.equal(res.status, status, `${JSON.stringify(body).slice(0, 80)}: ${res.text}`);
      assert.equal(errorCode(res), code, res.text);
    }
    // a device holds a bounded number of activities
    for (let i = 0; i < 64; i++) assert.equal((await activity(ios, `act-${i}`, apnsToken())).status, 200);
    const full = await activity(ios, 'act-64', apnsToken());
    assert.equal(errorCode(full), 7002, full.text);
    assert.equal((await activity(ios, 'act-3', apnsToken())).status, 200, 'replacing a held one still works');
  });
});
