import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Credentials } from '../../src/apps/credentials.js';
import type { FakeApns } from '../fakes/apns-server.js';
import { apnsToken, makeSigningKey, startFakeApns, until } from '../helpers/apns.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { hasOpenssl } from '../helpers/tls.js';

const TOPIC = 'com.example.borealis';
const OTHER_TOPIC = 'com.example.other';

describe('relay to APNs', { skip: !hasOpenssl }, () => {
  let server: TestServer;
  let fake: FakeApns;
  const key = makeSigningKey();

  async function iosDevice(app: Credentials, tokens: Record<string, string>): Promise<{ rid: string }> {
    const res = await call(server, 'POST', '/v1/devices/register', { body: { app_key: app.appKey, platform: 'ios', tokens }, auth: null });
    assert.equal(res.status, 200, res.text);
    return { rid: (res.body as { registration_id: string }).registration_id };
  }

  async function push(body: Record<string, unknown>, app: Credentials = server.app): Promise<string> {
    const res = await call(server, 'POST', '/v3/push', { body: { platform: ['ios'], ...body }, auth: app });
    assert.equal(res.status, 200, res.text);
    return (res.body as { msg_id: string }).msg_id;
  }

  before(async () => {
    const started = await startFakeApns([TOPIC, OTHER_TOPIC]);
    fake = started.fake;
    fake.addKey({ keyId: 'KEYID00001', teamId: 'TEAM000001', publicKey: key.publicKey });
    server = await startTestServer({ channels: started.channels });
    await server.node.ctx.credentials.set(server.app.appKey, 'apns', { auth: 'token', key: key.p8, keyId: 'KEYID00001', teamId: 'TEAM000001', topic: TOPIC });
  });

  after(async () => {
    await server.close();
    await fake.close();
  });

  test('an alert reaches APNs with its headers, payload and per-device badge', async () => {
    const token = apnsToken();
    const { rid } = await iosDevice(server.app, { apns: token });
    const body = {
      audience: { registration_id: [rid] },
      notification: {
        ios: { alert: { title: 'T', body: 'B' }, sound: 'ping.caf', badge: '+2', 'thread-id': 'th', category: 'CAT', 'mutable-content': true, 'interruption-level': 'time-sensitive', extras: { news: 7 } },
      },
      options: { time_to_live: 600, apns_collapse_id: 'c-1', apns_production: false },
    };
    const msgId = await push(body);
    await until(() => fake.to(token).length === 1, 'the first push at the fake');
    const got = fake.to(token)[0]!;
    assert.equal(got.headers['apns-push-type'], 'alert');
    assert.equal(got.headers['apns-topic'], TOPIC);
    assert.equal(got.headers['apns-priority'], '10');
    assert.equal(got.headers['apns-collapse-id'], 'c-1');
    const expiration = Number(got.headers['apns-expiration']);
    assert.ok(Math.abs(expiration - (Date.now() / 1000 + 600)) < 30, `expiration ${expiration}`);
    const payload = JSON.parse(got.payload) as { aps: Record<string, unknown>; news: number; _j_msgid: number };
    assert.deepEqual(payload.aps, {
      alert: { title: 'T', body: 'B' },
      sound: 'ping.caf',
      badge: 2,
      'thread-id': 'th',
      category: 'CAT',
      'mutable-content': 1,
      'interruption-level': 'time-sensitive',
    });
    assert.equal(payload.news, 7);
    assert.equal(String(payload._j_msgid), msgId);
    assert.equal(got.auth, 'KEYID00001');

    // "+3" adds to the badge this device was left with
    await push({ ...body, notification: { ios: { alert: 'again', badge: '+3' } } });
    await until(() => fake.to(token).length === 2, 'the second push');
    assert.equal((JSON.parse(fake.to(token)[1]!.payload) as { aps: { badge: number } }).aps.badge, 5);

    // reports count what APNs accepted
    await until(async () => {
      const r = await call(server, 'GET', `/v3/received?msg_ids=${msgId}`);
      return (r.body as { ios_apns_sent: number | null }[])[0]?.ios_apns_sent === 1;
    }, 'ios_apns_sent = 1');
    const detail = await call(server, 'GET', `/v3/messages/detail?msg_ids=${msgId}`);
    const sub = (detail.body as { details: { notification: { sub_ios: { apns: { sent: number } } } } }[])[0]!.details.notification.sub_ios;
    assert.equal(sub.apns.sent, 1);
    const trace = await call(server, 'GET', `/v3/status/message/${msgId}/${rid}`);
    assert.deepEqual((trace.body as { vendors: unknown }).vendors, { apns: 'sent' });
  });

  test('background, VoIP and Live Activity pushes take their push types and topics', async () => {
    const token = apnsToken();
    const voip = apnsToken();
    const start = apnsToken();
    const { rid } = await iosDevice(server.app, { apns: token, apns_voip: voip, apns_start: start });
    await push({ audience: { registration_id: [rid] }, notification: { ios: { 'content-available': true } } });
    await until(() => fake.to(token).length === 1, 'the background push');
    assert.equal(fake.to(token)[0]!.headers['apns-push-type'], 'background');
    assert.equal(fake.to(token)[0]!.headers['apns-priority'], '5');

    await push({ audience: { registration_id: [rid] }, notification: { ios: { alert: 'call' }, voip: { caller: 'ann' } } });
    await until(() => fake.to(voip).length === 1, 'the VoIP push');
    assert.equal(fake.to(voip)[0]!.headers['apns-topic'], `${TOPIC}.voip`);
    assert.equal(fake.to(voip)[0]!.headers['apns-push-type'], 'voip');
    assert.equal((JSON.parse(fake.to(voip)[0]!.payload) as { caller: string }).caller, 'ann');

    await push({
      audience: { registration_id: [rid] },
      live_activity: { ios: { event: 'start', 'content-state': { score: 1 }, 'attributes-type': 'Game', attributes: { home: 'A' } } },
    });
    await until(() => fake.to(start).length === 1, 'the Live Activity start');
    const live = fake.to(start)[0]!;
    assert.equal(live.headers['apns-topic'], `${TOPIC}.push-type.liveactivity`);
    assert.equal(live.headers['apns-push-type'], 'liveactivity');
    const aps = (JSON.parse(live.payload) as { aps: Record<string, unknown> }).aps;
    assert.equal(aps.event, 'start');
    assert.deepEqual(aps['content-state'], { score: 1 });
    assert.equal(aps['attributes-type'], 'Game');
  });

  test('a dead token is removed at once and not tried again', async () => {
    const token = apnsToken();
    const { rid } = await iosDevice(server.app, { apns: token });
    fake.unregistered.add(token);
    const msgId = await push({ audience: { registration_id: [rid] }, notification: { alert: 'x' } });
    await until(async () => (await server.node.ctx.registry.get(server.app.appKey, rid))?.tokens.apns === undefined, 'the token removed');
    await until(async () => {
      const r = await call(server, 'GET', `/v3/messages/detail?msg_ids=${msgId}`);
      const d = (r.body as { details: { notification: { sub_ios?: { apns?: { token_dead: number } } } } }[])[0];
      return d?.details.notification.sub_ios?.apns?.token_dead === 1;
    }, 'token_dead counted');
    await push({ audience: { registration_id: [rid] }, notification: { alert: 'y' } });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(fake.answers.filter((a) => a.token === token).length, 1);

    // a bad device token answer counts as dead too
    const bad = apnsToken();
    const second = await iosDevice(server.app, { apns: bad });
    fake.scripted.set(bad, { status: 400, reason: 'BadDeviceToken' });
    await push({ audience: { registration_id: [second.rid] }, notification: { alert: 'z' } });
    await until(async () => (await server.node.ctx.registry.get(server.app.appKey, second.rid))?.tokens.apns === undefined, 'the bad token removed');
  });

  test('429 and 503 are retried until APNs takes the push', async () => {
    const a = apnsToken();
    const b = apnsToken();
    const one = await iosDevice(server.app, { apns: a });
    const two = await iosDevice(server.app, { apns: b });
    fake.scripted.set(a, { status: 429, reason: 'TooManyRequests', times: 2 });
    fake.scripted.set(b, { status: 503, reason: 'ServiceUnavailable', times: 1 });
    await push({ audience: { registration_id: [one.rid, two.rid] }, notification: { alert: 'retry me' } });
    await until(() => fake.to(a).length === 1 && fake.to(b).length === 1, 'both delivered after retries');
    assert.equal(fake.answers.filter((x) => x.token === a && x.status === 429).length, 2);
    assert.equal(fake.answers.filter((x) => x.token === b && x.status === 503).length, 1);
  });

  test('an expired provider token is replaced and the push sent again', async () => {
    const token = apnsToken();
    const { rid } = await iosDevice(server.app, { apns: token });
    await push({ audience: { registration_id: [rid] }, notification: { alert: 'first' } });
    await until(() => fake.to(token).length === 1, 'the first push');
    const used = fake.jwts[fake.jwts.length - 1]!;
    fake.expiredJwts.add(used);
    await push({ audience: { registration_id: [rid] }, notification: { alert: 'second' } });
    await until(() => fake.to(token).length === 2, 'the push after the refresh');
    assert.ok(fake.answers.some((x) => x.reason === 'ExpiredProviderToken'));
    assert.notEqual(fake.jwts[fake.jwts.length - 1], used);
  });

  test("one app never uses another app's credentials", async () => {
    const other = await server.createApp('other');
    const token = apnsToken();
    const { rid } = await iosDevice(other, { apns: token });
    // no APNs credentials for the other app: nothing goes to APNs for it
    await push({ audience: { registration_id: [rid] }, notification: { alert: 'no creds' } }, other);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(fake.answers.filter((x) => x.token === token).length, 0);
    // with its own key, team and topic, its pushes carry those
    const otherKey = makeSigningKey();
    fake.addKey({ keyId: 'KEYID00002', teamId: 'TEAM000002', publicKey: otherKey.publicKey });
    await server.node.ctx.credentials.set(other.appKey, 'apns', { auth: 'token', key: otherKey.p8, keyId: 'KEYID00002', teamId: 'TEAM000002', topic: OTHER_TOPIC });
    await push({ audience: { registration_id: [rid] }, notification: { alert: 'own creds' } }, other);
    await until(() => fake.to(token).length === 1, "the other app's push");
    assert.equal(fake.to(token)[0]!.auth, 'KEYID00002');
    assert.equal(fake.to(token)[0]!.headers['apns-topic'], OTHER_TOPIC);
    // a sealed credential copied to another app's row does not open
    const store = server.node.ctx.store;
    const sealed = await store.channelCredentials.get(other.appKey, 'apns');
    await store.channelCredentials.put(server.app.appKey, 'fcm', sealed!.sealed, Date.now());
    await assert.rejects(server.node.ctx.credentials.show(server.app.appKey, 'fcm'), /do not open/);
    await store.channelCredentials.remove(server.app.appKey, 'fcm');
  });

  test('registration refuses malformed APNs tokens', async () => {
    const res = await call(server, 'POST', '/v1/devices/register', { body: { app_key: server.app.appKey, platform: 'ios', tokens: { apns: 'not-hex' } }, auth: null });
    assert.equal(res.status, 400);
  });
});
