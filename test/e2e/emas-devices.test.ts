import RPCClient from '@alicloud/pop-core';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Credentials } from '../../src/apps/credentials.js';
import { createAccessKey } from '../../src/apps/access-keys.js';
import { createApp } from '../../src/apps/app-directory.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { openStore, startNode } from '../../src/node.js';
import { runCli } from '../helpers/cli.js';
import { startClient, type TestClient } from '../helpers/devices.js';
import { emasClient, popTimestamp, type EmasTestClient } from '../helpers/emas.js';
import { startTestServer, type TestDevice, type TestServer } from '../helpers/server.js';

type Answer = Record<string, unknown>;
const list = (a: Answer, outer: string, inner: string) => [...(((a[outer] as Answer)[inner] as unknown[]) ?? [])];
const code = (c: string) => (err: { code?: string }) => {
  assert.equal(err.code, c);
  return true;
};

describe('EMAS device, alias, tag, phone and account actions', () => {
  let server: TestServer;
  let app: Credentials;
  let e: EmasTestClient;
  let phone: TestClient;
  let quiet: TestDevice;
  let foreign: TestDevice;

  before(async () => {
    server = await startTestServer();
    app = await server.createApp('devices');
    e = await emasClient(server, app);
    phone = await startClient(server, app, { platform: 'android' });
    quiet = await server.registerDevice(app, { platform: 'ios' });
    foreign = server.devices[0]!; // a device of the test's first app
  });
  after(async () => {
    await phone.close();
    await server.close();
  });

  test('QueryDeviceInfo, CheckDevices and CheckDevice; another app\'s device does not exist here', async () => {
    await phone.client.setAccount('acct-7');
    const info = (await e.call('QueryDeviceInfo', { DeviceId: phone.registrationId })).DeviceInfo as Answer;
    assert.equal(info.DeviceId, phone.registrationId);
    assert.equal(info.DeviceType, 'ANDROID');
    assert.equal(info.Account, 'acct-7');
    assert.equal(info.Online, true);
    assert.equal((await e.call('QueryDeviceInfo', { DeviceId: quiet.registrationId }, true)).DeviceInfo && true, true);
    await assert.rejects(e.call('QueryDeviceInfo', { DeviceId: foreign.registrationId }), code('InvalidDeviceId.NotFound'));
    const checks = list(await e.call('CheckDevices', { DeviceIds: `${phone.registrationId},${foreign.registrationId},zz` }), 'DeviceCheckInfos', 'DeviceCheckInfo');
    assert.deepEqual(checks.map((c) => ({ ...(c as Answer) })), [
      { DeviceId: phone.registrationId, Available: true },
      { DeviceId: foreign.registrationId, Available: false },
      { DeviceId: 'zz', Available: false },
    ]);
    assert.equal((await e.call('CheckDevice', { DeviceId: quiet.registrationId })).Available, true);
    await assert.rejects(e.call('CheckDevices', { DeviceIds: Array.from({ length: 101 }, (_, i) => `d${i}`).join(',') }), code('InvalidDeviceIds.LengthExceed'));
  });

  test('accounts: bound by the device, found by QueryDevicesByAccount', async () => {
    const r = await phone.client.setAccount('acct-9');
    assert.equal(r.account, 'acct-9');
    const ids = list(await e.call('QueryDevicesByAccount', { Account: 'acct-9' }), 'DeviceIds', 'DeviceId');
    assert.deepEqual(ids, [phone.registrationId]);
    await assert.rejects(phone.client.setAccount('a,b'), (err: { code?: number }) => err.code === 7002);
    assert.equal((await phone.client.setAccount(null)).account, undefined);
    assert.deepEqual(list(await e.call('QueryDevicesByAccount', { Account: 'acct-9' }), 'DeviceIds', 'DeviceId'), []);
  });

  test('aliases: BindAlias, QueryAliases, QueryDevicesByAlias, UnbindAlias', async () => {
    await e.call('BindAlias', { DeviceId: phone.registrationId, AliasName: 'bob' });
    assert.deepEqual(list(await e.call('QueryAliases', { DeviceId: phone.registrationId }), 'AliasInfos', 'AliasInfo').map((x) => ({ ...(x as Answer) })), [{ AliasName: 'bob' }]);
    assert.deepEqual(list(await e.call('QueryDevicesByAlias', { Alias: 'bob' }), 'DeviceIds', 'DeviceId'), [phone.registrationId]);
    await assert.rejects(e.call('BindAlias', { DeviceId: phone.registrationId, AliasName: 'a,b' }), code('Invalid.Parameter'));
    await assert.rejects(e.call('BindAlias', { DeviceId: foreign.registrationId, AliasName: 'bob' }), code('InvalidDeviceId.NotFound'));
    await e.call('UnbindAlias', { DeviceId: phone.registrationId, AliasName: 'other' });
    assert.equal(list(await e.call('QueryAliases', { DeviceId: phone.registrationId }), 'AliasInfos', 'AliasInfo').length, 1);
    await e.call('UnbindAlias', { DeviceId: phone.registrationId, UnbindAll: true });
    assert.equal(list(await e.call('QueryAliases', { DeviceId: phone.registrationId }), 'AliasInfos', 'AliasInfo').length, 0);
  });

  test('tags: BindTag by device, account and alias; QueryTags, ListTags, UnbindTag, RemoveTag', async () => {
    await phone.client.setAccount('acct-1');
    await e.call('BindAlias', { DeviceId: quiet.registrationId, AliasName: 'carol' });
    await e.call('BindTag', { KeyType: 'DEVICE', ClientKey: `${phone.registrationId},${foreign.registrationId}`, TagName: 'vip,beta' });
    await e.call('BindTag', { KeyType: 'ALIAS', ClientKey: 'carol', TagName: 'beta' });
    await e.call('BindTag', { KeyType: 'ACCOUNT', ClientKey: 'acct-1', TagName: 'gold' });
    const tagsOf = async (keyType: string, key: string) =>
      list(await e.call('QueryTags', { KeyType: keyType, ClientKey: key }), 'TagInfos', 'TagInfo').map((t) => (t as Answer).TagName);
    assert.deepEqual(await tagsOf('DEVICE', phone.registrationId), ['beta', 'gold', 'vip']);
    assert.deepEqual(await tagsOf('ALIAS', 'carol'), ['beta']);
    assert.deepEqual(await tagsOf('DEVICE', foreign.registrationId), [], 'another app\'s device is untouched and unseen');
    const foreignDevice = await server.node.ctx.registry.get(server.app.appKey, foreign.registrationId);
    assert.ok(!foreignDevice!.tags.includes('vip'));
    const listed = list(await e.call('ListTags'), 'TagInfos', 'TagInfo').map((t) => (t as Answer).TagName);
    // 'a' and 'b' are the tags of the devices every test app starts with
    assert.deepEqual(listed, ['a', 'b', 'beta', 'gold', 'vip']);
    await e.call('UnbindTag', { KeyType: 'DEVICE', ClientKey: phone.registrationId, TagName: 'vip' });
    assert.deepEqual(await tagsOf('DEVICE', phone.registrationId), ['beta', 'gold']);
    await e.call('RemoveTag', { TagName: 'beta' });
    assert.deepEqual(await tagsOf('ALIAS', 'carol'), []);
    await assert.rejects(e.call('BindTag', { KeyType: 'DEVICE', ClientKey: phone.registrationId, TagName: 'a,b,c,d,e,f,g,h,i,j,k' }), code('InvalidTagName.LengthExceed'));
    await assert.rejects(e.call('BindTag', { KeyType: 'PHONE', ClientKey: 'x', TagName: 'a' }), code('InvalidKeyType.Format'));
  });

  test('phones: BindPhone and UnbindPhone', async () => {
    await e.call('BindPhone', { DeviceId: quiet.registrationId, PhoneNumber: '13800138000' });
    assert.equal(((await e.call('QueryDeviceInfo', { DeviceId: quiet.registrationId })).DeviceInfo as Answer).PhoneNumber, '13800138000');
    await assert.rejects(e.call('BindPhone', { DeviceId: quiet.registrationId, PhoneNumber: 'call me' }), code('InvalidPhoneNumber.Format'));
    await e.call('UnbindPhone', { DeviceId: quiet.registrationId });
    assert.equal(((await e.call('QueryDeviceInfo', { DeviceId: quiet.registrationId })).DeviceInfo as Answer).PhoneNumber, '');
  });

  test('device statistics: QueryDeviceStat (NEW, TOTAL) and QueryUniqueDeviceStat', async () => {
    const start = popTimestamp(Date.now() - 2 * 86_400_000);
    const end = popTimestamp(Date.now() + 60_000);
    const stats = async (queryType: string, deviceType?: string) =>
      list(await e.call('QueryDeviceStat', { StartTime: start, EndTime: end, QueryType: queryType, ...(deviceType ? { DeviceType: deviceType } : {}) }), 'AppDeviceStats', 'AppDeviceStat') as Answer[];
    const total = await stats('TOTAL');
    // createApp registers two devices; the test added two more
    assert.equal(total.at(-1)!.Count, 4);
    assert.equal((await stats('NEW', 'iOS')).reduce((n, s) => n + Number(s.Count), 0), 2);
    const unique = list(await e.call('QueryUniqueDeviceStat', { StartTime: start, EndTime: end, Granularity: 'DAY' }), 'AppDeviceStats', 'AppDeviceStat') as Answer[];
    assert.ok(unique.length >= 2);
    await assert.rejects(e.call('QueryDeviceStat', { StartTime: popTimestamp(Date.now() - 40 * 86_400_000), EndTime: end, QueryType: 'NEW' }), code('InvalidPeriod.ExceedDays'));
  });
});

describe('borealis app accesskey', () => {
  test('create, list, disable: a disabled key is refused by the API', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'borealis-ak-'));
    const config = { ...DEFAULT_CONFIG, dataDir: dir, port: 0, logLevel: 'silent' as const };
    try {
      const store = openStore(config);
      const created = await createApp(store, 'ak');
      await store.close();
      const r = runCli(['app', 'accesskey', created.appKey, 'create', '--json', '--data', dir]);
      assert.equal(r.status, 0, r.stderr);
      const key = JSON.parse(r.stdout) as { accessKeyId: string; accessKeySecret: string; emasAppKey: number };
      assert.match(key.accessKeyId, /^LTAI[A-Za-z0-9]{20}$/);
      assert.match(key.accessKeySecret, /^[A-Za-z0-9]{30}$/);
      const listed = runCli(['app', 'accesskey', created.appKey, 'list', '--data', dir]);
      assert.match(listed.stdout, new RegExp(`EMAS AppKey: ${key.emasAppKey}\n${key.accessKeyId} .* active`));
      assert.ok(!listed.stdout.includes(key.accessKeySecret), 'secrets are shown once');
      const disabled = runCli(['app', 'accesskey', created.appKey, 'disable', key.accessKeyId, '--data', dir]);
      assert.equal(disabled.status, 0, disabled.stderr);

      const node = await startNode(config);
      try {
        const keys = await node.ctx.store.emas.accessKeys(created.appKey);
        assert.equal(keys.length, 1);
        assert.notEqual(keys[0]!.disabledAt, null);
        const second = await createAccessKey(node.ctx.store, node.ctx.credentials, created.appKey);
        assert.equal(second!.emasAppKey, key.emasAppKey, 'one EMAS AppKey per app');
        const client = new RPCClient({ endpoint: node.url, apiVersion: '2016-08-01', accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret });
        await assert.rejects(client.request('ListSummaryApps', {}, { method: 'POST' }), code('InvalidAccessKeyId.Inactive'));
        const fresh = new RPCClient({ endpoint: node.url, apiVersion: '2016-08-01', accessKeyId: second!.accessKeyId, accessKeySecret: second!.accessKeySecret });
        const apps = (await fresh.request('ListSummaryApps', {}, { method: 'POST' })) as Answer;
        assert.deepEqual(list(apps, 'SummaryAppInfos', 'SummaryAppInfo').map((a) => ({ ...(a as Answer) })), [{ AppKey: key.emasAppKey, AppName: 'ak' }]);
      } finally {
        await node.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
