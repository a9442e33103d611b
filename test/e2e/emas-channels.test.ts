import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Credentials } from '../../src/apps/credentials.js';
import type { FakeApns } from '../fakes/apns-server.js';
import { apnsToken, makeSigningKey, startFakeApns, until } from '../helpers/apns.js';
import { emasClient, type EmasTestClient } from '../helpers/emas.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { hasOpenssl } from '../helpers/tls.js';

type Answer = Record<string, unknown>;
const TOPIC = 'com.example.emas';

/**
 * EMAS pushes take the vendor channels as their JPush twins do: vendor parameters become
 * `third_party_channel` fields, SendChannels limits the channels, and iOSLiveActivityId
 * addresses a Live Activity's holders.
 */
describe('EMAS pushes through the vendor channel layer', { skip: !hasOpenssl }, () => {
  let server: TestServer;
  let fake: FakeApns;
  let app: Credentials;
  let e: EmasTestClient;
  const key = makeSigningKey();

  async function device(tokens: Record<string, string>, platform = 'ios'): Promise<{ rid: string; secret: string }> {
    const res = await call(server, 'POST', '/v1/devices/register', { body: { app_key: app.appKey, platform, tokens }, auth: null });
    assert.equal(res.status, 200, res.text);
    const b = res.body as { registration_id: string; device_secret: string };
    return { rid: b.registration_id, secret: b.device_secret };
  }

  const push = (params: Answer) => e.call('Push', { PushType: 'NOTICE', DeviceType: 'iOS', Title: 'T', Body: 'B', ...params });
  const stored = async (a: Answer) => (await server.node.ctx.store.pushes.get(String(a.MessageId)))!;

  before(async () => {
    const started = await startFakeApns([TOPIC]);
    fake = started.fake;
    fake.addKey({ keyId: 'KEYID00002', teamId: 'TEAM000002', publicKey: key.publicKey });
    server = await startTestServer({ channels: started.channels });
    app = server.app;
    await server.node.ctx.credentials.set(app.appKey, 'apns', { auth: 'token', key: key.p8, keyId: 'KEYID00002', teamId: 'TEAM000002', topic: TOPIC });
    e = await emasClient(server, app);
  });

  after(async () => {
    await server.close();
    await fake.close();
  });

  test('vendor parameters become the JPush third_party_channel fields the vendor channels read', async () => {
    const d = await device({}, 'android');
    const a = await push({
      DeviceType: 'ANDROID',
      Target: 'DEVICE',
      TargetValue: d.rid,
      AndroidNotificationHuaweiChannel: 'LOW',
      AndroidMessageHuaweiUrgency: 'HIGH',
      AndroidMessageHuaweiCategory: 'IM',
      AndroidHuaweiReceiptId: 'RCP4C123456',
      AndroidNotificationHonorChannel: 'NORMAL',
      AndroidNotificationXiaomiChannel: 'michannel',
      AndroidXiaomiTemplateId: 'tpl-1',
      AndroidXiaomiTemplateParams: '{"order":"X1"}',
      AndroidMessageOppoCategory: 'IM',
      AndroidMessageOppoNotifyLevel: 2,
      AndroidOppoPrivateMsgTemplateId: 'op-1',
      AndroidOppoPrivateTitleParameters: '{"city":"Beijing"}',
      AndroidNotificationVivoChannel: '1',
      AndroidMessageVivoCategory: 'ORDER',
      AndroidVivoReceiptId: '123',
      AndroidTargetUserType: 1,
      AndroidMeizuNoticeMsgType: 1,
    });
    const p = await stored(a);
    assert.deepEqual(p.options.raw.third_party_channel, {
      huawei: { importance: 'LOW', urgency: 'HIGH', category: 'IM', receipt_id: 'RCP4C123456', target_user_type: 1 },
      honor: { importance: 'NORMAL', target_user_type: 1 },
      xiaomi: { channel_id: 'michannel', mi_template_id: 'tpl-1', mi_template_param: '{"order":"X1"}' },
      oppo: { category: 'IM', notify_level: 2, private_msg_template_id: 'op-1', private_title_parameters: { city: 'Beijing' } },
      vivo: { classification: 1, category: 'ORDER', callback_id: '123', push_mode: 1 },
    });
    // a parameter without a JPush counterpart stays with the push as sent
    assert.deepEqual(p.options.raw.emas, { AndroidMeizuNoticeMsgType: '1' });
    assert.equal(p.options.relayChannels, undefined);
  });

  test('SendChannels: listed vendors are relayed (secondary when accs is listed, first when not), others are not', async () => {
    const d = await device({}, 'android');
    const p = await stored(await push({ DeviceType: 'ANDROID', Target: 'DEVICE', TargetValue: d.rid, SendChannels: 'accs,huawei,fcm' }));
    const third = p.options.raw.third_party_channel as Record<string, Record<string, unknown>>;
    assert.equal(third.huawei!.distribution, 'secondary_push');
    assert.equal(third.fcm!.distribution, 'secondary_push');
    assert.equal(third.fcm!.distribution_fcm, 'secondary_fcm_push');
    for (const v of ['xiaomi', 'oppo', 'vivo', 'honor', 'meizu', 'hmos']) assert.equal(third[v]!.distribution, 'jpush', v);
    assert.deepEqual(p.options.relayChannels, ['fcm', 'huawei']);

    const q = await stored(await push({ DeviceType: 'ANDROID', Target: 'DEVICE', TargetValue: d.rid, SendChannels: 'xiaomi' }));
    assert.equal((q.options.raw.third_party_channel as Record<string, Record<string, unknown>>).xiaomi!.distribution, 'ospush');
    await assert.rejects(push({ DeviceType: 'ANDROID', Target: 'DEVICE', TargetValue: d.rid, SendChannels: 'pigeon' }), /InvalidSendChannels/);
    await assert.rejects(push({ DeviceType: 'ANDROID', Target: 'DEVICE', TargetValue: d.rid, AndroidNotificationVivoChannel: '7' }), /AndroidNotificationVivoChannel/);
  });

  test('SendChannels without apns keeps an iOS push off APNs; with apns it goes through', async () => {
    const token = apnsToken();
    const d = await device({ apns: token });
    const off = await push({ Target: 'DEVICE', TargetValue: d.rid, SendChannels: 'accs', iOSApnsEnv: 'DEV' });
    const relay = server.node.ctx.store.relay;
    await until(async () => (await relay.pendingFor(String(off.MessageId))) === 0, 'the first relay slice worked');
    assert.equal(fake.to(token).length, 0, 'no APNs request without apns in SendChannels');

    await push({ Target: 'DEVICE', TargetValue: d.rid, SendChannels: 'accs,apns', iOSApnsEnv: 'DEV', Body: 'through APNs' });
    await until(() => fake.to(token).length === 1, 'the APNs request');
    const payload = JSON.parse(fake.to(token)[0]!.payload) as { aps: { alert: { body: string } } };
    assert.equal(payload.aps.alert.body, 'through APNs');
    assert.equal(fake.to(token).length, 1);
  });

  test("iOSLiveActivityId: an update reaches the activity's token, as the JPush twin does", async () => {
    const d = await device({ apns: apnsToken() });
    const live = apnsToken();
    const reg = await call(server, 'POST', '/v1/devices/live-activity', {
      body: { registration_id: d.rid, device_secret: d.secret, live_activity_id: 'emas-match-7', token: live },
      auth: null,
    });
    assert.equal(reg.status, 200, reg.text);
    const a = await push({
      Target: 'ALL',
      TargetValue: 'ALL',
      iOSApnsEnv: 'DEV',
      iOSLiveActivityEvent: 'update',
      iOSLiveActivityId: 'emas-match-7',
      iOSLiveActivityContentState: '{"home":3,"away":1}',
      Body: 'Goal',
    });
    assert.match(String(a.MessageId), /^[0-9]+$/);
    await until(() => fake.to(live).length === 1, 'the update at the activity token');
    const got = fake.to(live)[0]!;
    assert.equal(got.headers['apns-push-type'], 'liveactivity');
    const aps = (JSON.parse(got.payload) as { aps: Record<string, unknown> }).aps;
    assert.equal(aps.event, 'update');
    assert.deepEqual(aps['content-state'], { home: 3, away: 1 });

    await assert.rejects(push({ Target: 'ALL', TargetValue: 'ALL', iOSLiveActivityEvent: 'end', iOSLiveActivityContentState: '{}' }), /MissingiOSLiveActivityId/);
  });
});
