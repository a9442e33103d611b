import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { FakeFcm } from '../fakes/fcm-server.js';
import { setTestCredentials, signReceipt, TestVendorChannel } from '../fakes/test-vendor-channel.js';
import { until } from '../helpers/apns.js';
import { startClient } from '../helpers/devices.js';
import { pushOk, registerWithTokens, relayDone as settled } from '../helpers/relay-e2e.js';
import { call, errorCode, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Routing, quotas, fallback and vendor receipts end to end (HTTP in, relay queue, router,
 * channel, HTTP receipts back), with the real FCM channel against its fake and small test
 * channels standing in for the domestic vendors.
 */
describe('vendor routing, quotas and receipts', () => {
  let server: TestServer;
  let fcm: FakeFcm;
  const xiaomi = new TestVendorChannel('xiaomi', 3);
  const huawei = new TestVendorChannel('huawei');
  const hmos = new TestVendorChannel('hmos');
  const SECRET = 'receipt-secret';

  const device = (platform: string, tokens: Record<string, unknown>) => registerWithTokens(server, platform, tokens);

  const push = (body: Record<string, unknown>) => pushOk(server, body);

  const sentTo = (channel: TestVendorChannel, msgId: string) => channel.sends.filter((s) => s.msgId === msgId).flatMap((s) => s.tokens);
  const relayDone = (msgId: string) => settled(server, msgId);
  const fcmSentTo = (token: string) => fcm.sends.filter((s) => s.body.message.token === token && s.status === 200);

  before(async () => {
    fcm = await FakeFcm.start();
    server = await startTestServer(
      {
        channels: {
          ...DEFAULT_CONFIG.channels,
          fcm: { ...DEFAULT_CONFIG.channels.fcm, endpoint: fcm.url },
          relay: { ...DEFAULT_CONFIG.channels.relay, pollMs: 30, retryBaseMs: 100, retryMaxMs: 400 },
          quotas: { ...DEFAULT_CONFIG.channels.quotas, daily: { ...DEFAULT_CONFIG.channels.quotas.daily, xiaomi: { system: 0, operation: 2 } } },
        },
      },
      { channels: [xiaomi, huawei, hmos] },
    );
    await server.node.ctx.credentials.set(server.app.appKey, 'fcm', fcm.createServiceAccount('proj-routing'));
    for (const c of ['xiaomi', 'huawei', 'hmos']) await setTestCredentials(server, server.app.appKey, c, { secret: SECRET });
  });

  after(async () => {
    await server.close();
    await fcm.close();
  });

  beforeEach(() => {
    for (const c of [xiaomi, huawei, hmos]) {
      c.answers.clear();
      c.notes = undefined;
      c.quota = undefined;
    }
  });

  test('a push that mixes devices of every kind reaches each through its own channel', async () => {
    const x = await device('android', { xiaomi: 'xiaomi-token-mix' });
    const h = await device('android', { huawei: 'huawei-token-mix' });
    const f = await device('android', { fcm: 'fcm-token-mix' });
    const both = await device('android', { fcm: 'fcm-token-both', huawei: 'huawei-token-both' });
    const hm = await device('hmos', { hmos: 'hmos-token-mix' });
    const plain = await device('android', {});
    const msgId = await push({
      audience: { registration_id: [x, h, f, both, hm, plain] },
      notification: { alert: 'everyone', android: { alert: 'android' }, hmos: { alert: 'hmos', category: 'IM' } },
      options: { classification: 1 },
    });
    await relayDone(msgId);
    assert.deepEqual(sentTo(xiaomi, msgId), ['xiaomi-token-mix']);
    // a device with FCM and Huawei tokens follows distribution_fcm: secondary_fcm_push by default
    assert.deepEqual(sentTo(huawei, msgId), ['huawei-token-mix']);
    assert.deepEqual(sentTo(hmos, msgId), ['hmos-token-mix']);
    assert.equal(fcmSentTo('fcm-token-mix').length, 1);
    assert.equal(fcmSentTo('fcm-token-both').length, 1);
    assert.equal(xiaomi.sends.find((s) => s.msgId === msgId)?.classification, 1);

    const detail = await call(server, 'GET', `/v3/messages/detail?msg_ids=${msgId}`);
    assert.equal(detail.status, 200, detail.text);
    const block = (detail.body as { details: { notification: Record<string, Record<string, { sent: number }>> } }[])[0]!.details.notification;
    assert.equal(block.sub_android!.xiaomi!.sent, 1);
    assert.equal(block.sub_android!.huawei!.sent, 1);
    assert.equal(block.sub_android!.fcm!.sent, 2);
    assert.equal(block.sub_hmos!.hmpns!.sent, 1);
  });

  test('distribution strategies: jpush never relays, pns picks the domestic vendor, ospush relays online devices', async () => {
    const both = await device('android', { fcm: 'fcm-token-pns', xiaomi: 'xiaomi-token-pns' });
    const onlyXiaomi = await device('android', { xiaomi: 'xiaomi-token-jpush' });
    const m1 = await push({
      audience: { registration_id: [both, onlyXiaomi] },
      notification: { alert: 'strategies' },
      options: { third_party_channel: { xiaomi: { distribution: 'jpush', distribution_fcm: 'pns' } } },
    });
    await relayDone(m1);
    assert.deepEqual(sentTo(xiaomi, m1), ['xiaomi-token-pns']);
    assert.equal(fcmSentTo('fcm-token-pns').length, 0);

    const client = await startClient(server, server.app, { platform: 'android' });
    try {
      const update = await call(server, 'POST', '/v1/devices/register', {
        body: { app_key: server.app.appKey, platform: 'android', registration_id: client.registrationId, device_secret: client.client.state.deviceSecret, tokens: { huawei: 'huawei-token-online' } },
        auth: null,
      });
      assert.equal(update.status, 200, update.text);
      const audience = { registration_id: [client.registrationId] };
      const secondary = await push({ audience, notification: { alert: 'default: secondary_push' } });
      const os = await push({ audience, notification: { alert: 'ospush' }, options: { third_party_channel: { huawei: { distribution: 'ospush' } } } });
      await client.waitForPushes(2, 10_000);
      await relayDone(secondary);
      await relayDone(os);
      assert.deepEqual(sentTo(huawei, secondary), [], 'an online device stays on the own connection with secondary_push');
      assert.deepEqual(sentTo(huawei, os), ['huawei-token-online']);

      // custom messages: Huawei takes them per distribution_customize; notification_3rd only offline
      const custom = await push({ audience, message: { msg_content: 'data' }, options: { third_party_channel: { huawei: { distribution_customize: 'first_ospush' } } } });
      const third = await push({ audience, message: { msg_content: 'data' }, notification_3rd: { content: 'shown offline', title: 't' } });
      await client.waitForPushes(4, 10_000);
      await relayDone(custom);
      await relayDone(third);
      assert.deepEqual(sentTo(huawei, custom), ['huawei-token-online']);
      assert.deepEqual(sentTo(huawei, third), []);
    } finally {
      await client.close();
    }
  });

  test('over the daily quota a device falls back to the own connection; skip_quota is honoured; GET /v3/push/quota shows use', async () => {
    // the cap is xiaomi operation = 2 (configured); three offline devices
    const clients: Awaited<ReturnType<typeof startClient>>[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await startClient(server, server.app, { platform: 'android', connect: false });
      const res = await call(server, 'POST', '/v1/devices/register', {
        body: { app_key: server.app.appKey, platform: 'android', registration_id: c.registrationId, device_secret: c.client.state.deviceSecret, tokens: { xiaomi: `xiaomi-token-quota-${i}` } },
        auth: null,
      });
      assert.equal(res.status, 200, res.text);
      clients.push(c);
    }
    const before = (await call(server, 'GET', '/v3/push/quota')).body as { data: { xiaomi_quota: { operation: { total: number; used: number } } } };
    const usedBefore = before.data.xiaomi_quota.operation.used;
    assert.equal(before.data.xiaomi_quota.operation.total, 2);
    assert.ok(usedBefore <= 2);
    const audience = { registration_id: clients.map((c) => c.registrationId) };
    const msgId = await push({ audience, notification: { alert: 'quota' } });
    await relayDone(msgId);
    assert.equal(sentTo(xiaomi, msgId).length, 2 - usedBefore, 'sends stop at the cap');
    const q = (await call(server, 'GET', '/v3/push/quota')).body as { code: number; data: Record<string, Record<string, { total: number; used: number }>> };
    assert.equal(q.code, 0);
    assert.deepEqual(q.data.xiaomi_quota, { operation: { total: 2, used: 2 } });
    assert.deepEqual(q.data.oppo_quota, { operation: { total: -1, used: 0 } });
    assert.deepEqual(Object.keys(q.data.vivo_quota!).sort(), ['operation', 'system']);
    // the report counts the devices over the cap apart: neither sent nor failed
    const detail = await call(server, 'GET', `/v3/messages/detail?msg_ids=${msgId}`);
    assert.equal(detail.status, 200, detail.text);
    const mi = (detail.body as { details: { notification: { sub_android: { xiaomi: Record<string, number> } } } }[])[0]!.details.notification.sub_android.xiaomi;
    assert.deepEqual([mi.sent, mi.failed, mi.quota_fallback], [2 - usedBefore, 0, 1 + usedBefore], detail.text);

    // the ones left over get it over the own connection when they connect
    for (const c of clients) await c.client.connect();
    try {
      for (const c of clients) await c.waitForPushes(1, 10_000);
      const fellBack = clients.find((c) => !sentTo(xiaomi, msgId).includes(`xiaomi-token-quota-${clients.indexOf(c)}`))!;
      const trace = await call(server, 'GET', `/v3/status/message/${msgId}/${fellBack.registrationId}`);
      assert.equal(trace.status, 200, trace.text);
      const answers = (trace.body as { vendor_answers?: { channel: string; result: string }[] }).vendor_answers ?? [];
      assert.ok(answers.some((a) => a.channel === 'xiaomi' && a.result === 'fallback'), trace.text);
      assert.equal((trace.body as { vendors?: Record<string, string> }).vendors?.xiaomi, 'quota_fallback', trace.text);
    } finally {
      for (const c of clients) await c.close();
    }

    // skip_quota (Xiaomi, OPPO): neither checked nor counted
    const skipped = await push({ audience, notification: { alert: 'skip' }, options: { third_party_channel: { xiaomi: { skip_quota: true } } } });
    await relayDone(skipped);
    // the devices are online now: the default strategy keeps them on the own connection, so ask for ospush
    const forced = await push({ audience, notification: { alert: 'skip' }, options: { third_party_channel: { xiaomi: { skip_quota: true, distribution: 'ospush' } } } });
    await relayDone(forced);
    assert.equal(sentTo(xiaomi, forced).length, 3);
    const after = (await call(server, 'GET', '/v3/push/quota')).body as { data: { xiaomi_quota: { operation: { used: number } } } };
    assert.equal(after.data.xiaomi_quota.operation.used, 2);

    // system messages are another category, without a cap here
    const system = await push({ audience, notification: { alert: 'system' }, options: { classification: 1, third_party_channel: { xiaomi: { distribution: 'ospush' } } } });
    await relayDone(system);
    assert.equal(sentTo(xiaomi, system).length, 3);
  });

  test('caps learned from the vendor: quota readings and quotaExceeded answers', async () => {
    const a = await device('android', { huawei: 'huawei-token-learn-a' });
    const b = await device('android', { huawei: 'huawei-token-learn-b' });
    huawei.quota = { category: 'operation', limit: 10, remaining: 0 };
    const first = await push({ audience: { registration_id: [a] }, notification: { alert: 'reading' } });
    await relayDone(first);
    assert.deepEqual(sentTo(huawei, first), ['huawei-token-learn-a']);
    // the vendor said nothing is left: the next push is not sent
    const second = await push({ audience: { registration_id: [b] }, notification: { alert: 'capped' } });
    await relayDone(second);
    assert.deepEqual(sentTo(huawei, second), []);
    const figures = server.node.ctx.quotas.figures(server.app.appKey, [{ channel: 'huawei', category: 'operation' }]);
    assert.deepEqual(figures[0], { channel: 'huawei', category: 'operation', limit: 10, used: 10 });

    // a vendor's own refusal (system category here) also falls back and caps the category
    const c = await device('android', { xiaomi: 'xiaomi-token-refused' });
    xiaomi.answers.set('xiaomi-token-refused', { kind: 'quotaExceeded', reason: 'daily limit', category: 'system' });
    const refused = await push({ audience: { registration_id: [c] }, notification: { alert: 'refused' }, options: { classification: 1 } });
    await relayDone(refused);
    assert.deepEqual(sentTo(xiaomi, refused), ['xiaomi-token-refused']);
    const sys = server.node.ctx.quotas.figures(server.app.appKey, [{ channel: 'xiaomi', category: 'system' }])[0]!;
    assert.equal(sys.limit, sys.used);
    const trace = await call(server, 'GET', `/v3/status/message/${refused}/${c}`);
    assert.ok(((trace.body as { vendor_answers?: { result: string }[] }).vendor_answers ?? []).some((x) => x.result === 'fallback'), trace.text);
  });

  test('fields a vendor dropped appear as notes in the per-device trace', async () => {
    const rid = await device('hmos', { hmos: 'hmos-token-notes' });
    hmos.notes = ['notification.hmos.style: not carried by this vendor'];
    const msgId = await push({ audience: { registration_id: [rid] }, notification: { alert: 'notes', hmos: { alert: 'x', category: 'IM' } } });
    await relayDone(msgId);
    const trace = await call(server, 'GET', `/v3/status/message/${msgId}/${rid}`);
    assert.equal(trace.status, 200, trace.text);
    const answers = (trace.body as { vendor_answers: { channel: string; result: string; notes?: string[] }[] }).vendor_answers;
    assert.deepEqual(answers.map((x) => [x.channel, x.result, x.notes]), [['hmos', 'sent', ['notification.hmos.style: not carried by this vendor']]]);
  });

  test('vendor receipts: received and clicked reach the figures; dead tokens go; hostile requests never 500', async () => {
    const rid = await device('android', { xiaomi: 'xiaomi-token-receipt' });
    const other = await device('android', { xiaomi: 'xiaomi-token-dead' });
    const msgId = await push({ audience: { registration_id: [rid, other] }, notification: { alert: 'receipts' }, options: { classification: 1 } });
    await relayDone(msgId);
    const path = `/v1/vendors/xiaomi/receipts/${server.app.appKey}`;
    const post = (body: string, signature?: string, target = path) =>
      fetch(`${server.url}${target}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { 'x-test-signature': signature } : {}) }, body });

    const body = JSON.stringify({
      receipts: [
        { msg_id: msgId, token: 'xiaomi-token-receipt', status: 'received' },
        { msg_id: msgId, token: 'xiaomi-token-receipt', status: 'clicked' },
        { msg_id: msgId, token: 'nobody-holds-this', status: 'received' },
        { msg_id: '99999999999', token: 'xiaomi-token-receipt', status: 'received' },
        { msg_id: msgId, token: 'xiaomi-token-dead', status: 'tokenDead' },
      ],
    });
    const bad = await post(body, signReceipt('wrong', body));
    assert.equal(bad.status, 401);
    const ok = await post(body, signReceipt(SECRET, body));
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { code: 0 });
    // again: counted once
    assert.equal((await post(body, signReceipt(SECRET, body))).status, 200);

    await until(async () => {
      const detail = await call(server, 'GET', `/v3/messages/detail?msg_ids=${msgId}`);
      const block = (detail.body as { details: { notification: Record<string, unknown> & { sub_android: Record<string, { received: number | null; click: number | null }> } } }[])[0]!.details.notification;
      return block.sub_android.xiaomi!.received === 1 && block.sub_android.xiaomi!.click === 1 && block.received === 1 && block.click === 1;
    }, 'receipts in /v3/messages/detail');
    const received = await call(server, 'GET', `/v3/received/detail?msg_ids=${msgId}`);
    assert.equal((received.body as { android_pns_received: number }[])[0]!.android_pns_received, 1);
    assert.equal((await server.node.ctx.registry.get(server.app.appKey, other))?.tokens.xiaomi, undefined, 'the dead token is removed');
    assert.equal((await server.node.ctx.registry.get(server.app.appKey, rid))?.tokens.xiaomi, 'xiaomi-token-receipt');

    // another app cannot use its own receipt URL to touch this app's push or devices
    const stranger = await server.createApp('stranger');
    await setTestCredentials(server, stranger.appKey, 'xiaomi', { secret: SECRET });
    const foreign = JSON.stringify({ receipts: [{ msg_id: msgId, token: 'xiaomi-token-receipt', status: 'clicked' }, { msg_id: msgId, token: 'xiaomi-token-receipt', status: 'tokenDead' }] });
    assert.equal((await post(foreign, signReceipt(SECRET, foreign), `/v1/vendors/xiaomi/receipts/${stranger.appKey}`)).status, 200);
    assert.equal((await server.node.ctx.registry.get(server.app.appKey, rid))?.tokens.xiaomi, 'xiaomi-token-receipt');

    // not found: unknown channel, channel without receipts, unknown app, app without credentials
    for (const target of ['/v1/vendors/nosuch/receipts/' + server.app.appKey, '/v1/vendors/fcm/receipts/' + server.app.appKey, '/v1/vendors/xiaomi/receipts/0123456789abcdef01234567', '/v1/vendors/..%2F/receipts/x']) {
      const res = await post(body, signReceipt(SECRET, body), target);
      assert.equal(res.status, 404, target);
    }
    // hostile bodies: the channel's own error answers, never a 500
    for (const hostile of ['', 'not json', '{"receipts":"x"}', '{"receipts":[null,1,"a",{"token":{}}]}', '['.repeat(5000), '\u0000\uffff']) {
      const res = await post(hostile, signReceipt(SECRET, hostile));
      assert.ok(res.status < 500, `${res.status} for ${JSON.stringify(hostile.slice(0, 20))}`);
    }
    const form = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
    assert.equal(form.status, 401);
  });

  test('1036: a HarmonyOS-only push for an app without HarmonyOS credentials', async () => {
    const bare = await server.createApp('no-hmos');
    const res = await call(server, 'POST', '/v3/push', { body: { platform: ['hmos'], audience: 'all', notification: { alert: 'x' } }, auth: bare });
    assert.equal(res.status, 400, res.text);
    assert.equal(errorCode(res), 1036);
    const validate = await call(server, 'POST', '/v3/push/validate', { body: { platform: ['hmos'], audience: 'all', notification: { alert: 'x' } }, auth: bare });
    assert.equal(errorCode(validate), 1036);
    // other platforms alongside: accepted (no HarmonyOS device is relayed)
    const mixed = await call(server, 'POST', '/v3/push', { body: { platform: ['android', 'hmos'], audience: 'all', notification: { alert: 'x' } }, auth: bare });
    assert.equal(mixed.status, 200, mixed.text);
    // with credentials: accepted
    await setTestCredentials(server, bare.appKey, 'hmos', { secret: 's' });
    await server.registerDevice(bare, { platform: 'hmos' });
    const ok = await call(server, 'POST', '/v3/push', { body: { platform: ['hmos'], audience: 'all', notification: { alert: 'x' } }, auth: bare });
    assert.equal(ok.status, 200, ok.text);
  });

  test('borealis device --vendor simulates a phone of that vendor and prints the route each push took', async () => {
    const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'device', '--app-key', server.app.appKey, '--server', server.url, '--vendor', 'xiaomi', '--master-secret', server.app.masterSecret]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await until(() => err.includes('1 device(s) connected'), 'the simulated phone', 30_000);
      const token = /xiaomi token (xiaomi-token-[0-9a-f]{24}) registered/.exec(err)?.[1];
      assert.ok(token, err);
      const rid = /borealis device: (\S+) registered/.exec(err)?.[1];
      assert.ok(rid, err);
      const msgId = await push({ audience: { registration_id: [rid] }, notification: { alert: 'via xiaomi' }, options: { third_party_channel: { xiaomi: { distribution: 'ospush', skip_quota: true } } } });
      await until(() => out.includes('"route"'), 'the route line', 20_000);
      const route = out
        .split('\n')
        .filter((l) => l.includes('"route"'))
        .map((l) => JSON.parse(l) as { msg_id: string; route: Record<string, string>; vendor_answers: { channel: string; result: string }[] })[0]!;
      assert.equal(route.msg_id, msgId);
      assert.deepEqual(route.route, { own_connection: 'received', xiaomi: 'sent' });
      assert.equal(route.vendor_answers[0]?.channel, 'xiaomi');
      assert.deepEqual(sentTo(xiaomi, msgId), [token]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
