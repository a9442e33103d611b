import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Credentials } from '../../src/apps/credentials.js';
import { emasPortOf } from '../../src/api/emas/index.js';
import { settle, startClient, type TestClient } from '../helpers/devices.js';
import { emasClient, emasFetch, popTimestamp, signedQuery, type EmasTestClient } from '../helpers/emas.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

type Answer = Record<string, unknown>;

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const messageId = (a: Answer) => {
  assert.match(String(a.MessageId), /^[0-9]+$/);
  assert.match(String(a.RequestId), /^[0-9A-F-]{36}$/);
  return String(a.MessageId);
};

describe('EMAS OpenAPI through Alibaba Cloud\'s own RPC client: pushes', () => {
  let server: TestServer;
  let app: Credentials;
  let e: EmasTestClient;
  let android: TestClient;
  let ios: TestClient;
  let hmos: TestClient;
  let all: TestClient[];

  before(async () => {
    server = await startTestServer({ emas: { port: 0 } });
    app = await server.createApp('emas');
    e = await emasClient(server, app);
    android = await startClient(server, app, { platform: 'android', tags: ['news', 'sport'], alias: 'alice' });
    ios = await startClient(server, app, { platform: 'ios', tags: ['news'] });
    hmos = await startClient(server, app, { platform: 'hmos', tags: ['weather'] });
    all = [android, ios, hmos];
    await android.client.setAccount('user-1');
    await ios.client.setAccount('user-1');
    await hmos.client.setAccount('user-2');
  });
  after(async () => {
    for (const c of all) await c.close();
    await server.close();
  });

  const reset = () => {
    for (const c of all) c.pushes.length = 0;
  };
  const push = (params: Answer, get = false) => e.call('Push', { PushType: 'NOTICE', DeviceType: 'ALL', Title: 'T', Body: 'B', ...params }, get);

  test('a push through EMAS reaches a device exactly as the same push through JPush', async () => {
    reset();
    const emasId = messageId(
      await push({
        DeviceType: 'ANDROID',
        Target: 'DEVICE',
        TargetValue: android.registrationId,
        Title: 'Order update',
        Body: 'Your order has shipped',
        AndroidExtParameters: '{"order":"81234"}',
        AndroidNotificationBarPriority: 1,
        AndroidNotificationChannel: 'orders',
        StoreOffline: true,
      }),
    );
    const res = await call(server, 'POST', '/v3/push', {
      auth: app,
      body: {
        platform: ['android'],
        audience: { registration_id: [android.registrationId] },
        notification: { android: { alert: 'Your order has shipped', title: 'Order update', priority: 1, channel_id: 'orders', extras: { order: '81234' } } },
      },
    });
    assert.equal(res.status, 200, res.text);
    const [viaEmas, viaJPush] = await android.waitForPushes(2);
    assert.equal(viaEmas!.msgId, emasId);
    assert.deepEqual(viaEmas!.notification, viaJPush!.notification);
    assert.equal(viaEmas!.message, undefined);
    assert.equal(ios.pushes.length + hmos.pushes.length, 0);
  });

  test('Target DEVICE, ACCOUNT, ALIAS, TAG (names and expressions) and ALL pick the right devices', async () => {
    const cases: [Answer, TestClient[]][] = [
      [{ Target: 'ACCOUNT', TargetValue: 'user-1' }, [android, ios]],
      [{ Target: 'ACCOUNT', TargetValue: 'user-2,nobody', DeviceType: 'HARMONY' }, [hmos]],
      [{ Target: 'ALIAS', TargetValue: 'alice' }, [android]],
      [{ Target: 'TAG', TargetValue: 'news' }, [android, ios]],
      [{ Target: 'TAG', TargetValue: '{"and":[{"tag":"news"},{"not":{"tag":"sport"}}]}' }, [ios]],
      [{ Target: 'TAG', TargetValue: '{"or":[{"tag":"sport"},{"tag":"weather"}]}' }, [android]],
      [{ Target: 'TAG', TargetValue: '{"or":[{"tag":"sport"},{"tag":"weather"}]}', DeviceType: 'HARMONY' }, [hmos]],
      [{ Target: 'ALL', TargetValue: 'ALL' }, [android, ios]],
      [{ Target: 'ALL', TargetValue: 'ALL', DeviceType: 'HARMONY' }, [hmos]],
      [{ Target: 'ALL', TargetValue: 'ALL', DeviceType: 'iOS' }, [ios]],
      [{ Target: 'DEVICE', TargetValue: `${android.registrationId},${hmos.registrationId}`, DeviceType: 'HARMONY' }, [hmos]],
    ];
    for (const [params, expected] of cases) {
      reset();
      const id = messageId(await push(params));
      for (const c of expected) {
        const [got] = await c.waitForPushes(1);
        assert.equal(got!.msgId, id, JSON.stringify(params));
      }
      await settle(100);
      for (const c of all) assert.equal(c.pushes.length, expected.includes(c) ? 1 : 0, `${JSON.stringify(params)}: ${c.registrationId}`);
    }
  });

  test('MESSAGE pushes arrive as custom messages; iOS notices carry title, subtitle, badge and sound', async () => {
    reset();
    await push({ PushType: 'MESSAGE', DeviceType: 'ANDROID', Target: 'DEVICE', TargetValue: android.registrationId, Title: 'm', Body: 'payload' });
    const [m] = await android.waitForPushes(1);
    assert.deepEqual(m!.message, { msg_content: 'payload', title: 'm' });
    assert.equal(m!.notification, undefined);

    await push({ DeviceType: 'iOS', Target: 'DEVICE', TargetValue: ios.registrationId, Title: 't', Body: 'b', iOSSubtitle: 's', iOSBadge: 3, iOSMusic: 'ding', iOSExtParameters: '{"k":"v"}' }, true);
    const [n] = await ios.waitForPushes(1);
    assert.deepEqual(n!.notification, { alert: { title: 't', subtitle: 's', body: 'b' }, sound: 'ding', badge: 3, extras: { k: 'v' } });
  });

  test('answers in XML when Format=XML, with the action\'s response element', async () => {
    const q = signedQuery('GET', e.key.accessKeySecret, {
      Action: 'ListSummaryApps',
      AccessKeyId: e.key.accessKeyId,
      Format: 'XML',
    });
    const res = await emasFetch(`${server.url}/?${q}`);
    assert.equal(res.status, 200, res.text);
    assert.match(res.contentType, /xml/);
    assert.match(res.text, new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?><ListSummaryAppsResponse><RequestId>[0-9A-F-]{36}</RequestId><SummaryAppInfos><SummaryAppInfo><AppKey>${e.key.emasAppKey}</AppKey><AppName>emas</AppName></SummaryAppInfo></SummaryAppInfos></ListSummaryAppsResponse>$`));
  });

  test('IdempotentToken: the same token within 15 minutes is one push with one MessageId', async () => {
    reset();
    const token = 'c8016d13-6e76-410c-9bda-769383d11787';
    const params = { Target: 'DEVICE', TargetValue: android.registrationId, DeviceType: 'ANDROID', IdempotentToken: token };
    const answers = await Promise.all([push(params), push(params), push(params)]);
    const ids = new Set(answers.map(messageId));
    assert.equal(ids.size, 1);
    assert.equal(messageId(await push(params)), [...ids][0]);
    await android.waitForPushes(1);
    await settle(150);
    assert.equal(android.pushes.length, 1);
  });

  test('PushTime: a scheduled push arrives at its time; CancelPush stops another; only pending ones cancel', async () => {
    reset();
    const at = popTimestamp(Date.now() + 2500);
    const sent = messageId(await push({ Target: 'DEVICE', TargetValue: android.registrationId, DeviceType: 'ANDROID', PushTime: at, Body: 'later' }));
    const cancelled = messageId(await push({ Target: 'DEVICE', TargetValue: android.registrationId, DeviceType: 'ANDROID', PushTime: at, Body: 'never' }));
    await e.call('CancelPush', { MessageId: cancelled });
    await assert.rejects(e.call('CancelPush', { MessageId: cancelled }), (err: { code?: string }) => err.code === 'Invalid.Parameter');
    await settle(300);
    assert.equal(android.pushes.length, 0, 'nothing before PushTime');
    const stat = await e.call('QueryPushStatByMsg', { MessageId: sent });
    assert.equal(((stat.PushStats as Answer).PushStat as Answer[])[0]!.AcceptCount, 0);
    const [got] = await android.waitForPushes(1, 10_000);
    assert.equal(got!.msgId, sent, 'the push keeps the MessageId it was given when scheduled');
    assert.ok(Date.now() >= Date.parse(at));
    await settle(300);
    assert.equal(android.pushes.length, 1);
    await assert.rejects(e.call('CancelPush', { MessageId: sent }), (err: { code?: string }) => err.code === 'Invalid.Parameter');
    await assert.rejects(e.call('CancelPush', { MessageId: '123' }), (err: { code?: string }) => err.code === 'InvalidMessageId.NotFound');
  });

  test('one engine: the JPush Report API sees EMAS pushes, QueryPushStatByMsg sees JPush ones', async () => {
    reset();
    const emasId = messageId(await push({ Target: 'ACCOUNT', TargetValue: 'user-1' }));
    await android.waitForPushes(1);
    await ios.waitForPushes(1);
    const received = await until(
      'JPush report of the EMAS push',
      () => call(server, 'GET', `/v3/received?msg_ids=${emasId}`, { auth: app }),
      (r) => (r.body as { android_received: number; ios_msg_received: number }[])[0]?.android_received === 1,
    );
    assert.equal(received.status, 200);

    const res = await call(server, 'POST', '/v3/push', {
      auth: app,
      body: { platform: 'all', audience: { tag: ['weather'] }, notification: { alert: 'rain' } },
    });
    const jpushId = (res.body as { msg_id: string }).msg_id;
    await hmos.waitForPushes(1);
    const stat = await until(
      'EMAS stat of the JPush push',
      () => e.call('QueryPushStatByMsg', { MessageId: jpushId }),
      (s) => ((s.PushStats as Answer).PushStat as Answer[])[0]!.ReceivedCount === 1,
    );
    assert.deepEqual({ ...((stat.PushStats as Answer).PushStat as Answer[])[0] }, {
      MessageId: jpushId, AcceptCount: 1, SentCount: 1, ReceivedCount: 1, OpenedCount: 0, DeletedCount: 0,
      SmsSentCount: 0, SmsSkipCount: 0, SmsFailedCount: 0, SmsReceiveSuccessCount: 0, SmsReceiveFailedCount: 0,
    });

    const day = popTimestamp(Date.now() - 3600_000);
    const records = await e.call('QueryPushRecords', { StartTime: day, EndTime: popTimestamp(Date.now() + 60_000), PageSize: 100 });
    const infos = (records.PushInfos as Answer).PushInfo as Answer[];
    assert.ok(infos.some((i) => i.MessageId === emasId && i.Target === 'ACCOUNT' && i.PushType === 'NOTICE'));
    assert.ok(infos.some((i) => i.MessageId === jpushId && i.Body === 'rain'));
    const byApp = await e.call('QueryPushStatByApp', { StartTime: day, EndTime: popTimestamp(Date.now() + 60_000), Granularity: 'DAY' });
    const total = ((byApp.AppPushStats as Answer).AppPushStat as Answer[]).reduce((n, s) => n + Number(s.AcceptCount), 0);
    assert.ok(total >= 3, `accepted over the period: ${total}`);
  });

  test('MassPush, PushV2, MassPushV2, legacy PushNoticeToAndroid and continuous pushes', async () => {
    reset();
    const mass = await e.call('MassPush', {
      'PushTask.1.PushType': 'NOTICE', 'PushTask.1.DeviceType': 'ANDROID', 'PushTask.1.Target': 'DEVICE',
      'PushTask.1.TargetValue': android.registrationId, 'PushTask.1.Title': 'one', 'PushTask.1.Body': 'first',
      'PushTask.2.PushType': 'MESSAGE', 'PushTask.2.DeviceType': 'iOS', 'PushTask.2.Target': 'ACCOUNT',
      'PushTask.2.TargetValue': 'user-1', 'PushTask.2.Body': 'second',
    });
    const ids = (mass.MessageIds as Answer).MessageId as string[];
    assert.equal(ids.length, 2);
    assert.equal((await android.waitForPushes(1))[0]!.msgId, ids[0]);
    assert.equal((await ios.waitForPushes(1))[0]!.msgId, ids[1]);
    await assert.rejects(
      e.call('MassPush', { 'PushTask.1.PushType': 'NOTICE', 'PushTask.1.DeviceType': 'ALL', 'PushTask.1.Target': 'ALL', 'PushTask.1.TargetValue': 'ALL', 'PushTask.1.Body': 'x', 'PushTask.1.Title': 'x' }),
      (err: { code?: string }) => err.code === 'TargetNotSupported',
    );

    reset();
    const task = { Action: 'NOTICE', Target: { Platform: 'HARMONY', Type: 'DEVICE', Value: hmos.registrationId }, Notification: { Title: 'v2', Body: 'structured', Hmos: { Category: 'IM' } } };
    const v2 = messageId(await e.call('PushV2', { PushTask: JSON.stringify(task) }));
    const [h] = await hmos.waitForPushes(1);
    assert.equal(h!.msgId, v2);
    assert.deepEqual(h!.notification, { alert: 'structured', title: 'v2', category: 'IM' });
    const massV2 = await e.call('MassPushV2', { PushTasks: JSON.stringify([task, { ...task, Notification: { Title: 'v2b', Body: 'again' } }]) });
    assert.equal(((massV2.MessageIds as Answer).MessageId as string[]).length, 2);
    await hmos.waitForPushes(3);

    reset();
    const legacy = messageId(await e.call('PushNoticeToAndroid', { Target: 'ALIAS', TargetValue: 'alice', Title: 'old', Body: 'school', ExtParameters: '{"a":"1"}' }));
    const [l] = await android.waitForPushes(1);
    assert.equal(l!.msgId, legacy);
    assert.deepEqual(l!.notification, { alert: 'school', title: 'old', extras: { a: '1' } });

    reset();
    const template = messageId(await push({ Target: 'TBD', TargetValue: 'TBD', DeviceType: 'ANDROID', Body: 'to be continued' }));
    await settle(100);
    assert.equal(android.pushes.length, 0, 'a TBD push waits for its targets');
    const cont = messageId(await e.call('ContinuouslyPush', { MessageId: template, Target: 'DEVICE', TargetValue: android.registrationId }));
    assert.equal((await android.waitForPushes(1))[0]!.msgId, cont);
    await e.call('CompleteContinuouslyPush', { MessageId: template });
    await assert.rejects(
      e.call('ContinuouslyPush', { MessageId: template, Target: 'DEVICE', TargetValue: android.registrationId }),
      (err: { code?: string }) => err.code === 'Invalid.Parameter',
    );
  });

  test('documented parameter errors', async () => {
    const rejects = (params: Answer, code: string) =>
      assert.rejects(push(params), (err: { code?: string; data?: Answer }) => {
        assert.equal(err.code, code, JSON.stringify(params));
        assert.equal(typeof err.data?.HostId, 'string');
        return true;
      });
    await rejects({ Target: 'DEVICE' }, 'MissingTargetValue');
    await rejects({ Target: 'EVERYONE', TargetValue: 'x' }, 'InvalidTarget.Format');
    await rejects({ Target: 'ALL', TargetValue: 'ALL', PushType: 'LOUD' }, 'InvalidPushType.Format');
    await rejects({ Target: 'ALL', TargetValue: 'ALL', Title: 'x'.repeat(201) }, 'InvalidTitle.BytesExceed');
    await rejects({ Target: 'ALL', TargetValue: 'ALL', DeviceType: 'ANDROID', Title: '' }, 'MissingTitle');
    await rejects({ Target: 'ALL', TargetValue: 'ALL', PushTime: '2019-02-30T00:00:00Z' }, 'InvalidPushTime.Format');
    await rejects({ Target: 'ALL', TargetValue: 'ALL', PushTime: popTimestamp(Date.now() + 8 * 86_400_000) }, 'InvalidPushTime.Format');
    await rejects({ Target: 'ALL', TargetValue: 'ALL', StoreOffline: true, ExpireTime: popTimestamp(Date.now() + 73 * 3600_000) }, 'InvalidExpireTime.Format');
    await rejects({ Target: 'ALL', TargetValue: 'ALL', JobKey: 'no spaces' }, 'InvalidJobKey.Format');
    await rejects({ Target: 'ALL', TargetValue: 'ALL', AndroidExtParameters: '[1]' }, 'InvalidAndroidExtParameters.Format');
    await rejects({ Target: 'ALL', TargetValue: 'ALL', iOSBadge: 1, iOSBadgeAutoIncrement: true }, 'Invalid.Parameter');
    await rejects({ Target: 'ALL', TargetValue: 'ALL', SendChannels: 'accs,pigeon' }, 'InvalidSendChannels.Format');
    await rejects({ Target: 'ALL', TargetValue: 'ALL', AndroidBadgeAddNum: 100 }, 'InvalidAndroidBadgeAddNum.Format');
    await rejects({ Target: 'ALL', TargetValue: 'ALL', StoreOffline: 'maybe' }, 'InvalidStoreOffline.Format');
    await rejects({ Target: 'DEVICE', TargetValue: Array.from({ length: 1001 }, (_, i) => `d${i}`).join(',') }, 'InvalidTargetValue.LengthExceed');
    await rejects({ Target: 'DEVICE', TargetValue: 'aaaaaaaaaaaaaaaaaaa' }, 'InvalidTargetValue.NotFound');
    await rejects({ Target: 'TBD', TargetValue: 'TBD', PushTime: popTimestamp(Date.now() + 60_000) }, 'Invalid.Parameter');
  });

  test('the EMAS-only port answers the same API, and InvalidApi.NotFound elsewhere', async () => {
    const port = emasPortOf(server.node.ctx);
    assert.ok(port !== undefined && port > 0);
    const own = await emasClient(server, app, `http://127.0.0.1:${port}`);
    const apps = await own.call('ListSummaryApps');
    assert.equal(((apps.SummaryAppInfos as Answer).SummaryAppInfo as Answer[])[0]!.AppKey, e.key.emasAppKey);
    const res = await emasFetch(`http://127.0.0.1:${port}/v3/push?Format=JSON`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
    assert.equal(res.body.Code, 'InvalidApi.NotFound');
  });
});
