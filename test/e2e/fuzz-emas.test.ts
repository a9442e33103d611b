import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mulberry32 } from '../helpers/prng.js';
import { emasClient, emasFetch, signedQuery, type EmasTestClient } from '../helpers/emas.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Hostile parameter sets against the EMAS OpenAPI. Most requests are correctly signed, so they
 * get past the gateway into the actions' own parsing; the rest are raw garbage. Every answer
 * must be below 500 and, when it is an error, carry EMAS's error body.
 */

const ACTIONS = [
  'Push', 'MassPush', 'PushV2', 'MassPushV2', 'ContinuouslyPush', 'CompleteContinuouslyPush', 'CancelPush',
  'PushMessageToAndroid', 'PushMessageToiOS', 'PushNoticeToAndroid', 'PushNoticeToiOS', 'QueryPushStatByMsg',
  'QueryPushStatByApp', 'QueryPushRecords', 'QueryDeviceInfo', 'CheckDevices', 'CheckDevice', 'QueryDeviceStat',
  'QueryUniqueDeviceStat', 'BindAlias', 'UnbindAlias', 'QueryAliases', 'QueryDevicesByAlias', 'QueryDevicesByAccount',
  'BindTag', 'UnbindTag', 'QueryTags', 'ListTags', 'RemoveTag', 'BindPhone', 'UnbindPhone', 'ListSummaryApps', 'Nope',
];
const NAMES = [
  'PushType', 'DeviceType', 'Target', 'TargetValue', 'Title', 'Body', 'StoreOffline', 'PushTime', 'ExpireTime', 'JobKey',
  'IdempotentToken', 'SendChannels', 'Trim', 'iOSApnsEnv', 'iOSBadge', 'iOSBadgeAutoIncrement', 'iOSMusic', 'iOSSubtitle',
  'iOSExtParameters', 'iOSRelevanceScore', 'iOSInterruptionLevel', 'iOSLiveActivityEvent', 'iOSLiveActivityAttributes',
  'iOSLiveActivityAttributesType', 'iOSLiveActivityDismissalDate', 'AndroidOpenType', 'AndroidOpenUrl', 'AndroidActivity',
  'AndroidNotifyType', 'AndroidRenderStyle', 'AndroidInboxBody', 'AndroidBigPictureUrl', 'AndroidExtParameters',
  'AndroidBadgeAddNum', 'AndroidNotificationBarPriority', 'AndroidMessageOppoNotifyLevel', 'HarmonyActionType', 'HarmonyUri',
  'HarmonyImageUrl', 'HarmonyRenderStyle', 'HarmonyInboxContent', 'SmsTemplateName', 'SmsSignName', 'SmsParams',
  'SmsDelaySecs', 'MessageId', 'DeviceId', 'DeviceIds', 'AliasName', 'Alias', 'Account', 'UnbindAll', 'KeyType',
  'ClientKey', 'TagName', 'PhoneNumber', 'StartTime', 'EndTime', 'Granularity', 'QueryType', 'Page', 'PageSize',
  'Keyword', 'PushTask', 'PushTasks', 'PushTask.1.Target', 'PushTask.1.TargetValue', 'PushTask.1.PushType',
  'PushTask.1.DeviceType', 'PushTask.1.Body', 'PushTask.1.Title', 'PushTask.101.Body', 'AppKey', 'Format', 'x',
];

describe('fuzz: the EMAS OpenAPI never answers 5xx', () => {
  let server: TestServer;
  let e: EmasTestClient;
  before(async () => {
    server = await startTestServer({ limits: { requestsPerWindow: 0 } });
    e = await emasClient(server);
  });
  after(() => server.close());

  test('thousands of hostile parameter sets', async () => {
    const rnd = mulberry32(10);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const rid = server.devices[0]!.registrationId;
    const values = [
      '', ' ', 'ALL', 'TBD', 'DEVICE', 'ACCOUNT', 'ALIAS', 'TAG', 'NOTICE', 'MESSAGE', 'ANDROID', 'iOS', 'HARMONY', 'true',
      'false', '0', '-1', '1e309', '99999999999999999999', '1.5', 'null', '{}', '[]', '{"and":[]}', '{"not":{"tag":"a"}}',
      '{"or":[{"tag":"a"},{"and":[{"tag":"b"},{"not":{"tag":"c"}}]}]}', '["a","b","c","d"]', '{"a":', 'a'.repeat(5000),
      '深圳,北京', '\u0000', '\uFFFD', '%', '2019-02-20T00:00:00Z', '2099-01-01T00:00:00Z', new Date(Date.now() + 5000).toISOString(),
      rid, `${rid},${rid}`, 'a,,b', ',', '{"Action":"NOTICE","Target":{"Platform":"ALL","Type":"ALL","Value":"ALL"}}',
      '[{"Action":"MESSAGE","Target":{"Platform":"ANDROID","Type":"DEVICE","Value":"x"},"Message":{"Body":"b","Title":"t"}}]',
      String(e.key.emasAppKey), 'k1=v1&k2', 'https://x', 'http://x', 'DAY', 'MONTH', 'NEW', 'TOTAL',
    ];
    const statuses = new Map<number, number>();
    const check = (res: Awaited<ReturnType<typeof emasFetch>>, what: string) => {
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.ok(res.status < 500, `${res.status} for ${what}: ${res.text.slice(0, 300)}`);
      if (res.status >= 400) {
        const xml = /<Error><RequestId>[^<]+<\/RequestId><HostId>[^<]*<\/HostId><Code>[^<]+<\/Code><Message>/.test(res.text);
        assert.ok(xml || (typeof res.body.Code === 'string' && typeof res.body.RequestId === 'string'), `no EMAS error body for ${what}: ${res.text.slice(0, 300)}`);
      } else {
        assert.ok(typeof res.body.RequestId === 'string' || res.text.includes('<RequestId>'), res.text.slice(0, 200));
      }
    };
    for (let i = 0; i < 1800; i += 12) {
      await Promise.all(
        Array.from({ length: 12 }, async () => {
          const params: Record<string, string> = { Action: pick(ACTIONS), AccessKeyId: e.key.accessKeyId, AppKey: String(e.key.emasAppKey) };
          const n = Math.floor(rnd() * 12);
          for (let k = 0; k < n; k++) params[pick(NAMES)] = pick(values);
          if (rnd() < 0.1) delete params.AppKey;
          const r = rnd();
          if (r < 0.75) {
            const query = signedQuery(rnd() < 0.5 ? 'GET' : 'POST', e.key.accessKeySecret, params);
            const res = query.includes('%') && rnd() < 0.5
              ? await emasFetch(`${server.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query })
              : await emasFetch(`${server.url}/?${query}`);
            // a GET-signed query posted fails its signature, which is an answer too
            check(res, JSON.stringify(params).slice(0, 300));
          } else {
            // unsigned garbage: broken escapes, repeated names, odd content types and methods
            const junk = Object.entries(params).map(([k, v]) => `${k}=${pick(['%', '%E4%B8', v, '%00', '+'])}`).join('&') + (rnd() < 0.3 ? '&Action=Push&Action=Push' : '');
            const method = pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);
            const res = await emasFetch(`${server.url}/?${method === 'GET' ? junk : 'Format=JSON'}`, {
              method,
              headers: { 'content-type': pick(['application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data']) },
              body: method === 'GET' ? undefined : rnd() < 0.5 ? junk : '{"Action":',
            });
            check(res, `${method} ${junk.slice(0, 200)}`);
          }
        }),
      );
    }
    assert.ok((statuses.get(200) ?? 0) > 20, `some requests succeed: ${JSON.stringify([...statuses])}`);
  });
});
